"""AdditiveSurvivalModel: an additive proportional-hazards model as lookup tables.

The model uses every case, censored or not. A person's cumulative hazard of a first
proven reoffence by ``t`` days is ``H(t | x) = H0(t) exp(f(x))``, where ``f`` is a sum of
lookup tables exactly like :class:`~riskassess.models.AdditiveRiskClassifier`'s (monotone
where theory says so, smoothed, a missing-value bin, categories, opt-in pairs) and ``H0``
is the Breslow baseline, interpolated linearly between event days (a piecewise-constant
hazard). So ``p(t | x) = 1 - exp(-H0(t) exp(f(x)))`` and::

    cloglog p(t | x) = log(-log(1 - p)) = log H0(t) + f(x)

Every horizon's probability is an ordinary :class:`~riskassess.models.AdditiveForm`
(intercept ``log H0(t)``, the same tables) read through the complementary log-log link
(the model's ``link = "cloglog"``): it is monotone in ``t`` by construction, and its SHAP
values are the same at every horizon (only the base value moves, by ``log H0``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.integers(18, 70, 500).astype(float)})
>>> rate = np.exp(-0.04 * (X["age"] - 35)) / 700          # events per day
>>> onset = rng.exponential(1 / rate)
>>> follow = rng.uniform(200, 1100, 500)                  # days until the extract date
>>> y = pd.DataFrame({"event": onset <= follow, "time": np.minimum(onset, follow)})
>>> model = AdditiveSurvivalModel(max_bins=16).fit(X, y)
>>> p1, p2 = (model.predict_proba(X.head(3), horizon=h)[:, 1] for h in (1, 2))
>>> bool(np.all(p1 < p2))
True
>>> sorted(model.horizon_forms())
[1, 2]
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from riskassess.exceptions import TimeToEventError, ValidationInputError
from riskassess.features import check_no_protected
from riskassess.models._additive import (
    AdditiveRiskClassifier,
    centred_terms,
    fitted_axes,
    named_pairs,
    term_spec,
)
from riskassess.models._bands import RiskBands
from riskassess.models._base import TransparentModel
from riskassess.models._io import register_model_class
from riskassess.models._survival_data import DAYS_PER_YEAR, survival_outcomes
from riskassess.models._survival_fit import breslow, fit_cox_tables
from riskassess.models._terms import AdditiveForm

__all__ = ["AdditiveSurvivalModel"]

#: model -> (the form_ the entries were built from, {years: that horizon's form})
_HORIZON_FORMS: weakref.WeakKeyDictionary[Any, tuple[AdditiveForm, dict[float, AdditiveForm]]] = \
    weakref.WeakKeyDictionary()


@register_model_class
class AdditiveSurvivalModel(TransparentModel):
    """Additive time-to-event model: tables on the log hazard ratio, Breslow baseline.

    Fitted on ``(X, y)`` with ``y`` the follow-up of every case, censored or not. The
    tables (same binning, monotone constraints, smoothing and ``interactions`` as
    :class:`~riskassess.models.AdditiveRiskClassifier`) maximise the penalised Cox
    partial likelihood; the baseline cumulative hazard ``H0`` is Breslow's estimate for
    the fitted tables, interpolated linearly between event days, and is stored with the
    model. Each table is centred on its training mean, so ``H0`` is the cumulative hazard
    of the average person in training.

    **Reading an explanation** (``riskassess.explain.explain(model, X, horizon=t)``). The
    model's score is the log cumulative hazard ``log H0(t) + f(x)`` (``decision_function``
    at the band horizon), on which the exact SHAP values are additive:
    ``base + sum(values) == cloglog(p(t | x))``. The values do not depend on the horizon;
    only the base value moves, by ``log H0(t)`` (:meth:`horizon_shift`). A contribution
    ``phi`` multiplies the person's reoffending rate (hazard), at every point of the
    follow-up, by ``exp(phi)``: ``+0.69`` doubles it, ``-0.69`` halves it.

    Parameters
    ----------
    monotone, interactions, smoothing, ridge, max_bins, max_iter, allow_protected, bands
        As for :class:`~riskassess.models.AdditiveRiskClassifier` (the smoothing and
        ridge weights apply to the summed partial log-likelihood).
    horizon : int, default 2
        The band horizon in years: :meth:`predict_band`, :meth:`decision_function` and
        ``form_`` read the probability of a first proven reoffence within it.

    Attributes
    ----------
    form_ : AdditiveForm
        Intercept ``log H0(horizon)`` and the tables: the band horizon's cloglog.
    baseline_days_, baseline_cumhaz_ : numpy.ndarray
        ``H0`` at its knots (day 0, every event day, the longest follow-up).
    max_follow_up_days_ : float
        Longest follow-up in training: the furthest horizon the model answers for.
    monotone_, n_iter_, training_ranges_, training_info_, classes_
        As for the classifier (``classes_`` is ``[0, 1]``: no event, event).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"priors_count": rng.poisson(2, 400).astype(float)})
    >>> onset = rng.exponential(900 / np.exp(0.3 * X["priors_count"]))
    >>> y = pd.DataFrame({"event": onset < 800, "time": np.minimum(onset, 800)})
    >>> model = AdditiveSurvivalModel().fit(X, y)
    >>> z = model.decision_function(X.head(1))[0]
    >>> bool(np.isclose(1 - np.exp(-np.exp(z)), model.predict_proba(X.head(1))[0, 1]))
    True
    >>> model.predict_proba(X.head(1), horizon=3)
    Traceback (most recent call last):
    ...
    riskassess.exceptions.TimeToEventError: horizon 3 years (1095.8 days) is beyond the longest follow-up in training (800.0 days, 2.19 years); the model has no data to answer for it
    """  # noqa: E501

    link: ClassVar[str] = "cloglog"

    _persisted_attributes: ClassVar[tuple[str, ...]] = (
        *TransparentModel._persisted_attributes, "baseline_days_", "baseline_cumhaz_",
        "max_follow_up_days_")

    _parameter_constraints: ClassVar[dict] = {
        **AdditiveRiskClassifier._parameter_constraints,
        "horizon": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, monotone: Any = "auto", interactions: Sequence[tuple[str, str]] = (),
                 smoothing: float = 100.0, ridge: float = 1.0, max_bins: int = 128,
                 max_iter: int = 1000, allow_protected: Sequence[str] = (),
                 bands: RiskBands | None = None, horizon: int = 2) -> None:
        # scikit-learn's rule: __init__ stores each parameter as given, by its own name (no
        # loop, no shared helper), so get_params, clone and set_params can read them back
        self.monotone = monotone
        self.interactions = interactions
        self.smoothing = smoothing
        self.ridge = ridge
        self.max_bins = max_bins
        self.max_iter = max_iter
        self.allow_protected = allow_protected
        self.bands = bands
        self.horizon = horizon

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> AdditiveSurvivalModel:
        """Fit the tables and the baseline on every case, censored or not.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            As for the classifier; the index labels are the case ids named in errors.
        y : numpy structured array or pandas.DataFrame
            ``event`` (bool: a first proven reoffence was recorded) and ``time`` (days from
            the start of follow-up to the event, or to the end of follow-up when
            censored); or ``start``, ``end`` and ``event_date`` as dates.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights (0 means the row is absent).

        Returns
        -------
        self

        Raises
        ------
        TimeToEventError
            Bad outcomes (named case and field), no event at all, or a ``horizon`` beyond
            the longest follow-up.
        """
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(X))
        frame = self._frame(X, reset=True)
        columns = [str(c) for c in frame.columns]
        check_no_protected(columns, self.allow_protected)
        time, event = survival_outcomes(y, index)
        w = self._weights(sample_weight, frame)
        w_arr = np.ones(len(time)) if w is None else w
        if not np.any(w_arr > 0):
            raise ValidationInputError("sample_weight: every weight is 0")
        keep = w_arr > 0  # a zero weight means "absent": it places no bin and no knot
        frame, time, event, w_arr = frame.loc[keep], time[keep], event[keep], w_arr[keep]
        if not np.any(event > 0):
            raise TimeToEventError("event: no case has an event; a hazard cannot be "
                                   "estimated from censored cases only")
        longest = float(time.max())
        self._check_horizon(float(self.horizon), longest)  # before any fitted attribute
        # quantile cuts unweighted (the zero-weight rows are already gone), pairs on the
        # main axes: the classifier's binning otherwise, and its constraints
        axes, codes, self.monotone_ = fitted_axes(frame, self.monotone, self.max_bins, None)
        groups = [(c,) for c in columns] + named_pairs(self.interactions, columns)
        specs = [term_spec(g, axes, codes, self.monotone_) for g in groups]
        tables, self.n_iter_ = fit_cox_tables(specs, time, event, w_arr,
                                              smoothing=float(self.smoothing),
                                              ridge=float(self.ridge),
                                              max_iter=int(self.max_iter))
        # centred on the training mean: H0 is then the average person's hazard (Breslow's
        # estimate below absorbs the shifts) and a contribution reads "relative to the
        # average person in training"
        terms, _ = centred_terms([" x ".join(g) for g in groups],
                                 [tuple(axes[c] for c in g) for g in groups], specs, tables,
                                 w_arr)
        f = np.zeros(len(time))
        for term, spec in zip(terms, specs, strict=True):
            f += term.table.ravel()[spec.flat_codes]
        self.max_follow_up_days_ = longest
        days, cumhaz = breslow(time, event, w_arr, f)
        # knots: 0 at day 0, Breslow's H0 at each event day, flat to the longest follow-up
        self.baseline_days_ = np.concatenate([[0.0], days, [self.max_follow_up_days_]])
        self.baseline_cumhaz_ = np.concatenate([[0.0], cumhaz, [cumhaz[-1]]])
        self.classes_ = np.array([0, 1])
        self.form_ = AdditiveForm(intercept=self._log_h0(float(self.horizon)),
                                  terms=tuple(terms))
        self._record_training(frame, event, w_arr if w is not None else None)
        self.training_info_["max_follow_up_days"] = self.max_follow_up_days_
        return self

    # -- the baseline ---------------------------------------------------------------
    def _check_horizon(self, years: float, longest: float | None = None) -> float:
        longest = self.max_follow_up_days_ if longest is None else longest
        days = years * DAYS_PER_YEAR
        if not np.isfinite(years) or years <= 0:
            raise TimeToEventError(f"horizon must be a positive number of years, got {years!r}")
        if days > longest + 1e-9:
            shown = int(years) if float(years).is_integer() else years
            raise TimeToEventError(
                f"horizon {shown} years ({days:.1f} days) is beyond the longest follow-up "
                f"in training ({longest:.1f} days, {longest / DAYS_PER_YEAR:.2f} years); the "
                "model has no data to answer for it")
        return days

    def _log_h0(self, years: float) -> float:
        """``log H0`` of the average person at ``years`` (refused beyond the follow-up)."""
        days = self._check_horizon(years)
        h0 = float(np.interp(days, np.asarray(self.baseline_days_),
                             np.asarray(self.baseline_cumhaz_)))
        return float(np.log(h0))

    def baseline_cumulative_hazard(self, years: Any) -> np.ndarray:
        """``H0(t)``: the average training person's cumulative hazard at ``years``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> X = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0]})
        >>> y = pd.DataFrame({"event": [True, True, False, True],
        ...                   "time": [100.0, 400.0, 800.0, 700.0]})
        >>> h = AdditiveSurvivalModel().fit(X, y).baseline_cumulative_hazard([1, 2])
        >>> bool(h[0] < h[1])
        True
        """
        check_is_fitted(self, "form_")
        years_arr = np.atleast_1d(np.asarray(years, dtype=np.float64))
        return np.exp([self._log_h0(float(t)) for t in years_arr])

    def _form_at(self, years: float) -> AdditiveForm:
        check_is_fitted(self, "form_")
        if float(years) == float(self.horizon):
            return self.form_  # the same object: the plan compiles it once
        # kept outside the instance (predicting must not change the estimator's __dict__);
        # the same form object for the same horizon lets the compiled plan reuse it
        cache = _HORIZON_FORMS.get(self)
        if cache is None or cache[0] is not self.form_:
            cache = (self.form_, {})
            _HORIZON_FORMS[self] = cache
        if years not in cache[1]:
            cache[1][years] = AdditiveForm(intercept=self._log_h0(float(years)),
                                           terms=self.form_.terms)
        form: AdditiveForm = cache[1][years]
        return form

    # -- the instrument protocol ----------------------------------------------------
    def horizon_forms(self) -> dict[int, AdditiveForm]:
        """The cloglog form of each whole-year horizon up to the follow-up (1 and 2 where
        the training follow-up reaches them, and the band horizon), years -> form."""
        check_is_fitted(self, "form_")
        reach = int(self.max_follow_up_days_ // DAYS_PER_YEAR)
        years = sorted({h for h in (1, 2) if h <= reach} | {int(self.horizon)})
        return {h: self._form_at(h) for h in years}

    def band_form(self) -> AdditiveForm:
        """The band horizon's form (``form_``)."""
        return self.form_

    # -- prediction -----------------------------------------------------------------
    def horizon_shift(self, years: Any) -> float:
        """``log H0(years) - log H0(band horizon)``: what moves the score (and the base
        value of an explanation) from the band horizon to ``years``; any horizon up to
        the longest follow-up. ``None``: 0."""
        horizon = years
        if horizon is None:
            return 0.0
        check_is_fitted(self, "form_")
        if isinstance(horizon, bool) or not isinstance(horizon, Real):
            raise TimeToEventError(f"horizon must be a number of years, got {horizon!r}")
        return self._form_at(float(horizon)).intercept - self.form_.intercept

    def predict_cloglog(self, X: Any, horizon: float | None = None) -> np.ndarray:
        """``log H(t | x) = log H0(t) + f(x)``: the log cumulative hazard at ``horizon``
        years (the band horizon by default); SHAP values add up to it exactly."""
        return self.decision_function(X) + self.horizon_shift(horizon)

    def predict_proba(self, X: Any, horizon: float | None = None) -> np.ndarray:
        """Probability of no event / a first proven reoffence within ``horizon`` years.

        Parameters
        ----------
        X : pandas.DataFrame
            The fitted columns.
        horizon : float, optional
            Years (any positive value up to the longest follow-up seen in training);
            ``None``: the model's ``horizon``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, 2)
            Column 1 is ``P(event within horizon)``; non-decreasing in ``horizon``.

        Raises
        ------
        TimeToEventError
            A horizon beyond the longest follow-up in training.
        """
        p = -np.expm1(-np.exp(self.predict_cloglog(X, horizon)))
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X: Any, horizon: float | None = None) -> np.ndarray:
        """Log of :meth:`predict_proba` (computed without cancellation)."""
        h = np.exp(self.predict_cloglog(X, horizon))
        return np.column_stack([-h, np.log(-np.expm1(-h))])

    def predict(self, X: Any, horizon: float | None = None) -> np.ndarray:
        """1 where the probability within ``horizon`` years is above one half."""
        # p > 1/2  <=>  H > log 2  <=>  cloglog > log(log 2)
        above = self.predict_cloglog(X, horizon) > np.log(np.log(2.0))  # refuses if unfitted
        return self.classes_[above.astype(int)]

    def predict_band(self, X: Any, horizon: float | None = None) -> np.ndarray:
        """Risk band of every row from its probability within ``horizon`` years (the
        model's ``horizon`` by default)."""
        if horizon is None:
            return super().predict_band(X)
        return self._bands().assign(self.predict_proba(X, horizon)[:, 1])

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Harrell's concordance index of the risk score on time-to-event outcomes ``y``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> X = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0]})
        >>> y = pd.DataFrame({"event": [True, True, False, True],
        ...                   "time": [100.0, 400.0, 800.0, 700.0]})
        >>> 0.0 <= AdditiveSurvivalModel().fit(X, y).score(X, y) <= 1.0
        True
        """
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(X))
        time, event = survival_outcomes(y, index)
        risk = self.decision_function(X)
        w = np.ones(len(time)) if sample_weight is None else np.asarray(sample_weight, float)
        num = den = 0.0
        for i in np.flatnonzero(event > 0):
            later = time > time[i]  # comparable: i's event came first
            pair_w = w[i] * w[later]
            concordant = (risk[later] < risk[i]) + 0.5 * (risk[later] == risk[i])
            num += float(np.sum(pair_w * concordant))
            den += float(np.sum(pair_w))
        return num / den if den > 0 else float("nan")

    # -- persistence ----------------------------------------------------------------
    def _restore_fitted_state(self, form: AdditiveForm, fitted: Mapping[str, Any]) -> None:
        super()._restore_fitted_state(form, fitted)
        self.baseline_days_ = np.asarray(self.baseline_days_, dtype=np.float64)
        self.baseline_cumhaz_ = np.asarray(self.baseline_cumhaz_, dtype=np.float64)
        self.max_follow_up_days_ = float(self.max_follow_up_days_)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.one_d_labels = False
        tags.target_tags.two_d_labels = False
        return tags
