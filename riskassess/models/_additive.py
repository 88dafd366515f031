"""AdditiveRiskClassifier: a monotone, smoothed generalised additive model as lookup tables.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.integers(18, 70, 400).astype(float),
...                   "priors_count": rng.poisson(2, 400).astype(float)})
>>> logit = 1.0 - 0.05 * (X["age"] - 35) + 0.3 * np.sqrt(X["priors_count"])
>>> y = (rng.random(400) < 1 / (1 + np.exp(-logit))).astype(int)
>>> model = AdditiveRiskClassifier().fit(X, y)
>>> model.form_.term_names
['age', 'priors_count']
>>> bool(np.all(np.diff(model.form_.terms[0].table[:-1]) <= 0))  # age never raises risk
True
>>> model.predict_proba(X.head(2)).shape
(2, 2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_consistent_length

from riskassess.exceptions import FeatureError, ValidationInputError
from riskassess.features import check_no_protected, monotone_defaults
from riskassess.models._bands import RiskBands
from riskassess.models._base import TransparentModel, is_categorical
from riskassess.models._fast import select_pairs
from riskassess.models._gam import TermSpec, fit_tables
from riskassess.models._terms import AdditiveForm, CategoricalAxis, NumericAxis, TableTerm

__all__ = ["AdditiveRiskClassifier", "build_axis", "positive_weight_rows", "resolve_monotone"]

Axis = NumericAxis | CategoricalAxis


def build_axis(col: pd.Series, max_bins: int, sample_weight: np.ndarray | None = None
               ) -> Axis:
    """Bin one training column: categories, or thresholds between distinct values.

    Numeric columns with at most ``max_bins`` distinct values get a bin per value
    (thresholds at midpoints); otherwise thresholds at ``max_bins`` quantiles, weighted
    by ``sample_weight`` when given (so a weight of 2 places the cuts as a repeated row
    would). Categorical columns keep the full vocabulary of a pandas Categorical, or the
    sorted observed values of an object/string column.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> col = pd.Series([1.0, 2.0, 3.0, 4.0], name="x")
    >>> build_axis(col, 2).thresholds, build_axis(col, 2, np.array([5, 1, 1, 1])).thresholds
    ((2.0,), (1.0,))
    """
    name = str(col.name)
    if is_categorical(col):
        # A Categorical keeps its whole vocabulary, so a category with no training rows
        # still gets a bin (and contributes 0) instead of being refused as unseen later.
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = [str(c) for c in col.cat.categories]
        else:
            cats = sorted({str(v) for v in col.dropna().tolist()})
        return CategoricalAxis(name, tuple(cats))
    v = np.asarray(col, dtype=np.float64)
    known = ~np.isnan(v)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[known]
    v = v[known]
    u = np.unique(v)
    if len(u) <= max_bins:
        # Midpoints, not the values themselves: a value seen in training then sits in the
        # middle of its bin, so rounding noise at predict time never moves it across.
        thr = (u[:-1] + u[1:]) / 2.0
    else:
        # method="lower" puts every threshold on an observed value, so each bin
        # (t_{j-1}, t_j] holds at least that value's rows: no bin is empty after fitting.
        levels = np.linspace(0.0, 1.0, max_bins + 1)[1:-1]
        q = np.quantile(v, levels, method="lower") if w is None else _lower_quantiles(
            v, w, levels)
        thr = np.unique(q)
        # a threshold at the maximum would leave the top bin empty
        thr = thr[thr < u[-1]]
    return NumericAxis(name, tuple(float(t) for t in thr))


def _lower_quantiles(values: np.ndarray, weights: np.ndarray, levels: np.ndarray
                     ) -> np.ndarray:
    """numpy's ``method="lower"`` quantiles of the rows repeated by their weights.

    With integer weights this is exactly ``np.quantile(np.repeat(values, weights), levels,
    method="lower")`` without building the repeated array; real weights interpolate it.
    """
    order = np.argsort(values, kind="stable")
    sorted_values, cumulative = values[order], np.cumsum(weights[order])
    # "lower" takes the repeated array's element floor((W - 1) q) (written as numpy
    # computes it, so the rounding and the chosen element are the same): the first value
    # whose cumulative weight passes that position
    position = np.floor((cumulative[-1] - 1) * levels)
    index = np.searchsorted(cumulative, position, side="right")
    return sorted_values[np.minimum(index, len(sorted_values) - 1)]


def positive_weight_rows(frame: pd.DataFrame, y01: np.ndarray, weights: np.ndarray | None
                         ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    """Drop the rows whose sample weight is 0: they are not part of the training set.

    A zero weight must mean exactly "this row is absent" (scikit-learn's sample-weight
    contract): it may not place a bin threshold, widen a training range, allow missing
    values or appear in a table's counts. Refuses weights that leave one class only.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"age": [18.0, 30.0, 40.0, 50.0]})
    >>> kept, y, w = positive_weight_rows(frame, np.array([1.0, 0.0, 1.0, 0.0]),
    ...                                   np.array([0.0, 2.0, 1.0, 1.0]))
    >>> kept["age"].tolist(), y.tolist(), w.tolist()
    ([30.0, 40.0, 50.0], [0.0, 1.0, 0.0], [2.0, 1.0, 1.0])
    """
    if weights is None or bool(np.all(weights > 0)):
        return frame, y01, weights
    keep = weights > 0
    if not keep.any():
        raise ValidationInputError("sample_weight: every weight is 0; at least one row of "
                                   "each class needs a positive weight")
    y_kept = y01[keep]
    if y_kept.min() == y_kept.max():
        raise ValidationInputError(
            "sample_weight: the rows with positive weight all have the same outcome; "
            "fitting needs both classes among the rows with positive weight")
    return frame.loc[keep], y_kept, weights[keep]


def resolve_monotone(monotone: Any, columns: Sequence[str]) -> dict[str, int]:
    """Per-column direction from ``"auto"`` / ``None`` / a mapping of overrides.

    Examples
    --------
    >>> resolve_monotone({"age": 0}, ["age", "priors_count"])
    {'age': 0, 'priors_count': 1}
    >>> resolve_monotone(None, ["age"])
    {'age': 0}
    """
    if monotone is None:
        return dict.fromkeys(columns, 0)
    out = monotone_defaults(columns)
    if isinstance(monotone, Mapping):
        unknown = sorted(set(map(str, monotone)) - set(columns))
        if unknown:
            raise FeatureError(f"monotone names unknown columns {unknown}; columns are "
                               f"{list(columns)}")
        for k, v in monotone.items():
            if v not in (-1, 0, 1):
                raise FeatureError(f"monotone[{k!r}] must be -1, 0 or 1, got {v!r}")
            out[str(k)] = int(v)
    return out


class AdditiveRiskClassifier(TransparentModel):
    """Generalised additive model: one smooth, optionally monotone shape per feature.

    Each numeric feature is cut at its distinct values (at most ``max_bins`` bins, then
    quantiles), each categorical feature gets one bin per category, and every feature has
    a missing-value bin. The tables are fitted jointly by penalised maximum likelihood:
    a P-spline-style penalty on second differences (``smoothing``) keeps shapes smooth,
    a small ridge (``ridge``) shrinks rare categories, and monotone directions are hard
    constraints (bounds on the steps between successive bins), so a monotone feature's
    table is monotone exactly. Pairwise interaction tables are fitted when asked for,
    either named or chosen automatically (``interactions="auto"``: EBM's FAST ranking,
    see :func:`riskassess.models._fast.select_pairs`). A pair table is monotone along
    each of its monotone features for every value of the other, so the predicted risk
    stays monotone in every declared direction.

    After fitting, each table is centred on its training mean (the intercept absorbs
    the shift), so a contribution reads "relative to the average person in training".
    A category with no training rows contributes 0; a missing value in a column that had
    none in training is refused (:class:`~riskassess.exceptions.FeatureError`). A row of
    sample weight 0 is treated exactly as if it were absent: it places no bin and the
    tables are as if fitted without it.

    Parameters
    ----------
    monotone : "auto", dict or None, default "auto"
        ``"auto"``: directions from the feature documentation
        (:func:`riskassess.features.monotone_defaults`); a dict overrides some columns
        (``{"age": 0}``) on top of the defaults; ``None``: no constraints.
    interactions : "auto" or sequence of (str, str), default ()
        Pairs of columns to give a joint table. ``"auto"``: after fitting the main
        effects, rank every pair by FAST's gain on their residuals and refit with the
        top ``max_interactions`` pairs (pairs with no gain are left out).
    max_interactions : int, default 2
        Most pairs chosen by ``interactions="auto"`` (ignored for named pairs).
    max_interaction_bins : int, default 6
        Most bins per numeric feature in a pair table, named or chosen (coarser than the
        main effects: a pair table has one cell per combination of bins, and the main
        effects already carry the fine shape). Both defaults were chosen by cross-
        validation on COMPAS (benchmarks/bench_interactions.py says how).
    smoothing : float, default 100.0
        Weight of the second-difference penalty (on the sum, not mean, log-loss).
    ridge : float, default 1.0
        Weight of the ridge penalty on every parameter.
    max_bins : int, default 128
        Most bins per numeric feature.
    max_iter : int, default 1000
        Iteration limit of the L-BFGS-B solver.
    allow_protected : sequence of str, default ()
        Protected characteristics explicitly allowed as inputs.
    bands : RiskBands or None, default None
        Bands for :meth:`predict_band` (None: OGRS3's cut-points).
    horizon : int or None, default None
        Follow-up period of the outcome in years (2 for reoffending within two years).
        Not used in fitting: it names what the model predicts, so explanations and
        reasons say "the 2-year risk" and an assessment records its horizon.

    Attributes
    ----------
    form_ : AdditiveForm
        Intercept and one table per term; predictions go through it.
    classes_, feature_names_in_, n_features_in_
        As in scikit-learn.
    monotone_ : dict of str to int
        The directions used.
    interactions_ : list of (str, str)
        The pairs given a table (named, or chosen by ``interactions="auto"``).
    n_iter_ : int
        Solver iterations.
    training_ranges_, training_info_ : dict
        Per-column ranges / categories and missing counts; rows, base rate, date.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 300).astype(float),
    ...                   "sex": rng.choice(["female", "male"], 300)})
    >>> y = (rng.random(300) < 1 / (1 + np.exp(0.05 * (X["age"] - 35)))).astype(int)
    >>> model = AdditiveRiskClassifier(max_bins=8).fit(X, y)
    >>> model.form_.term_names, model.monotone_
    (['age', 'sex'], {'age': -1, 'sex': 0})
    >>> case = pd.DataFrame({"age": [19.0], "sex": ["male"]}, index=["C-1"])
    >>> bool(model.predict_proba(case)[0, 1] > model.predict_proba(case.assign(age=60.0))[0, 1])
    True
    >>> model.to_frame().columns.tolist()
    ['term', 'feature', 'bin', 'contribution', 'n_train']
    """

    _parameter_constraints: ClassVar[dict] = {
        "monotone": [StrOptions({"auto"}), dict, None],
        "interactions": [StrOptions({"auto"}), "array-like", list, tuple],
        "max_interactions": [Interval(Integral, 0, None, closed="left")],
        "max_interaction_bins": [Interval(Integral, 2, None, closed="left")],
        "smoothing": [Interval(Real, 0, None, closed="left")],
        "ridge": [Interval(Real, 0, None, closed="neither")],
        "max_bins": [Interval(Integral, 2, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "allow_protected": [list, tuple],
        "bands": [RiskBands, None],
        "horizon": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, monotone: Any = "auto",
                 interactions: str | Sequence[tuple[str, str]] = (),
                 max_interactions: int = 2, max_interaction_bins: int = 6,
                 smoothing: float = 100.0, ridge: float = 1.0, max_bins: int = 128,
                 max_iter: int = 1000, allow_protected: Sequence[str] = (),
                 bands: RiskBands | None = None, horizon: int | None = None) -> None:
        self.monotone = monotone
        self.interactions = interactions
        self.max_interactions = max_interactions
        self.max_interaction_bins = max_interaction_bins
        self.smoothing = smoothing
        self.ridge = ridge
        self.max_bins = max_bins
        self.max_iter = max_iter
        self.allow_protected = allow_protected
        self.bands = bands
        self.horizon = horizon

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> AdditiveRiskClassifier:
        """Fit the tables.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Numeric and categorical (Categorical, object or string) columns; NaN allowed.
        y : array-like of shape (n_samples,)
            Binary outcome.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights: a weight of 2 counts as a repeated row, in the quantile cuts too,
            and a weight of 0 as an absent one.

        Returns
        -------
        self
        """
        frame = self._frame(X, reset=True)
        columns = [str(c) for c in frame.columns]
        check_no_protected(columns, self.allow_protected)
        check_consistent_length(frame, y)
        y01 = self._set_classes(y)
        frame, y01, w = positive_weight_rows(frame, y01, self._weights(sample_weight, frame))
        w_arr = np.ones(len(y01)) if w is None else w
        axes, codes, self.monotone_ = fitted_axes(frame, self.monotone, self.max_bins, w)
        main = [term_spec((c,), axes, codes, self.monotone_) for c in columns]
        # Pair tables get their own, coarser axes: a table has a cell per combination of
        # bins, and 128 x 128 cells would be mostly empty, noisy and slow to fit.
        pair_axes = {c: build_axis(frame[c], self.max_interaction_bins, w) for c in columns}
        pair_codes = {c: pair_axes[c].codes(frame) for c in columns}

        def solve(specs: list[TermSpec]) -> tuple[float, list[np.ndarray], int]:
            return fit_tables(specs, y01, w_arr, smoothing=float(self.smoothing),
                              ridge=float(self.ridge), max_iter=int(self.max_iter))

        auto = isinstance(self.interactions, str)  # "auto" (the only string allowed)
        if auto:
            # FAST: rank pairs on what the main effects leave unexplained; the loss's
            # gradient and curvature at the main-effects fit are all the ranking needs
            intercept, tables, n_iter = solve(main)
            eta = intercept + sum(t[s.flat_codes] for t, s in zip(tables, main, strict=True))
            prob = expit(eta)
            pairs = select_pairs(pair_codes, {c: a.n_bins for c, a in pair_axes.items()},
                                 w_arr * (y01 - prob), w_arr * prob * (1.0 - prob),
                                 max_pairs=int(self.max_interactions))
        else:
            pairs, n_iter = named_pairs(self.interactions, columns), 0
        specs = main + [term_spec(p, pair_axes, pair_codes, self.monotone_) for p in pairs]
        names = [" x ".join(group) for group in [(c,) for c in columns] + pairs]
        term_axes = [(axes[c],) for c in columns] + [
            (pair_axes[a], pair_axes[b]) for a, b in pairs]
        if pairs or not auto:  # "auto" choosing no pair keeps the main-effects fit
            intercept, tables, n_iter_joint = solve(specs)
            n_iter += n_iter_joint
        self.n_iter_ = n_iter
        # the intercept takes the tables' shifts: it is then the average log-odds
        terms, intercept = centred_terms(names, term_axes, specs, tables, w_arr, intercept)
        self.form_ = AdditiveForm(intercept=float(intercept), terms=tuple(terms))
        self._record_training(frame, y01, w)
        return self

    @property
    def interactions_(self) -> list[tuple[str, str]]:
        """The pairs given a table, named or chosen by ``interactions="auto"``.

        Read from the fitted tables, so a model loaded from a file answers too.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
        >>> y = (X["a"] * X["b"] + rng.normal(0, 0.5, 200) > 0).astype(int)
        >>> AdditiveRiskClassifier(interactions="auto").fit(X, y).interactions_
        [('a', 'b')]
        """
        form = self.form_
        return [(str(t.features[0]), str(t.features[1])) for t in form.terms
                if len(t.features) == 2]


def fitted_axes(frame: pd.DataFrame, monotone: Any, max_bins: int,
                sample_weight: np.ndarray | None
                ) -> tuple[dict[str, Axis], dict[str, np.ndarray], dict[str, int]]:
    """Every column's axis (quantile cuts by weight), its bin codes, and the monotone
    directions used (``monotone`` resolved; a categorical column has no order, so 0).

    Shared by the additive classifier and the time-to-event model: the same binning, the
    same constraints.
    """
    columns = [str(c) for c in frame.columns]
    directions = resolve_monotone(monotone, columns)
    axes = {c: build_axis(frame[c], max_bins, sample_weight) for c in columns}
    for c, ax in axes.items():
        if isinstance(ax, CategoricalAxis) and directions[c]:
            directions[c] = 0  # no order among categories
    codes = {c: axes[c].codes(frame) for c in columns}
    return axes, codes, directions


def term_spec(group: tuple[str, ...], axes: Mapping[str, Axis],
              codes: Mapping[str, np.ndarray], monotone: Mapping[str, int]) -> TermSpec:
    """The solver's description of one table over the columns of ``group``."""
    return TermSpec(
        shape=tuple(axes[c].n_bins for c in group),
        ordered=tuple(isinstance(axes[c], NumericAxis) for c in group),
        monotone=tuple(monotone[c] for c in group),
        codes=tuple(codes[c] for c in group),
    )


def centred_terms(names: Sequence[str], term_axes: Sequence[tuple[Axis, ...]],
                  specs: Sequence[TermSpec], tables: Sequence[np.ndarray],
                  weights: np.ndarray, intercept: float = 0.0) -> tuple[list[TableTerm], float]:
    """The fitted tables as terms, each centred on its weighted training mean, and
    ``intercept`` plus the shifts, added term by term (a time-to-event model's baseline
    absorbs them instead, and ignores it).

    Centred, a contribution reads "relative to the average person in training". A
    one-axis table's cells no training row reached are then made neutral
    (:func:`_neutral_empty_cells`).
    """
    terms, total = [], intercept
    for name, t_axes, spec, table in zip(names, term_axes, specs, tables, strict=True):
        counts = np.bincount(spec.flat_codes, weights, minlength=table.size)
        counts = counts.reshape(table.shape)
        shift = float(np.sum(counts * table) / counts.sum())
        table = table - shift
        total += shift
        if len(t_axes) == 1:
            _neutral_empty_cells(t_axes[0], table, counts)
        terms.append(TableTerm(name, t_axes, table, counts))
    return terms, total


def named_pairs(interactions: Any, columns: list[str]) -> list[tuple[str, str]]:
    """The pairs named in ``interactions``, checked against the columns."""
    pairs: list[tuple[str, str]] = []
    for pair in interactions:
        p = tuple(str(c) for c in pair)
        if len(p) != 2 or p[0] == p[1]:
            raise FeatureError(f"interactions: an interaction is a pair of distinct "
                               f"columns, got {pair!r}")
        unknown = [c for c in p if c not in columns]
        if unknown:
            raise FeatureError(f"interactions: {pair!r} names unknown columns {unknown}")
        pairs.append((p[0], p[1]))
    return pairs


def _neutral_empty_cells(axis: Axis, table: np.ndarray, counts: np.ndarray) -> None:
    """Set the cells of a one-axis table that no training row reached to 0, where 0 is right.

    A category with no rows has no order to respect and no neighbour to borrow from: 0
    (the average person) is the honest value. The missing bin of a column without
    missing values is never used (such a value is refused). A numeric bin keeps the
    solver's value, which the monotone constraint and the smoothing penalty fix from its
    neighbours: setting it to 0 could put it above or below them and break the
    declared direction.
    """
    empty = counts == 0
    if isinstance(axis, NumericAxis):
        empty[:-1] = False  # keep the regular bins; only the missing bin is neutralised
    table[empty] = 0.0
