"""Shared behaviour of the transparent models: input checks, prediction through ``form_``.

Every model derives from :class:`TransparentModel` and implements ``_fit_form``. Whatever
the model, ``decision_function`` is ``form_.decision_function`` on the checked frame, so a
model rebuilt from its saved tables predicts bit-identically.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from riskassess.exceptions import FeatureError, FormError, ValidationInputError
from riskassess.models._bands import RiskBands
from riskassess.models._inputs import input_names
from riskassess.models._links import inverse_link
from riskassess.models._plan import SMALL_FRAME, frame_rows, plan_of
from riskassess.models._rows import row_sketch
from riskassess.models._terms import AdditiveForm

__all__ = ["TransparentModel", "is_categorical", "prepare_labels"]


def is_categorical(col: pd.Series) -> bool:
    """Whether a column is treated as categorical (Categorical, object or string dtype)."""
    return isinstance(col.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)
    )


def prepare_labels(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check binary labels; returns ``(classes, y01)``.

    Raises a :class:`~riskassess.exceptions.ValidationInputError` (a ``ValueError``)
    naming the problem for missing or infinite labels, a single class, or more than two
    classes.

    Examples
    --------
    >>> classes, y01 = prepare_labels(["no", "yes", "yes"])
    >>> classes.tolist(), y01.tolist()
    (['no', 'yes'], [0.0, 1.0, 1.0])
    """
    if y is None:
        raise ValidationInputError("this estimator requires y to be passed, but the target y "
                                   "is None")
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = column_or_1d(y_arr, warn=True)
    if y_arr.ndim != 1:
        raise ValidationInputError(f"y must be one-dimensional, got shape {y_arr.shape}")
    bad = np.array(pd.isna(pd.Series(y_arr, dtype=object)), dtype=bool)
    if y_arr.dtype.kind == "f":
        bad |= ~np.isfinite(y_arr)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise ValidationInputError(f"labels y contain missing or infinite values (rows {rows}); "
                         "expected 0/1 outcomes for every row")
    check_classification_targets(y_arr)
    classes, y_enc = np.unique(y_arr, return_inverse=True)
    if len(classes) < 2:
        raise ValidationInputError(f"labels y have only one class {classes.tolist()}; a risk model "
                         "needs both outcomes (reoffended and not)")
    if len(classes) > 2 or type_of_target(y_arr) not in ("binary",):
        raise ValidationInputError("Only binary classification is supported: labels y must "
                                   "have two "
                         f"classes; got {len(classes)} classes "
                         f"{classes[:5].tolist()}")
    return classes, y_enc.astype(np.float64)


def _all_finite(values: np.ndarray) -> bool:
    """True when no value is NaN or infinite; one reduction, no mask of the column.

    A finite sum proves it (a NaN or an infinity makes the sum NaN or infinite); a sum
    that overflows is not finite either, and the caller then looks value by value.
    """
    return bool(np.isfinite(np.add.reduce(values, axis=None)))


class TransparentModel(ClassifierMixin, BaseEstimator):
    """Base of every transparent model and instrument: checks inputs, stores training
    metadata, predicts through ``form_`` read by the compiled plan, and defines the
    instrument protocol (horizons, band form, explained features, case frames,
    persistence) that instruments override.

    Examples
    --------
    >>> from riskassess.instruments import OGRS3
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> issubclass(AdditiveRiskClassifier, TransparentModel), isinstance(OGRS3(), TransparentModel)
    (True, True)
    >>> sorted(OGRS3().horizon_forms())
    [1, 2]
    """

    form_: AdditiveForm
    classes_: np.ndarray

    #: How the additive score becomes a probability (:func:`riskassess.models._links.
    #: inverse_link`): ``"logit"`` (log-odds) here, ``"cloglog"`` (log cumulative
    #: hazard) for the time-to-event model. Every route reads it; none special-cases a model.
    link: ClassVar[str] = "logit"

    #: Bounds (column -> (low, high)) that a subclass with its own ``_checked`` declares so
    #: that one case can still take the plan's scalar route; ``None``: it cannot.
    _row_bounds: ClassVar[dict[str, tuple[float, float]] | None] = None

    #: Fitted attributes a model file stores besides the form (subclasses add theirs).
    _persisted_attributes: ClassVar[tuple[str, ...]] = (
        "training_ranges_", "training_info_", "missing_allowed_", "monotone_")

    # -- tags -----------------------------------------------------------------
    # -- persistence (the instrument protocol's part; riskassess.models._io calls these) --
    def _fitted_state(self) -> dict[str, Any]:
        """Fitted attributes a model file stores, besides ``form_`` (JSON-ready values)."""
        names = getattr(self, "feature_names_in_", None)
        state: dict[str, Any] = {
            "classes_": np.asarray(self.classes_).tolist(),
            "feature_names_in_": None if names is None else [str(c) for c in names],
            "n_features_in_": int(self.n_features_in_),
        }
        for attr in self._persisted_attributes:
            if hasattr(self, attr):
                state[attr] = getattr(self, attr)
        return state

    def _restore_fitted_state(self, form: AdditiveForm, fitted: Mapping[str, Any]) -> None:
        """Inverse of :meth:`_fitted_state` on a fresh instance (instruments also check
        that ``form`` is their published one)."""
        self.form_ = form
        self.classes_ = np.asarray(fitted["classes_"])
        if fitted.get("feature_names_in_") is not None:
            self.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        self.n_features_in_ = int(fitted["n_features_in_"])
        for attr in self._persisted_attributes:
            if attr in fitted:
                setattr(self, attr, fitted[attr])

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.classifier_tags.multi_class = False
        return tags

    # -- input frames ---------------------------------------------------------
    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        """Check ``X`` and return it as a frame with the fitted columns in order."""
        if isinstance(X, pd.DataFrame) and not all(isinstance(c, str) for c in X.columns):
            X = X.to_numpy()  # no usable names: treated as an array (columns x0, x1, ...)
        named = getattr(self, "feature_names_in_", None)
        if not reset and named is not None and not isinstance(X, pd.DataFrame):
            raise FeatureError(
                f"{type(self).__name__} was fitted on a DataFrame with columns "
                f"{[str(c) for c in named]}; got {type(X).__name__} without column names: "
                "pass a DataFrame with those columns"
            )
        if not reset and named is None and isinstance(X, pd.DataFrame) and \
                hasattr(self, "n_features_in_"):
            # fitted on an array: columns are positional (scikit-learn warns about names)
            validate_data(self, X, skip_check_array=True, reset=False)
            X = X.to_numpy()
        if isinstance(X, pd.DataFrame):
            if not reset and hasattr(self, "feature_names_in_"):
                expected = [str(c) for c in self.feature_names_in_]
                got = [str(c) for c in X.columns]
                missing = [c for c in expected if c not in got]
                extra = [c for c in got if c not in expected]
                if missing or extra:
                    raise FeatureError(
                        f"{type(self).__name__} was fitted on columns {expected}; "
                        f"missing columns {missing}, unexpected columns {extra}"
                    )
                if got != expected:  # reorder; in order already, no copy of the data
                    X = X[list(self.feature_names_in_)]
            if X.columns.duplicated().any():
                dup = list(X.columns[X.columns.duplicated()])
                raise FeatureError(f"duplicated column names {dup}")
            validate_data(self, X, skip_check_array=True, reset=reset)
            if len(X) == 0:
                raise FeatureError(f"Found array with 0 sample(s) (shape={X.shape}) while a "
                                 "minimum of 1 is required.")
            if X.shape[1] == 0:
                raise FeatureError(f"0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                                 "required.")
            frame = X
        else:
            arr = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan",
                              ensure_min_samples=1)
            validate_data(self, arr, reset=reset, dtype=np.float64,
                          ensure_all_finite="allow-nan")
            frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
        for name in frame.columns:
            col = frame[name]
            if not is_categorical(col):
                values = np.asarray(col, dtype=np.float64)
                if not _all_finite(values) and np.isinf(values).any():
                    rows = np.flatnonzero(np.isinf(values))[:5].tolist()
                    raise FeatureError(f"column {name!r} has infinite values (rows {rows})")
        return frame

    def _check_missing(self, frame: pd.DataFrame) -> None:
        """Refuse missing values in a column that had none in training."""
        for name, ok in self.missing_allowed_.items():
            if ok:
                continue
            col = frame[name]
            if isinstance(col.dtype, np.dtype) and col.dtype.kind == "f" and \
                    _all_finite(col.to_numpy()):
                continue
            miss = np.asarray(col.isna())
            if miss.any():
                rows = frame.index[miss][:5].tolist()
                raise FeatureError(
                    f"column {name!r} has missing values (rows {rows}) but had none when "
                    f"{type(self).__name__} was fitted, so the model has no estimate for them"
                )

    # -- training metadata ----------------------------------------------------
    def _record_training(self, frame: pd.DataFrame, y01: np.ndarray,
                         sample_weight: np.ndarray | None) -> None:
        w = np.ones(len(y01)) if sample_weight is None else sample_weight
        ranges: dict[str, dict[str, Any]] = {}
        for name in frame.columns:
            col = frame[name]
            n_missing = int(col.isna().sum())
            if is_categorical(col):
                counts = col.astype(object).where(col.notna(), None).dropna().map(str)
                ranges[str(name)] = {"kind": "categorical", "n_missing": n_missing,
                                     "categories": sorted(set(counts))}
            else:
                v = np.asarray(col, dtype=np.float64)
                fin = v[~np.isnan(v)]
                ranges[str(name)] = {
                    "kind": "numeric", "n_missing": n_missing,
                    "min": float(fin.min()) if fin.size else None,
                    "max": float(fin.max()) if fin.size else None,
                }
        self.training_ranges_ = ranges
        self.missing_allowed_ = {k: v["n_missing"] > 0 for k, v in ranges.items()}
        # a sketch of the training rows, so that validate() can notice in-sample use
        self.training_rows_ = row_sketch(frame)
        self.training_info_ = {
            "n_rows": len(y01),
            "base_rate": float(np.average(y01, weights=w)),
            "fitted_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }

    def _set_classes(self, y: Any) -> np.ndarray:
        classes, y01 = prepare_labels(y)
        self.classes_ = classes
        return y01

    @staticmethod
    def _weights(sample_weight: Any, frame: pd.DataFrame) -> np.ndarray | None:
        if sample_weight is None:
            return None
        w = _check_sample_weight(sample_weight, np.empty((len(frame), 0)), dtype=np.float64,
                                 ensure_non_negative=True)
        return np.asarray(w, dtype=np.float64)

    # -- the instrument protocol ---------------------------------------------------
    # A published instrument is an ordinary TransparentModel that overrides some of these;
    # nothing outside its own module treats it specially (riskassess.models._plan, the
    # explanations and riskassess.decisions read only these hooks).

    def horizon_forms(self) -> dict[int, AdditiveForm]:
        """The forms giving each horizon's log-odds (years -> form); ``{}`` if unknown.

        A fitted model gives its own horizon (``horizon`` parameter) through ``form_``;
        an instrument with several published horizons returns one form per horizon.
        """
        horizon = getattr(self, "horizon", None)
        if isinstance(horizon, int) and not isinstance(horizon, bool):
            return {horizon: self.form_}
        return {}

    def horizon_shift(self, years: float) -> float:
        """How far every row's score moves from ``decision_function`` to the score at
        ``years`` (the same for every row): 0 at the model's own horizon. Explanations at
        another horizon add it to their base value; a model whose horizons do not share
        its tables refuses (:class:`~riskassess.exceptions.FormError`).

        Examples
        --------
        >>> from riskassess.models import AdditiveRiskClassifier
        >>> import pandas as pd
        >>> X, y = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0]}), [1, 0, 1, 0]
        >>> AdditiveRiskClassifier(horizon=2).fit(X, y).horizon_shift(2)
        0.0
        """
        form = self.horizon_forms().get(int(years)) if float(years).is_integer() else None
        if form is None or form.terms is not self.form_.terms:
            raise FormError(f"{type(self).__name__} has no {float(years):g}-year score that "
                            "shares its tables; explain it at its own horizon")
        return float(form.intercept - self.form_.intercept)

    def band_form(self) -> AdditiveForm:
        """The form whose probability :meth:`predict_band` bands (``form_`` by default;
        OGRS3 always bands its 2-year probability)."""
        return self.form_

    def _form_columns(self) -> Any:
        """Columns of the frame ``form_`` reads, in the order a scalar row gives them
        (``None``: the form's own features). The fitted input columns, unless an instrument
        derives its form frame from other inputs (its term columns are then the form's)."""
        return getattr(self, "feature_names_in_", None)

    @property
    def explained_features_(self) -> list[str]:
        """Columns of an explanation: the model's inputs (an instrument whose terms are
        functions of several inputs explains term by term instead)."""
        names = input_names(self)
        return names if names is not None else list(self.form_.features)  # unfitted: raises

    def case_frame(self, cases: Any) -> pd.DataFrame:
        """The input frame of validated case records (one row per case, indexed by case
        id): :func:`riskassess.features.build_features` unless an instrument reads other
        inputs (e.g. whole-year ages, offence codes, need items)."""
        from riskassess.features import build_features

        return build_features(cases)

    @classmethod
    def _scalar_rules(cls) -> Mapping[str, tuple[float, float]] | None:
        """Bounds the plan's scalar route checks, or ``None`` when the class has input
        checks it cannot express: it derives its own frame (``_form_frame``), or it
        overrides ``_checked`` without declaring ``_row_bounds``."""
        if cls._form_frame is not TransparentModel._form_frame:
            return None
        if cls._checked is TransparentModel._checked:
            return {}
        return cls._row_bounds

    def _background_preparer(self) -> Callable[[pd.DataFrame], pd.DataFrame] | None:
        """How a background's input columns become the frame the form reads: only a model
        that derives its own frame (an instrument's terms) needs one; others read the
        background's columns directly (it may hold more columns than the model reads)."""
        if type(self)._form_frame is TransparentModel._form_frame:
            return None
        return self._form_frame

    def _form_frame(self, X: Any) -> pd.DataFrame:
        """The checked frame ``form_`` reads (instruments may derive their term inputs)."""
        return self._checked(X)

    # -- prediction -----------------------------------------------------------
    def _checked(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "form_")
        frame = self._frame(X, reset=False)
        self._check_missing(frame)
        return frame

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds of the positive class: ``form_`` read through the compiled plan.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            The fitted columns (any order; missing or extra columns raise
            :class:`~riskassess.exceptions.FeatureError`).

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
        """
        return self._scores(X, band=False)

    def _scores(self, X: Any, *, band: bool) -> np.ndarray:
        """Log-odds under ``form_`` (or the band form): a few rows of plain cells take the
        plan's scalar route, anything else (and anything unusual) the vectorised one."""
        plan = plan_of(self)  # refuses an unfitted model
        form = plan.band if band else plan.main
        if type(X) is pd.DataFrame and 0 < len(X) <= SMALL_FRAME and plan.scalar and \
                X.columns.tolist() == list(plan.columns):
            out = np.empty(len(X), dtype=np.float64)
            for i, cells in enumerate(frame_rows(X)):
                read = plan.read_row(cells)
                z = None if read is None else plan.row_score(form, read[1], read[0])
                if z is None:
                    break
                out[i] = z
            else:
                return out
        frame = self._form_frame(X)
        return plan.scores(form, plan.frame_codes(frame), frame)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class, shape ``(n_samples, 2)``; column 1 is ``classes_[1]``."""
        p = inverse_link(self.link)(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`."""
        d = self.decision_function(X)
        return np.column_stack([-np.logaddexp(0.0, d), -np.logaddexp(0.0, -d)])

    def predict(self, X: Any) -> np.ndarray:
        """Class with probability above one half."""
        d = self.decision_function(X)
        return self.classes_[(d > 0).astype(int)]

    def predict_band(self, X: Any) -> np.ndarray:
        """Risk band of every row (``bands`` parameter; OGRS3's cut-points by default),
        read from the probability of :meth:`band_form`.

        Returns
        -------
        numpy.ndarray of str
        """
        return self._bands().assign(inverse_link(self.link)(self._scores(X, band=True)))

    def _bands(self) -> RiskBands:
        bands = getattr(self, "bands", None)
        if bands is None:
            return RiskBands()
        if isinstance(bands, RiskBands):
            return bands
        if isinstance(bands, Mapping):
            return RiskBands(**bands)
        raise FormError(f"bands must be a RiskBands or None, got {type(bands).__name__}")

    # -- notebook display (riskassess.models._display draws it) ----------------
    def _repr_html_(self) -> str:
        from riskassess.models._display import model_html

        return model_html(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        # scikit-learn's own bundle (its estimator diagram) would win over _repr_html_
        # in Jupyter; a fitted model is its tables, so show those instead
        return {"text/plain": repr(self), "text/html": self._repr_html_()}

    def to_frame(self) -> pd.DataFrame:
        """Every table entry (``form_.to_frame()``) plus the training count of each cell.

        Returns
        -------
        pandas.DataFrame
            Columns term, feature, bin, contribution, n_train (``NaN`` where unknown).
        """
        check_is_fitted(self, "form_")
        frame = self.form_.to_frame()
        counts: list[float] = [np.nan]
        for t in self.form_.terms:
            c = getattr(t, "counts", None)
            if c is None:
                counts.append(np.nan)
            else:
                counts.extend(np.asarray(c, dtype=float).ravel().tolist())
        frame["n_train"] = counts
        return frame

    def out_of_range(self, X: pd.DataFrame) -> pd.DataFrame:
        """Count values outside the training range (numeric) per column.

        Returns
        -------
        pandas.DataFrame
            One row per numeric column: training min and max, rows below, rows above.
        """
        check_is_fitted(self, "training_ranges_")
        rows = []
        for name, r in self.training_ranges_.items():
            if r["kind"] != "numeric" or r["min"] is None or name not in X.columns:
                continue
            v = np.asarray(pd.to_numeric(X[name]), dtype=np.float64)
            rows.append({"feature": name, "train_min": r["min"], "train_max": r["max"],
                         "n_below": int(np.sum(v < r["min"])),
                         "n_above": int(np.sum(v > r["max"]))})
        return pd.DataFrame(rows, columns=["feature", "train_min", "train_max", "n_below",
                                           "n_above"])
