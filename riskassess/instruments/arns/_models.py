"""ARP, VRP and SVRP behind the interface of every riskassess model.

NOTICE: Coefficients and offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api,
MIT licence, Crown Copyright; see riskassess/data/hmpps/LICENSE-hmpps-arns.txt.

**Input.** A frame of :data:`~riskassess.instruments.arns.INPUT_COLUMNS` (one row per case,
indexed by case id), as :func:`~riskassess.instruments.arns.arns_inputs` builds it from
case records: whole-year ages, counts, the actuarial offence category, capped
offence-free months and the need items scored (NaN = not recorded). Need columns may be
absent altogether (= not recorded); other columns are ignored.

**Form per row.** ``form="static"`` scores every row with the STATIC form,
``"dynamic"`` the DYNAMIC form (a row missing a required need item is refused, naming the
case and the item), ``"auto"`` (default) each row as the service would: DYNAMIC when
every item the service requires is recorded (and, for ARP and VRP, no drug is recorded
as used without the motivation item), else STATIC with a
:class:`~riskassess.exceptions.MissingDynamicInputWarning` naming the missing items (the
service's ``MISSING_DYNAMIC_INPUT``). :meth:`scored_forms` says which form each row got.
Optional items (drug flags; ARP's motivation) count as 0 when not recorded, as in the
service.

**Form as tables.** The predictors' terms are non-linear in the inputs (polynomials,
Copas logs, sanction flags) and the two forms weigh the same terms differently, so the
model's :class:`~riskassess.models.AdditiveForm` reads a *term frame*: one column per
term of either form (the service's ``featureValues`` names, the intercept included),
holding that term's log-odds for the row's form (0 where the form has no such term).
``form_`` is intercept 0 plus ``LinearTerm(term, term, 1.0, mean)`` per column, so the
log-odds is the sum of the columns, and the exact SHAP value of a term is its value minus
its background mean (``fit(X)`` records the means over ``X``).

**Bands.** The service bands the percent score rounded HALF_UP to 2 decimals: a score
``>= 50.00`` is MEDIUM for ARP, i.e. a probability ``>= 0.49995``. The cut points are
therefore the service's lower bounds shifted down by half a unit of the second decimal
(ARP 0.49995, 0.74995, 0.89995; VRP 0.29995, 0.59995, 0.79995; SVRP 0.00995, 0.02995,
0.06895), each taken as the smallest double not below that decimal (for VRP's 0.29995 and
0.59995 and SVRP's 0.06895 the nearest double lies below it, and would band one double too
early). Labels are the library's (``low``, ``medium``, ``high``, ``very high`` for the
service's LOW, MEDIUM, HIGH, VERY_HIGH). Where the service answers UNEXPECTED_ERROR (an
ARP or VRP score of 0.00), the model gives its probability, bands it ``low`` and warns
(:class:`~riskassess.exceptions.InstrumentWarning`).

Examples
--------
>>> import pandas as pd
>>> X = pd.DataFrame({"female": [0, 1], "age_at_followup": [30, 45],
...     "age_at_conviction": [29, 45], "age_at_first_sanction": [15, 44],
...     "n_sanctions": [7, 1], "n_violent_sanctions": [2, 0],
...     "offence_category": ["THEFT_NON_MOTOR", "DRINK_DRIVING"],
...     "offence_free_months": [12, 0]}, index=["C-1", "C-2"])
>>> model = ARP(form="static")
>>> model.predict_proba(X)[:, 1].round(4).tolist()
[0.3789, 0.0532]
>>> model.predict_band(X).tolist()
['low', 'low']
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache, partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_consistent_length

from riskassess._hmpps import hmpps_json
from riskassess.exceptions import (
    FeatureError,
    InstrumentWarning,
    MissingDynamicInputWarning,
    ModelFileError,
)
from riskassess.instruments.arns._checks import (
    Inputs,
    dynamic_rows,
    kernel_columns,
    read_inputs,
)
from riskassess.instruments.arns._data import bands
from riskassess.instruments.arns._kernel import TERMS, iter_terms
from riskassess.instruments.arns._terms import INPUT_COLUMNS, NEED_COLUMNS
from riskassess.instruments.arns._vector import feature_names, required_columns
from riskassess.models import (
    AdditiveForm,
    LinearTerm,
    RiskBands,
    TransparentModel,
    prepare_labels,
    register_model_class,
)

__all__ = ["ARP", "SVRP", "VRP", "service_cut_points"]

_FORM_OPTIONS = ("auto", "static", "dynamic")


@cache
def service_cut_points(predictor: str) -> tuple[float, ...]:
    """Probability cut points equivalent to the service's bands of its 2-decimal score.

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}

    Returns
    -------
    tuple of float
        For each of MEDIUM, HIGH, VERY_HIGH: the smallest double ``c`` with
        ``c >= (lower bound - 0.005) / 100``, so that for every double ``p``,
        ``p >= c`` exactly when ``round_half_up(100 * p, 2) >= lower bound``.

    Examples
    --------
    >>> service_cut_points("arp")
    (0.49995, 0.74995, 0.89995)
    >>> service_cut_points("vrp")[0] > 0.29995  # the nearest double is below 0.29995
    True
    """
    out = []
    for band in bands(predictor)[1:]:
        exact = (Decimal(repr(band.lower)) - Decimal("0.005")) / 100
        c = float(exact)
        while Decimal(c) < exact:
            c = math.nextafter(c, 1.0)
        while Decimal(math.nextafter(c, 0.0)) >= exact:  # pragma: no cover - defensive
            c = math.nextafter(c, 0.0)
        out.append(c)
    return tuple(out)


@cache
def _coefficients_digest(predictor: str) -> str:
    """SHA-256 of the predictor's block of coefficients.json (pins the numbers in files)."""
    block = hmpps_json("coefficients.json")["predictors"][predictor.upper()]
    text = json.dumps(block, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _outside() -> int:
    """``stacklevel`` of the first caller outside riskassess (warnings point at user code)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("riskassess."):
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    return level


@dataclass(frozen=True)
class _Background:
    """Mean of every term column over the frame the model was fitted on (hashable, so
    forms built from it are cached and keep their identity for the compiled plan)."""

    means: tuple[float, ...]


@lru_cache(maxsize=64)
def _union_form(predictor: str, background: _Background | None) -> AdditiveForm:
    names = feature_names(predictor, "dynamic")  # type: ignore[arg-type]
    means: tuple[float | None, ...] = (
        background.means if background is not None else (None,) * len(names))
    return AdditiveForm(0.0, tuple(LinearTerm(n, n, 1.0, m)
                                   for n, m in zip(names, means, strict=True)))


class _UnionForm:
    """``form_``: the term-frame form of the model's predictor and background."""

    def __get__(self, model: _ArnsPredictor | None, owner: type) -> Any:
        if model is None:
            return self
        return _union_form(model._predictor, model.__dict__.get("background_"))


class _ArnsPredictor(TransparentModel):
    """Shared behaviour of ARP, VRP and SVRP (see the module docstring)."""

    _predictor: ClassVar[str] = ""
    _parameter_constraints: ClassVar[dict] = {
        "form": [StrOptions({"auto", "static", "dynamic"})]}
    classes_ = np.array([0, 1])
    #: Both forms predict proven reoffending within two years (``twoYearInterceptWeight``).
    horizon: ClassVar[int] = 2
    form_ = _UnionForm()

    def __init__(self, *, form: str = "auto") -> None:
        self.form = form

    # -- the instrument protocol ----------------------------------------------------
    @property
    def explained_features_(self) -> list[str]:
        """The term names (the service's ``featureValues`` keys of either form)."""
        return feature_names(self._predictor, "dynamic")  # type: ignore[arg-type]

    def _form_columns(self) -> Any:
        return None  # the form reads the term frame _form_frame derives, not the inputs

    def case_frame(self, cases: Any) -> pd.DataFrame:
        """The input frame of case records: :func:`arns_inputs`."""
        from riskassess.instruments.arns._cases import arns_inputs

        return arns_inputs(cases)

    def _bands(self) -> RiskBands:
        return RiskBands(cut_points=service_cut_points(self._predictor))

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def _inputs(self, X: Any) -> Inputs:
        if self.form not in _FORM_OPTIONS:
            self._validate_params()  # scikit-learn's error (get_params costs ~50 us a call)
        return read_inputs(X, self._predictor, type(self).__name__,
                           needs=self.form != "static")

    def scored_forms(self, X: Any) -> np.ndarray:
        """The form each row is scored with: ``"static"`` or ``"dynamic"``.

        Parameters
        ----------
        X : pandas.DataFrame
            Input columns (see the module docstring).

        Returns
        -------
        numpy.ndarray of str
        """
        inputs = self._inputs(X)
        dynamic = self._dynamic_rows(inputs, warn=False)
        return np.where(np.broadcast_to(dynamic, (len(inputs.index),)), "dynamic", "static")

    def _dynamic_rows(self, inputs: Inputs, *, warn: bool) -> np.ndarray | bool:
        """The DYNAMIC rows, or one bool when every row takes the same form."""
        if self.form == "static":
            return False
        ok, missing = dynamic_rows(inputs, self._predictor)
        if self.form == "dynamic" and missing:
            raise FeatureError(f"{type(self).__name__}(form='dynamic'): " + "; ".join(missing))
        if warn and missing:
            n = len(ok)
            warnings.warn(
                f"{type(self).__name__} scored {int((~ok).sum())} of {n} row(s) with its "
                "STATIC form (the service's MISSING_DYNAMIC_INPUT): " + "; ".join(missing),
                MissingDynamicInputWarning, stacklevel=_outside())
        return ok if missing else True

    def _terms(self, X: Any) -> tuple[Inputs, Callable[..., Iterator[int]]]:
        """The checked inputs, and the kernel over them: called with ``target=``, it
        writes each term of ``form_`` to ``target(j)`` (see
        :func:`~riskassess.instruments.arns._kernel.iter_terms`)."""
        inputs = self._inputs(X)
        dynamic = self._dynamic_rows(inputs, warn=True)
        predictor = self._predictor
        columns = kernel_columns(inputs, predictor) if dynamic is not False else \
            inputs.columns
        return inputs, partial(iter_terms, columns, inputs.categories, predictor,
                               TERMS[predictor, "dynamic"], dynamic=dynamic)

    def _form_frame(self, X: Any) -> pd.DataFrame:
        inputs, kernel = self._terms(X)
        names = self.explained_features_
        # one float64 block, written column by column (Fortran order: each term's column
        # is contiguous) and wrapped without a copy; the plan reads its columns as views
        matrix = np.zeros((len(inputs.index), len(names)), order="F")
        for _ in kernel(target=lambda j: matrix[:, j]):
            pass
        return pd.DataFrame(matrix, index=inputs.index, columns=names, copy=False)

    def _logits(self, X: Any) -> tuple[np.ndarray, pd.Index]:
        """The log-odds, term by term in ``form_``'s order through one buffer: the same
        sums, in the same order, as the compiled plan's ``decision_function`` (intercept
        0, each column times 1.0), without the term frame."""
        inputs, kernel = self._terms(X)
        buffer = np.empty(len(inputs.index))
        logits = np.zeros(len(inputs.index))
        for _ in kernel(target=lambda j: buffer):
            logits += buffer
        return logits, inputs.index

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class, shape ``(n_samples, 2)``; column 1 is reoffending.

        Warns (:class:`~riskassess.exceptions.InstrumentWarning`) for ARP and VRP rows whose
        2-decimal percent score is 0.00: the service answers those with UNEXPECTED_ERROR.
        """
        logits, index = self._logits(X)
        p = expit(logits)
        if self._predictor != "svrp":
            zero = p < 0.00005
            if zero.any():
                warnings.warn(
                    f"{type(self).__name__}: rows {index[zero][:5].tolist()} score 0.00% at "
                    "two decimals, which HMPPS's service refuses (UNEXPECTED_ERROR); "
                    "their probability is given and banded low", InstrumentWarning,
                    stacklevel=_outside())
        return np.column_stack([1.0 - p, p])

    def predict_band(self, X: Any) -> np.ndarray:
        """The service's band of every row (``low``, ``medium``, ``high``, ``very high``).

        Returns
        -------
        numpy.ndarray of str
        """
        return self._bands().assign(expit(self._logits(X)[0]))

    # -- fitting and persistence ----------------------------------------------------
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> _ArnsPredictor:
        """Record ``X``'s term means as the explanations' background (coefficients fixed).

        Parameters
        ----------
        X : pandas.DataFrame
            Input columns of the reference population.
        y : array-like, optional
            Checked if given, not used.
        sample_weight : ignored

        Returns
        -------
        self
        """
        terms = self._form_frame(X)
        if y is not None:
            check_consistent_length(terms, y)
            prepare_labels(y)
        self.background_ = _Background(tuple(float(v) for v in terms.mean(axis=0)))
        # scikit-learn's input attributes: the input columns read (a static-only frame
        # has no need columns); _form_frame has refused anything but a DataFrame
        static = required_columns(self._predictor, "static")  # type: ignore[arg-type]
        read = set(static) | set(NEED_COLUMNS)
        names = [c for c in INPUT_COLUMNS if c in X.columns and c in read]
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.training_info_ = {
            "n_rows": len(terms), "base_rate": None, "fitted_at": None,
            "source": "published coefficients (HMPPS hmpps-arns-risk-actuarial-api); the "
                      "fitted frame is the explanations' background"}
        return self

    def _fitted_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "predictor": self._predictor.upper(),
            "coefficients_sha256": _coefficients_digest(self._predictor),
            "cut_points": list(self._bands().cut_points),
            **{a: getattr(self, a) for a in self._persisted_attributes if hasattr(self, a)}}
        background = self.__dict__.get("background_")
        if background is not None:
            state["background_"] = list(background.means)
        return state

    def _restore_fitted_state(self, form: AdditiveForm, fitted: Any) -> None:
        # The numbers are pinned in code, not read from the file: a file claiming this
        # predictor with other coefficients or other bands is refused, however it is sealed.
        name = type(self).__name__
        if fitted.get("predictor") != self._predictor.upper():
            raise ModelFileError(f"a {name} file must hold predictor {name}; got "
                                 f"{fitted.get('predictor')!r}")
        if fitted.get("coefficients_sha256") != _coefficients_digest(self._predictor):
            raise ModelFileError(f"{name} file coefficients differ from the published ones "
                                 "(HMPPS hmpps-arns-risk-actuarial-api at 016919c)")
        if tuple(fitted.get("cut_points", ())) != self._bands().cut_points:
            raise ModelFileError(f"a {name} file must use the service's bands "
                                 f"{self._bands().cut_points}; got {fitted.get('cut_points')}")
        if "background_" in fitted:
            self.background_ = _Background(tuple(float(v) for v in fitted["background_"]))
        if form.to_dict() != self.form_.to_dict():
            raise ModelFileError(f"{name} file form differs from the predictor's term form")
        for attr in self._persisted_attributes:
            if attr in fitted:
                setattr(self, attr, fitted[attr])


_DOC = """HMPPS's {long} ({short}), STATIC and DYNAMIC forms, as the service computes it.

    {what} Reads the columns described in :mod:`riskassess.instruments.arns` (build them
    from case records with :func:`~riskassess.instruments.arns.arns_inputs`); bands
    {bands}. See the module docstring of ``riskassess.instruments.arns._models`` for the
    per-row choice of form, the term frame behind ``form_`` and the bands. ``fit`` only
    records the background of the explanations; the model predicts unfitted.

    Parameters
    ----------
    form : {{"auto", "static", "dynamic"}}, default "auto"
        "auto": DYNAMIC for each row with every required need item, else STATIC with a
        :class:`~riskassess.exceptions.MissingDynamicInputWarning`.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({{"female": [0], "age_at_followup": [30], "age_at_conviction": [30],
    ...     "age_at_first_sanction": [18], "n_sanctions": [4], "n_violent_sanctions": [1],
    ...     "offence_category": ["VIOLENCE_AGAINST_THE_PERSON_SUB_ABH"],
    ...     "offence_free_months": [6]}}, index=["C-7"])
    >>> model = {short}(form="static")
    >>> model.scored_forms(X).tolist(), round(float(model.predict_proba(X)[0, 1]), 4)
    (['static'], {example_p})
    >>> model.predict_band(X).tolist()
    ['low']
    """


# one class per predictor, alike but for name and data: a model file, the registry and
# scikit-learn's clone know a model by its class, and each has its own documentation
@register_model_class
class ARP(_ArnsPredictor):
    __doc__ = _DOC.format(long="All Reoffending Predictor", short="ARP", example_p="0.2129",
                          what="Any proven reoffence within two years.",
                          bands="low < 50%, medium, high >= 75%, very high >= 90%")
    _predictor = "arp"


@register_model_class
class VRP(_ArnsPredictor):
    __doc__ = _DOC.format(long="Violent Reoffending Predictor", short="VRP",
                          example_p="0.0992",
                          what="A proven violent reoffence within two years.",
                          bands="low < 30%, medium, high >= 60%, very high >= 80%")
    _predictor = "vrp"


@register_model_class
class SVRP(_ArnsPredictor):
    __doc__ = _DOC.format(long="Serious Violent Reoffending Predictor", short="SVRP",
                          example_p="0.0066",
                          what="A proven serious violent reoffence within two years.",
                          bands="low < 1%, medium, high >= 3%, very high >= 6.9%")
    _predictor = "svrp"
