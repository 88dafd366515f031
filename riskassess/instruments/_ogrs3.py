"""OGRS3, the published static instrument (Howard, Francis, Soothill & Humphreys, 2009).

The published logistic model (domain.md section 3) written as an :class:`AdditiveForm`::

    z_t = A_t + 1.251124464 * copas_rate_at_index + sanction_history + age_gender(age, sex)
          + offence(index_offence)

Reading of the formula, point by point (HMPPS's service, which computed OGRS3 until June
2026, differs on some; each choice here follows the published paper, for the reason given):

* **Copas rate at the index conviction** (``copas_rate_at_index``): the career is
  measured to the current conviction, as the paper and the service both do, not to the
  assessment (``copas_rate``, which our own models may use). When the conviction came
  years before the assessment the two differ.
* **Ages** are exact (days / 365.25); the service used completed years. The age bands cut
  at whole years, so the two agree except within a day of a birthday.
* **Sanction history has five levels** (first, second, three or more cautions; first
  conviction; repeat): the paper's model was estimated with them. The service kept only
  two (first sanction 0.12614, repeat 0.46306), which prices caution-only histories as
  convictions.
* **Probabilities are not rounded**, and bands are read from the exact 2-year probability
  (a cut-point belongs to the band above). The service rounded to 5 decimals, then to an
  integer percent, and banded that, so at a cut-point it can differ by half a
  percentage point.
* **Females aged 10-15 have the published negative coefficients** (-0.785038489,
  -0.613852078, -0.669521331); the service had them positive, a sign discrepancy the
  published table does not support.
* **Coefficients at full published precision** (the service cut them to ~5 significant
  figures, e.g. -1.326 for -1.325976554).

Examples
--------
>>> import pandas as pd
>>> X = pd.DataFrame({"copas_rate_at_index": [0.0], "sanction_history": ["first_conviction"],
...                   "age_at_follow_up": [30.0], "sex": ["male"],
...                   "index_offence": ["violence"]})
>>> model = OGRS3(horizon=2)
>>> float(model.decision_function(X)[0])  # 2.121705678 + 0.126142106 - 1.325976554
0.92187123
>>> model.predict_band(X).tolist()  # p = 0.715
['medium']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_consistent_length

from riskassess.exceptions import FeatureError, ModelFileError
from riskassess.models import (
    AdditiveForm,
    CategoricalAxis,
    LinearTerm,
    NumericAxis,
    RiskBands,
    TableTerm,
    TransparentModel,
    column_as_float,
    prepare_labels,
    register_model_class,
)
from riskassess.vocabulary import OffenceCategory

__all__ = ["OGRS3", "ogrs3_form"]

_INTERCEPT = {1: 1.402562384, 2: 2.121705678}
_COPAS = 1.251124464
_SANCTION = {
    "first_caution": 0.0,
    "second_caution": 0.083100501,
    "multiple_cautions": 0.34859587,
    "first_conviction": 0.126142106,
    "repeat_offender": 0.463062792,
}
# age bands 10-11, 12-13, 14-15, 16-17, 18-20, 21-24, 25-29, 30-34, 35-39, 40-49, 50+
_AGE_CUTS = (12.0, 14.0, 16.0, 18.0, 21.0, 25.0, 30.0, 35.0, 40.0, 50.0)
_AGE_SEX = {
    "male": (0.0, 0.083922902, 0.075775765, -0.061594199, -0.625103618, -1.051515067,
             -1.166679288, -1.325976554, -1.368045933, -1.499690953, -2.025261458),
    "female": (-0.785038489, -0.613852078, -0.669521331, -0.959179629, -0.897480934,
               -1.028488454, -1.052777806, -1.129127959, -1.42187494, -1.524652221,
               -2.44983716),
}
_OFFENCE = {
    "violence": 0.0, "robbery": -0.634795912, "public_order": 0.181917975,
    "sexual_not_child": 0.003276327, "sexual_child": -0.653434071,
    "soliciting": 0.760608858, "burglary_domestic": -0.12394352,
    "burglary_other": 0.240604429, "theft_non_motor": 0.661244321,
    "handling_stolen_goods": 0.351866973, "fraud_forgery": 0.159910192,
    "absconding_bail": 0.733378677, "taking_driving_away": 0.380059431,
    "theft_from_vehicles": 0.427225615, "other_motoring": 0.262228428,
    "drink_driving": -0.121439408, "criminal_damage": 0.204960477,
    "drug_import_export_production": -0.795556373, "drug_possession_supply": 0.077165871,
    "other": -0.060667525,
}

#: Columns of :func:`riskassess.features.build_features` that OGRS3 reads.
OGRS3_COLUMNS: tuple[str, ...] = (
    "copas_rate_at_index", "sanction_history", "age_at_follow_up", "sex", "index_offence",
)


def ogrs3_form(horizon: int = 2) -> AdditiveForm:
    """OGRS3 as lookup tables (the missing bins hold 0 but missing inputs are refused).

    Parameters
    ----------
    horizon : {1, 2}
        Follow-up years.

    Returns
    -------
    AdditiveForm
        Intercept ``A_t`` plus the terms copas_rate (linear), sanction_history,
        age_at_follow_up x sex and index_offence.

    Examples
    --------
    >>> form = ogrs3_form(2)
    >>> form.intercept, form.term_names
    (2.121705678, ['copas_rate', 'sanction_history', 'age_at_follow_up x sex', 'index_offence'])
    >>> ogrs3_form(1).intercept
    1.402562384
    """
    return _published_form(horizon, None)


@lru_cache(maxsize=32)
def _published_form(horizon: int, background: _Background | None) -> AdditiveForm:
    """OGRS3's form for ``horizon``; with a background, its tables carry the background's
    cell counts and the Copas term its mean (what explanations are measured against).
    Cached, so a model's forms keep their identity (the compiled plan is keyed on it)."""
    form = _form(horizon)
    if background is None:
        return form
    counts = dict(background.counts)
    terms = tuple(
        TableTerm(t.name, t.axes, t.table, np.asarray(counts[t.name]).reshape(t.table.shape))
        if isinstance(t, TableTerm) else LinearTerm(t.name, t.feature, t.coef, background.mean)
        for t in form.terms)
    return AdditiveForm(form.intercept, terms)


def _form(horizon: int) -> AdditiveForm:
    if horizon not in _INTERCEPT:
        raise FeatureError(f"horizon must be 1 or 2 (years), got {horizon!r}")
    offences = tuple(o.value for o in OffenceCategory)
    sanction_axis = CategoricalAxis("sanction_history", tuple(_SANCTION))
    age_axis = NumericAxis("age_at_follow_up", _AGE_CUTS, closed="left")
    sex_axis = CategoricalAxis("sex", ("male", "female"))
    offence_axis = CategoricalAxis("index_offence", offences)
    age_sex = np.zeros((age_axis.n_bins, sex_axis.n_bins))
    age_sex[:-1, 0] = _AGE_SEX["male"]
    age_sex[:-1, 1] = _AGE_SEX["female"]
    return AdditiveForm(
        intercept=_INTERCEPT[horizon],
        terms=(
            LinearTerm("copas_rate", "copas_rate_at_index", _COPAS),
            TableTerm("sanction_history", (sanction_axis,),
                      np.array([*_SANCTION.values(), 0.0])),
            TableTerm("age_at_follow_up x sex", (age_axis, sex_axis), age_sex),
            TableTerm("index_offence", (offence_axis,),
                      np.array([*(_OFFENCE[o] for o in offences), 0.0])),
        ),
    )


@dataclass(frozen=True)
class _Background:
    """Cell counts of every table term and the Copas mean over the frame OGRS3 was fitted
    on: the reference population its explanations are measured against (hashable, so
    forms built from it can be cached)."""

    counts: tuple[tuple[str, tuple[float, ...]], ...]
    mean: float

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Background:
        form = _form(2)
        counts = []
        for t in form.terms:
            if isinstance(t, TableTerm):
                flat = np.ravel_multi_index(t.codes(frame), t.table.shape)
                cells = np.bincount(flat, minlength=t.table.size).astype(float)
                counts.append((t.name, tuple(cells.tolist())))
        return cls(tuple(counts), float(column_as_float(frame, "copas_rate_at_index").mean()))

    def to_dict(self) -> dict[str, Any]:
        return {"counts": {k: list(v) for k, v in self.counts}, "mean": self.mean}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _Background:
        return cls(tuple((str(k), tuple(float(x) for x in v)) for k, v in d["counts"].items()),
                   float(d["mean"]))


class _PublishedForm:
    """``OGRS3.form_``: the published form for the model's horizon and background.

    A non-data descriptor computed from the parameters, so ``set_params(horizon=1)`` is
    always reflected and an unfitted OGRS3 predicts."""

    def __get__(self, model: OGRS3 | None, owner: type) -> Any:
        if model is None:
            return self
        return _published_form(model.horizon, model.__dict__.get("background_"))


@register_model_class
class OGRS3(TransparentModel):
    """The Offender Group Reconviction Scale v3: the published coefficients, no fitting.

    Reads the columns :data:`OGRS3_COLUMNS` of a :func:`riskassess.features.build_features`
    frame (other columns are ignored). ``fit`` only checks the columns (and labels, if
    given), so the model works in Pipelines and with the scikit-learn API; it can
    predict without being fitted.

    Parameters
    ----------
    horizon : {1, 2}, default 2
        Proven reoffending within 1 or 2 years.
    bands : RiskBands or None, default None
        Bands for :meth:`predict_band`, always applied to the **2-year** probability as
        the instrument prescribes (None: low < 50%, medium, high >= 75%, very high >= 90%).

    Notes
    -----
    Missing inputs, an age below 10, a category outside the vocabularies or a
    non-finite Copas rate raise :class:`~riskassess.exceptions.FeatureError` naming
    the column and the rows (the frame's index, the case ids for ``build_features``).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"copas_rate_at_index": [0.0, 1.2], "sanction_history": ["first_caution",
    ...                   "repeat_offender"], "age_at_follow_up": [45.0, 19.0],
    ...                   "sex": ["female", "male"], "index_offence": ["fraud_forgery",
    ...                   "theft_non_motor"]}, index=["C-1", "C-2"])
    >>> model = OGRS3()
    >>> model.decision_function(X).round(4).tolist()  # C-1: 2.1217 - 1.5247 + 0.1599
    [0.757, 4.1223]
    >>> model.predict_proba(X)[:, 1].round(3).tolist()
    [0.681, 0.984]
    >>> model.predict_band(X).tolist()
    ['medium', 'very high']
    >>> model.predict_band(X.assign(age_at_follow_up=[45.0, 8.0]))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.FeatureError: column 'age_at_follow_up' is below 10 ... ['C-2']
    """

    _parameter_constraints: ClassVar[dict] = {
        "horizon": [Interval(Integral, 1, 2, closed="both")],
        "bands": [RiskBands, None],
    }
    classes_ = np.array([0, 1])

    def __init__(self, *, horizon: int = 2, bands: RiskBands | None = None) -> None:
        self.horizon = horizon
        self.bands = bands

    form_ = _PublishedForm()

    #: The scalar route refuses what ``_checked`` refuses: an age below 10.
    _row_bounds: ClassVar[dict[str, tuple[float, float]] | None] = {
        "age_at_follow_up": (10.0, math.inf), "copas_rate_at_index": (-math.inf, math.inf)}

    def horizon_forms(self) -> dict[int, AdditiveForm]:
        """Both published horizons (1 and 2 years)."""
        background = self.__dict__.get("background_")
        return {h: _published_form(h, background) for h in (1, 2)}

    def band_form(self) -> AdditiveForm:
        """The 2-year form: OGRS3 bands its 2-year probability, whatever ``horizon`` is."""
        return _published_form(2, self.__dict__.get("background_"))

    @property
    def feature_names_in_(self) -> np.ndarray:  # type: ignore[override]
        """The columns OGRS3 reads."""
        return np.asarray(OGRS3_COLUMNS, dtype=object)

    @property
    def n_features_in_(self) -> int:  # type: ignore[override]
        """Number of columns OGRS3 reads."""
        return len(OGRS3_COLUMNS)

    def _fitted_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "classes_": [0, 1], "feature_names_in_": list(OGRS3_COLUMNS),
            "n_features_in_": len(OGRS3_COLUMNS),
            **{a: getattr(self, a) for a in self._persisted_attributes if hasattr(self, a)}}
        background = self.__dict__.get("background_")
        if background is not None:
            state["background_"] = background.to_dict()
        return state

    def _restore_fitted_state(self, form: AdditiveForm, fitted: Any) -> None:
        # The numbers are pinned here, not read from the file: a file claiming OGRS3 with
        # other coefficients or other band cut-points is refused, however it was sealed.
        if self._bands() != RiskBands():
            raise ModelFileError("an OGRS3 file must use the published bands "
                                 f"{RiskBands().cut_points}; got {self._bands().cut_points}")
        if "background_" in fitted:
            self.background_ = _Background.from_dict(fitted["background_"])
        if form.to_dict() != self.form_.to_dict():
            raise ModelFileError("OGRS3 file tables differ from the published coefficients")
        for attr in self._persisted_attributes:
            if attr in fitted:
                setattr(self, attr, fitted[attr])

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> OGRS3:
        """Check the columns (and labels, if given); the coefficients are fixed.

        Returns
        -------
        self
        """
        self._validate_params()
        frame = self._checked(X)
        if y is not None:
            check_consistent_length(frame, y)
            prepare_labels(y)
        self.background_ = _Background.of(frame)
        self.training_info_ = {"n_rows": len(frame), "base_rate": None, "fitted_at": None,
                               "source": "published coefficients (Howard et al. 2009); the "
                                         "fitted frame is the explanations' background"}
        self.training_ranges_: dict[str, dict[str, Any]] = {}
        return self

    def _checked(self, X: Any) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise FeatureError("OGRS3 reads a DataFrame from build_features with columns "
                               f"{list(OGRS3_COLUMNS)}; got {type(X).__name__}")
        self._validate_params()
        missing_cols = [c for c in OGRS3_COLUMNS if c not in X.columns]
        if missing_cols:
            raise FeatureError(f"OGRS3 reads columns {list(OGRS3_COLUMNS)} (from "
                               f"build_features); missing {missing_cols}; got columns "
                               f"{list(map(str, X.columns))}")
        if len(X) == 0:
            raise FeatureError("Found array with 0 sample(s); OGRS3 needs at least one row")
        frame = X[list(OGRS3_COLUMNS)]
        for name in OGRS3_COLUMNS:
            miss = np.asarray(frame[name].isna())
            if miss.any():
                raise FeatureError(f"column {name!r} is missing for rows "
                                   f"{frame.index[miss][:5].tolist()}; OGRS3 needs every input")
        copas = column_as_float(frame, "copas_rate_at_index")
        bad = ~np.isfinite(copas)
        if bad.any():
            raise FeatureError(f"column 'copas_rate_at_index' is not finite for rows "
                               f"{frame.index[bad][:5].tolist()}")
        age = column_as_float(frame, "age_at_follow_up")
        young = age < 10
        if young.any():
            raise FeatureError(f"column 'age_at_follow_up' is below 10 (the age of criminal "
                               f"responsibility) for rows {frame.index[young][:5].tolist()}")
        return frame
