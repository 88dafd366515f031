"""ScorecardClassifier: a few features, a few bins each, integer points added on paper.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> X = pd.DataFrame({"age": rng.integers(18, 70, 600).astype(float),
...                   "priors_count": rng.poisson(2, 600).astype(float)})
>>> logit = 1.0 - 0.05 * (X["age"] - 35) + 0.4 * np.sqrt(X["priors_count"])
>>> y = (rng.random(600) < 1 / (1 + np.exp(-logit))).astype(int)
>>> card = ScorecardClassifier(max_bins=4).fit(X, y)
>>> all(len(set(p[:-1])) <= 4 for p in card.points_.values())
True
>>> card.points_frame().columns.tolist()
['feature', 'bin', 'points']
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import _fit_context
from sklearn.metrics import roc_auc_score
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from riskassess.exceptions import FormError
from riskassess.features import check_no_protected
from riskassess.models._additive import AdditiveRiskClassifier, positive_weight_rows
from riskassess.models._bands import RiskBands
from riskassess.models._base import TransparentModel
from riskassess.models._gam import TermSpec, fit_tables
from riskassess.models._terms import AdditiveForm, CategoricalAxis, NumericAxis, TableTerm

__all__ = ["ScorecardClassifier", "segment"]

#: Ridge penalty of both stages (the first-stage additive model's default): it shrinks
#: the estimate of a bin with little data towards the average.
_RIDGE = 1.0


def segment(values: np.ndarray, weights: np.ndarray, n_segments: int,
            min_weight: float = 0.0) -> np.ndarray:
    """Cut an ordered sequence into at most ``n_segments`` runs, least weighted squared error.

    Every run holds a total weight of at least ``min_weight`` (when the whole sequence
    holds less, it stays one run). Returns the start index of every run after the first
    (dynamic programming over run ends).

    Examples
    --------
    >>> import numpy as np
    >>> values = np.array([0.0, 0.1, 1.0, 1.1, 5.0])
    >>> segment(values, np.ones(5), 3).tolist()  # the outlier 5.0 gets a run of its own
    [2, 4]
    >>> light_tail = np.array([10.0, 10.0, 10.0, 10.0, 1.0])  # 5.0 weighs 1: too light
    >>> segment(values, light_tail, 3, min_weight=5.0).tolist()
    [2, 3]
    """
    k = len(values)
    m = min(n_segments, k)
    # a tiny weight keeps empty categories from dividing by zero; it does not move cuts
    w = np.asarray(weights, float) + 1e-12
    # prefix sums give the weighted squared error of any run i..j-1 in O(1)
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cv = np.concatenate([[0.0], np.cumsum(w * values)])
    cv2 = np.concatenate([[0.0], np.cumsum(w * values**2)])
    ii, jj = np.meshgrid(np.arange(k + 1), np.arange(k + 1), indexing="ij")
    with np.errstate(invalid="ignore", divide="ignore"):
        sw = cw[jj] - cw[ii]
        cost = cv2[jj] - cv2[ii] - (cv[jj] - cv[ii]) ** 2 / sw
    # a run lighter than min_weight is not allowed (infinite cost), except the single run
    # covering everything, so that a feasible answer always exists
    allowed = (jj > ii) & (sw >= min_weight * (1.0 - 1e-12))
    allowed[0, k] = True
    cost = np.where(allowed, np.maximum(cost, 0.0), np.inf)  # cost[i, j]: run i..j-1
    layers = [cost[0]]  # layers[s][j]: first j items in exactly s + 1 runs
    backs: list[np.ndarray] = [np.zeros(k + 1, dtype=int)]
    for _ in range(1, m):
        cand = layers[-1][:, None] + cost  # previous runs end at i, new run i..j-1
        arg = np.argmin(cand, axis=0)
        layers.append(cand[arg, np.arange(k + 1)])
        backs.append(arg)
    # more runs never cost more, so ties are frequent: argmin takes the fewest runs
    n_runs = int(np.argmin([layer[k] for layer in layers]))
    cuts: list[int] = []
    end = k
    for s in range(n_runs, 0, -1):
        end = int(backs[s][end])
        cuts.append(end)
    return np.array(sorted(set(cuts)), dtype=int)


class ScorecardClassifier(TransparentModel):
    """Integer-points scorecard: bins per feature, a logistic fit on the bins, rounded.

    1. An :class:`AdditiveRiskClassifier` (monotone where documented) gives each
       feature's shape; the ``max_features`` features with the largest spread of
       contributions are kept.
    2. Each kept shape is cut into at most ``max_bins`` runs of adjacent bins (categories
       sorted by effect) with the least weighted squared error, each run holding at
       least ``min_bin_size`` of the training weight; monotone shapes give monotone runs.
    3. A logistic model on the bins (monotone constraints and the first stage's ridge
       penalty kept) is refitted, each feature's coefficients are shifted so its lowest
       bin scores 0 and scaled so ``points_to_double_odds`` points double the odds, then
       rounded to integers.
    4. The probability of a total score is ``expit(a + b * total)`` with ``a, b`` refitted
       on the total: :meth:`score_table` lists it.

    Parameters
    ----------
    max_features : int, default 6
    max_bins : int, default 5
        Bins per feature (not counting a missing-value bin, present only when training
        had missing values).
    min_bin_size : int or float, default 0.02
        Smallest bin: a number of training rows (int, total sample weight with weights)
        or a fraction of the training weight (float in (0, 0.5)). A bin of a handful of
        people would otherwise get points from their few outcomes (on COMPAS, 5 people
        with ``juv_fel_count > 7`` got 139 points, 124 times the odds); 2% cost no AUC in
        3 x 10-fold cross-validation there (benchmarks/bench_scorecard.py).
    points_to_double_odds : float, default 20.0
    monotone : "auto", dict or None, default "auto"
        As in :class:`AdditiveRiskClassifier`.
    smoothing : float, default 300.0
        Smoothing of the first-stage additive model.
    allow_protected : sequence of str, default ()
    bands : RiskBands or None, default None
    horizon : int or None, default None
        Follow-up period of the outcome in years (2 for reoffending within two years).
        Not used in fitting: it names what the model predicts, so explanations and
        reasons say "the 2-year risk" and an assessment records its horizon.

    Attributes
    ----------
    points_ : dict of str to numpy.ndarray
        Integer points of every bin of every kept feature (last entry: missing bin).
    rounding_auc_cost_ : float
        Training AUC of the unrounded bin model minus that of the integer scorecard.
    form_ : AdditiveForm
        ``a`` and ``b * points`` as tables; predictions go through it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 400).astype(float),
    ...                   "priors_count": rng.poisson(2, 400).astype(float)})
    >>> logit = 1.0 - 0.05 * (X["age"] - 35) + 0.4 * np.sqrt(X["priors_count"])
    >>> y = (rng.random(400) < 1 / (1 + np.exp(-logit))).astype(int)
    >>> card = ScorecardClassifier(max_bins=3).fit(X, y)
    >>> sorted(card.points_)
    ['age', 'priors_count']
    >>> all(p.dtype.kind == "i" and p.min() >= 0 for p in card.points_.values())
    True
    >>> table = card.score_table()  # probability of every reachable total
    >>> bool(table["probability"].is_monotonic_increasing)
    True
    """

    _persisted_attributes: ClassVar[tuple[str, ...]] = (
        *TransparentModel._persisted_attributes, "points_", "slope_", "offset_",
        "selected_features_", "auc_unrounded_", "auc_rounded_", "rounding_auc_cost_")

    _parameter_constraints: ClassVar[dict] = {
        "max_features": [Interval(Integral, 1, None, closed="left")],
        "max_bins": [Interval(Integral, 2, None, closed="left")],
        "min_bin_size": [Interval(Integral, 1, None, closed="left"),
                         Interval(RealNotInt, 0, 0.5, closed="neither")],
        "points_to_double_odds": [Interval(Real, 0, None, closed="neither")],
        "monotone": [StrOptions({"auto"}), dict, None],
        "smoothing": [Interval(Real, 0, None, closed="left")],
        "allow_protected": [list, tuple],
        "bands": [RiskBands, None],
        "horizon": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, max_features: int = 6, max_bins: int = 5,
                 min_bin_size: float = 0.02, points_to_double_odds: float = 20.0,
                 monotone: Any = "auto", smoothing: float = 300.0,
                 allow_protected: Sequence[str] = (), bands: RiskBands | None = None,
                 horizon: int | None = None) -> None:
        self.max_features = max_features
        self.max_bins = max_bins
        self.min_bin_size = min_bin_size
        self.points_to_double_odds = points_to_double_odds
        self.monotone = monotone
        self.smoothing = smoothing
        self.allow_protected = allow_protected
        self.bands = bands
        self.horizon = horizon

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> ScorecardClassifier:
        """Bin, fit, round.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Numeric and categorical columns; NaN allowed.
        y : array-like of shape (n_samples,)
            Binary outcome.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights; a row of weight 0 is treated exactly as absent.

        Returns
        -------
        self
        """
        frame = self._frame(X, reset=True)
        check_no_protected([str(c) for c in frame.columns], self.allow_protected)
        check_consistent_length(frame, y)
        y01 = self._set_classes(y)
        frame, y01, w = positive_weight_rows(frame, y01, self._weights(sample_weight, frame))
        w_arr = np.ones(len(y01)) if w is None else w
        gam = AdditiveRiskClassifier(monotone=self.monotone, smoothing=self.smoothing,
                                     ridge=_RIDGE, allow_protected=self.allow_protected)
        gam.fit(frame, y01, sample_weight=w)
        fine_terms = [_table_term(t) for t in gam.form_.terms]
        # Keep the features whose contributions vary most across training people (the
        # weighted standard deviation of the centred table): a feature that barely moves
        # anyone's score is not worth a line on a paper card.
        spread = [np.sqrt(np.sum(_counts(t) * t.table**2) / _counts(t).sum())
                  for t in fine_terms]
        order = np.argsort(-np.asarray(spread), kind="stable")[: self.max_features]
        kept = sorted(order.tolist())
        min_weight = self._min_bin_weight(float(w_arr.sum()))
        specs: list[TermSpec] = []
        axes = []
        expand = []  # per kept feature: fine bin -> coarse bin
        for i in kept:
            term = fine_terms[i]
            ax, fine_to_coarse, n_coarse = self._coarsen(term, min_weight)
            axes.append(ax)
            expand.append(fine_to_coarse)
            codes = fine_to_coarse[term.axes[0].codes(frame)]
            mono = gam.monotone_[term.features[0]] if isinstance(ax, NumericAxis) else 0
            specs.append(TermSpec((n_coarse,), (isinstance(ax, NumericAxis),), (mono,),
                                  (codes,)))
        # The refit keeps the first stage's ridge penalty: without it a bin whose few
        # people all reoffended (or none did) gets an estimate running off towards
        # infinity, which rounding then turns into a huge number of points. No smoothing
        # here: neighbouring coarse bins are of unequal widths, so a second-difference
        # penalty between them has no meaning.
        _, tables, _ = fit_tables(specs, y01, w_arr, smoothing=0.0, ridge=_RIDGE)
        factor = float(self.points_to_double_odds) / np.log(2.0)
        raw = np.zeros(len(y01))
        total = np.zeros(len(y01))
        points: dict[str, np.ndarray] = {}
        pts_by_coarse: dict[str, np.ndarray] = {}
        for ax, f2c, spec, table in zip(axes, expand, specs, tables, strict=True):
            counts = np.bincount(spec.codes[0], w_arr, minlength=table.size)
            seen = counts > 0
            # shift so the lowest reachable bin scores 0: points are then non-negative and
            # a card reads "add up the points", never "subtract"
            low = table[seen].min()
            pts_c = np.where(seen, np.rint(factor * (table - low)), 0.0)
            raw += table[spec.codes[0]]
            total += pts_c[spec.codes[0]]
            points[ax.feature] = pts_c[f2c].astype(np.int64)
            pts_by_coarse[ax.feature] = pts_c.astype(np.int64)
        # Rounding moved every bin a little, so the log-odds of a total are refitted
        # (a, b) instead of taken from the unrounded tables; the slope is held near the
        # points' own scale, ln 2 / points_to_double_odds, so that data a total separates
        # perfectly still give a finite, well-defined slope.
        a, b = _logistic_1d(total, y01, w_arr, prior_slope=1.0 / factor)
        self.auc_unrounded_ = float(roc_auc_score(y01, raw, sample_weight=w))
        self.auc_rounded_ = float(roc_auc_score(y01, total, sample_weight=w))
        self.rounding_auc_cost_ = self.auc_unrounded_ - self.auc_rounded_
        terms = []
        for ax, spec, table in zip(axes, specs, tables, strict=True):
            counts = np.bincount(spec.codes[0], w_arr, minlength=table.size)
            if isinstance(ax, NumericAxis):  # one table entry per coarse bin
                pts = pts_by_coarse[ax.feature]
            else:  # one entry per category (categories grouped share points)
                pts = points[ax.feature]
                counts = np.bincount(ax.codes(frame), w_arr, minlength=ax.n_bins)
            points[ax.feature] = pts.astype(np.int64)
            terms.append(TableTerm(ax.feature, (ax,), b * pts.astype(np.float64), counts))
        self.points_ = points
        self.slope_, self.offset_ = b, a
        self.selected_features_ = [ax.feature for ax in axes]
        self.monotone_ = gam.monotone_
        self.form_ = AdditiveForm(intercept=a, terms=tuple(terms))
        self._record_training(frame, y01, w)
        return self

    def _min_bin_weight(self, total_weight: float) -> float:
        """``min_bin_size`` as a training weight (a fraction is of the total weight)."""
        size = self.min_bin_size
        if isinstance(size, Integral):
            return float(size)
        return float(size) * total_weight

    def _coarsen(self, term: TableTerm, min_weight: float) -> tuple[Any, np.ndarray, int]:
        """Group a fine table's bins into at most ``max_bins`` runs (plus missing), each
        holding a training weight of at least ``min_weight``."""
        ax = term.axes[0]
        values, counts = term.table[:-1], _counts(term)[:-1]
        if isinstance(ax, CategoricalAxis):
            # categories have no order of their own: sorting them by effect lets adjacent
            # runs group categories of similar risk
            order = np.argsort(values, kind="stable")
        else:
            order = np.arange(len(values))
        cuts = segment(values[order], counts[order], int(self.max_bins), min_weight)
        run = np.zeros(len(values), dtype=np.intp)
        run[order] = np.searchsorted(cuts, np.arange(len(values)), side="right")
        n_runs = len(cuts) + 1
        f2c = np.append(run, n_runs)  # missing bin -> its own coarse bin
        if isinstance(ax, NumericAxis):
            ax = NumericAxis(ax.feature, tuple(ax.thresholds[c - 1] for c in cuts),
                             closed=ax.closed)
        return ax, f2c, n_runs + 1

    def _restore_fitted_state(self, form: AdditiveForm, fitted: Any) -> None:
        super()._restore_fitted_state(form, fitted)
        if hasattr(self, "points_"):
            self.points_ = {k: np.asarray(v, dtype=np.int64) for k, v in self.points_.items()}

    def points_frame(self) -> pd.DataFrame:
        """Points of every bin of every kept feature: the card itself.

        Returns
        -------
        pandas.DataFrame
            Columns feature, bin, points.
        """
        check_is_fitted(self, "points_")
        rows = []
        for t in map(_table_term, self.form_.terms):
            for label, p in zip(t.axes[0].labels(), self.points_[t.name], strict=True):
                rows.append({"feature": t.name, "bin": label, "points": int(p)})
        return pd.DataFrame(rows, columns=["feature", "bin", "points"])

    def score_table(self) -> pd.DataFrame:
        """Probability of every reachable total score.

        Returns
        -------
        pandas.DataFrame
            Columns points, probability.
        """
        check_is_fitted(self, "points_")
        reach = {0}
        for p in self.points_.values():
            reach = {r + int(v) for r in reach for v in set(p.tolist())}
        totals = np.array(sorted(reach), dtype=float)
        return pd.DataFrame({"points": totals.astype(int),
                             "probability": expit(self.offset_ + self.slope_ * totals)})


def _table_term(term: Any) -> TableTerm:
    """``term`` as a TableTerm: every term a scorecard (or its first stage) makes is one."""
    if not isinstance(term, TableTerm):
        raise FormError(f"term {getattr(term, 'name', term)!r}: a scorecard has table terms "
                        f"only, got {type(term).__name__}")
    return term


def _counts(term: TableTerm) -> np.ndarray:
    """Training weight per cell of a term fitted here (fitting always records it)."""
    if term.counts is None:
        raise FormError(f"term {term.name!r} has no training counts")
    return term.counts


def _logistic_1d(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, prior_slope: float,
                 ridge: float = _RIDGE) -> tuple[float, float]:
    """Weighted ``(a, b)`` of ``P(y=1) = expit(a + b x)`` by Newton's method, with a ridge
    penalty ``ridge * (sd(x) * (b - prior_slope))**2`` holding the slope near
    ``prior_slope`` (it matters only when the data say little, e.g. perfect separation).
    """
    # weighted centring and scaling: the fit depends on the weights only, so integer
    # weights and repeated rows give the same numbers
    mean = float(np.average(x, weights=w))
    scale = float(np.sqrt(np.average((x - mean) ** 2, weights=w))) or 1.0
    z = (x - mean) / scale
    prior = prior_slope * scale
    theta = np.array([0.0, prior])
    for _ in range(100):
        p = expit(theta[0] + theta[1] * z)
        g = np.array([np.sum(w * (p - y)), np.sum(w * (p - y) * z)
                      + 2.0 * ridge * (theta[1] - prior)])
        h = w * p * (1 - p)
        hess = np.array([[h.sum(), (h * z).sum()],
                         [(h * z).sum(), (h * z * z).sum() + 2.0 * ridge]])
        hess += 1e-12 * np.eye(2)
        step = np.linalg.solve(hess, g)
        theta -= step
        if np.max(np.abs(step)) < 1e-12:
            break
    b = theta[1] / scale
    a = theta[0] - b * mean
    return float(a), float(b)
