"""The validation report's result types: what :func:`~riskassess.validation.validate` returns.

Every result is immutable: the parts are frozen dataclasses, and :class:`ValidationReport`
is a frozen dataclass over a read-only mapping whose properties hand out copies of the
tables, so a report cannot change after it was computed (a validator signs what they saw).

Examples
--------
>>> import dataclasses, numpy as np
>>> from riskassess.validation import validate
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.05, 0.95, 300)
>>> report = validate(p, y=(rng.random(300) < p).astype(int), n_bootstrap=0)
>>> try:
...     report.threshold = 0.9
... except dataclasses.FrozenInstanceError as exc:
...     print("read-only")
read-only
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar, overload

import pandas as pd

from riskassess.validation._calibration import Bands, Recalibration
from riskassess.validation._disparity import Disparity
from riskassess.validation._drift import StabilityIndex
from riskassess.validation._fairness import Tradeoff
from riskassess.validation._intersectional import Intersection
from riskassess.validation._metrics import Estimate
from riskassess.validation._net_benefit import DecisionCurve
from riskassess.validation._survival_results import SurvivalValidation

__all__ = ["Calibration", "Fairness", "IncumbentComparison", "ValidationReport"]


@dataclass(frozen=True)
class Calibration:
    """Calibration of the score: overall, by decile and by band.

    Examples
    --------
    >>> import numpy as np
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 600)
    >>> y = (rng.random(600) < p).astype(int)
    >>> c = validate(p, y=y, n_bootstrap=0).calibration
    >>> round(c.observed_rate, 3), round(c.mean_predicted, 3)
    (0.535, 0.523)
    >>> print(c.recalibration.slope)
    1.1002 (95% CI 0.9115 to 1.2889, Wald (logistic recalibration))
    >>> c.by_band[["bin", "n"]]
             bin    n
    0        low  274
    1     medium  178
    2       high  112
    3  very high   36
    """

    observed_rate: float
    mean_predicted: float
    in_the_large: Estimate
    observed_expected: Estimate
    recalibration: Recalibration
    by_decile: pd.DataFrame
    by_band: pd.DataFrame


@dataclass(frozen=True)
class IncumbentComparison:
    """The model against the incumbent score on the same people (paired DeLong).

    Examples
    --------
    >>> import numpy as np
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 600)
    >>> y = (rng.random(600) < p).astype(int)
    >>> noisy = p + rng.normal(0, 0.3, 600)  # a worse score on the same people
    >>> cmp = validate(p, y=y, incumbent=noisy, n_bootstrap=0).incumbent
    >>> round(cmp.auc_model, 3), round(cmp.auc_incumbent, 3), cmp.p_value < 0.001
    (0.81, 0.727, True)
    >>> print(cmp.difference)
    0.0832 (95% CI 0.0511 to 0.1152, paired DeLong)
    """

    name: str
    auc_model: float
    auc_incumbent: float
    difference: Estimate
    p_value: float


@dataclass(frozen=True)
class Fairness:
    """Per-group metrics, calibration by band within group, gaps, and the trade-off.

    Examples
    --------
    >>> import numpy as np
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 600)
    >>> y = (rng.random(600) < p).astype(int)
    >>> import pandas as pd
    >>> groups = pd.Series(np.where(rng.random(600) < 0.5, "a", "b"), name="area")
    >>> f = validate(p, y=y, groups=groups, n_bootstrap=0).fairness
    >>> f.attribute, f.min_group_size
    ('area', 30)
    >>> f.groups[["group", "n", "base_rate", "fpr", "fnr"]].round(3)
      group    n  base_rate    fpr    fnr
    0     a  310      0.497  0.333  0.234
    1     b  290      0.576  0.260  0.257
    >>> f.tradeoff.calibrated_within_groups, f.tradeoff.equal_error_rates
    (True, False)
    """

    attribute: str
    groups: pd.DataFrame
    by_band: pd.DataFrame
    gaps: pd.DataFrame
    tradeoff: Tradeoff
    min_group_size: int
    tolerance: float


T = TypeVar("T")


class _Part(Generic[T]):
    """A read-only attribute of :class:`ValidationReport`: one stored part, converted.

    Stands for a property whose body is ``return convert(self._d[name])``, so that the
    report's many such parts are written once (``name`` is the attribute's own name).
    """

    def __init__(self, convert: Callable[[Any], T], doc: str) -> None:
        self._convert = convert
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, report: None, owner: type | None = None) -> _Part[T]: ...

    @overload
    def __get__(self, report: ValidationReport, owner: type | None = None) -> T: ...

    def __get__(self, report: ValidationReport | None,
                owner: type | None = None) -> T | _Part[T]:
        if report is None:  # read on the class: the descriptor itself (for docs, help())
            return self
        return self._convert(report._d[self._name])


def _stored(kind: type[T]) -> Callable[[Any], T]:
    """Hand a part out as stored; ``kind`` names its type for the type checker and reader."""
    return lambda value: value


@dataclass(frozen=True, init=False, repr=False, eq=False)
class ValidationReport:
    """The result of :func:`validate`: computed once, read through read-only attributes.

    Every attribute returns one type; tables are pandas DataFrames (copies, so editing one
    does not change the report). The report is immutable: assigning to it raises
    :class:`dataclasses.FrozenInstanceError` (an ``AttributeError``). Render with
    ``to_html(path)``, ``to_json()``, ``to_dict()``, or display in Jupyter.

    Examples
    --------
    >>> import numpy as np
    >>> from riskassess.validation import validate
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 600)
    >>> y = (rng.random(600) < p).astype(int)
    >>> report = validate(p, y=y, n_bootstrap=0)
    >>> report
    ValidationReport(scores, n=600, AUC 0.8100 (95% CI 0.7764 to 0.8436, DeLong), Brier 0.1769)
    >>> report.n_positive, report.threshold, report.incumbent is None
    (321, 0.5, True)
    >>> print(report.brier)
    0.1769 (no interval: bootstrap turned off)
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> json.loads(report.to_json())["n"]
    600
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     page = report.to_html(Path(tmp) / "report.html", plots=False)
    ...     print((Path(tmp) / "report.html").read_text() == page)
    True
    """

    _d: Mapping[str, Any]

    def __init__(self, **parts: Any) -> None:
        # frozen: the one write, through object.__setattr__, of a read-only mapping
        object.__setattr__(self, "_d", MappingProxyType(dict(parts)))

    def _get(self, name: str) -> Any:
        return self._d[name]

    # the parts read back as they are stored (scalars converted to their Python type), one
    # _Part each rather than one property each: the same read, written once
    model_name = _Part(str, """What was validated (the model's class name, or "scores").""")
    n = _Part(int, "Number of cases.")
    n_positive = _Part(int, "Number of cases with the outcome (y = 1).")
    level = _Part(float, "Confidence level of every interval.")
    n_bootstrap = _Part(int, "Number of bootstrap replicates used.")
    bands = _Part(_stored(Bands), "Risk bands used for calibration by band.")
    threshold = _Part(float, "Probability at or above which a case counts as predicted positive.")
    auc = _Part(_stored(Estimate), "AUC with the DeLong interval.")
    auc_bootstrap = _Part(_stored(Estimate), "AUC with the Poisson-bootstrap percentile "
                          "interval (NaN bounds if none).")
    brier = _Part(_stored(Estimate), "Brier score (mean squared error of the probability) "
                  "with bootstrap interval.")

    @property
    def base_rate(self) -> float:
        """Share of cases with the outcome."""
        return self.n_positive / self.n

    @property
    def incumbent(self) -> IncumbentComparison | None:
        """Comparison with the incumbent score, or None when none was given."""
        return self._get("incumbent")

    @property
    def calibration(self) -> Calibration:
        """Calibration-in-the-large, slope and intercept, reliability tables."""
        c: Calibration = self._get("calibration")
        return Calibration(c.observed_rate, c.mean_predicted, c.in_the_large,
                           c.observed_expected, c.recalibration, c.by_decile.copy(),
                           c.by_band.copy())

    @property
    def fairness(self) -> Fairness | None:
        """Per-group metrics and the trade-off, or None when no groups were given."""
        f: Fairness | None = self._get("fairness")
        if f is None:
            return None
        return Fairness(f.attribute, f.groups.copy(), f.by_band.copy(), f.gaps.copy(),
                        f.tradeoff, f.min_group_size, f.tolerance)

    @property
    def stability(self) -> StabilityIndex | None:
        """PSI of these scores against ``reference_scores``, or None."""
        s: StabilityIndex | None = self._get("stability")
        return None if s is None else dataclasses.replace(s, table=s.table.copy())

    @property
    def survival(self) -> SurvivalValidation | None:
        """Censored-outcome metrics (time-to-event ``y``), or None for 0/1 outcomes."""
        return self._d.get("survival")

    # -- validators' fairness parts (computed in _fairness_report) --------------------
    @property
    def disparity(self) -> Disparity | None:
        """Ratios against the reference group with intervals, or None without groups."""
        d: Disparity | None = self._d.get("disparity")
        return None if d is None else d.copy()

    @property
    def intersections(self) -> tuple[Intersection, ...]:
        """One entry per crossing of attributes asked for (``intersections=``)."""
        return tuple(i.copy() for i in self._d.get("intersections", ()))

    @property
    def decision_curve(self) -> DecisionCurve | None:
        """Net benefit against treat-all / treat-none, overall and per group."""
        c: DecisionCurve | None = self._d.get("decision_curve")
        return None if c is None else c.copy()

    methods = _Part(dict[str, str], "How every interval and estimate was obtained.")
    notes = _Part(tuple[str, ...], "Caveats about the data (small groups, floored bins, ...).")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary of everything in the report (NaN becomes None)."""
        from riskassess.validation._render import report_to_dict

        return report_to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        from riskassess.validation._render import report_to_json

        return report_to_json(self, indent=indent)

    def to_html(self, path: str | Path | None = None, *, plots: bool = True) -> str:
        """Self-contained HTML (plots embedded); written atomically to ``path`` if given."""
        from riskassess.validation._render import report_to_html

        return report_to_html(self, path, plots=plots)

    def _repr_html_(self) -> str:
        from riskassess.validation._render import report_to_html

        return report_to_html(self, None, plots=True, fragment=True)

    def __repr__(self) -> str:
        return (f"ValidationReport({self.model_name}, n={self.n}, AUC {self.auc}, "
                f"Brier {self.brier.value:.4f})")
