"""``validate``: the validation report a model validator signs.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.05, 0.95, 2000)
>>> y = (rng.random(2000) < p).astype(int)
>>> groups = np.where(rng.random(2000) < 0.5, "a", "b")
>>> report = validate(p, y=y, groups=groups, n_bootstrap=200)
>>> report.auc.method
'DeLong'
>>> 0.7 < report.auc.value < 0.85
True
>>> sorted(report.fairness.groups["group"])
['a', 'b']
>>> report.to_dict()["n"]
2000
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import ValidationInputError
from riskassess.validation._bootstrap import ProgressArg, percentile_interval, score_bootstrap
from riskassess.validation._calibration import (
    Bands,
    Recalibration,
    assign_bands,
    decile_codes,
    recalibration,
    reliability_table,
    resolve_bands,
)
from riskassess.validation._drift import StabilityIndex, population_stability
from riskassess.validation._fairness import (
    Tradeoff,
    _confusion,
    gap_table,
    group_band_table,
    group_table,
    tradeoff,
)
from riskassess.validation._inputs import (
    check_groups,
    check_labels,
    check_length,
    check_scores,
    ids_from,
)
from riskassess.validation._metrics import Estimate, delong_auc, delong_paired

__all__ = ["Calibration", "Fairness", "IncumbentComparison", "ValidationReport", "validate"]


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


class ValidationReport:
    """The result of :func:`validate`: computed once, read through properties.

    Every property returns one type; tables are pandas DataFrames (copies, so editing one
    does not change the report). Render with ``to_html(path)``, ``to_json()``,
    ``to_dict()``, or display in Jupyter.

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

    __slots__ = ("_d",)

    def __init__(self, **parts: Any) -> None:
        self._d = dict(parts)

    def _get(self, name: str) -> Any:
        return self._d[name]

    @property
    def model_name(self) -> str:
        """What was validated (the model's class name, or "scores")."""
        return str(self._d["model_name"])

    @property
    def n(self) -> int:
        """Number of cases."""
        return int(self._d["n"])

    @property
    def n_positive(self) -> int:
        """Number of cases with the outcome (y = 1)."""
        return int(self._d["n_positive"])

    @property
    def base_rate(self) -> float:
        """Share of cases with the outcome."""
        return self.n_positive / self.n

    @property
    def level(self) -> float:
        """Confidence level of every interval."""
        return float(self._d["level"])

    @property
    def n_bootstrap(self) -> int:
        """Number of bootstrap replicates used."""
        return int(self._d["n_bootstrap"])

    @property
    def bands(self) -> Bands:
        """Risk bands used for calibration by band."""
        return self._get("bands")

    @property
    def threshold(self) -> float:
        """Probability at or above which a case counts as predicted positive."""
        return float(self._d["threshold"])

    @property
    def auc(self) -> Estimate:
        """AUC with the DeLong interval."""
        return self._get("auc")

    @property
    def auc_bootstrap(self) -> Estimate:
        """AUC with the Poisson-bootstrap percentile interval (NaN bounds if none)."""
        return self._get("auc_bootstrap")

    @property
    def brier(self) -> Estimate:
        """Brier score (mean squared error of the probability) with bootstrap interval."""
        return self._get("brier")

    @property
    def calibration(self) -> Calibration:
        """Calibration-in-the-large, slope and intercept, reliability tables."""
        c: Calibration = self._get("calibration")
        return Calibration(c.observed_rate, c.mean_predicted, c.in_the_large,
                           c.observed_expected, c.recalibration, c.by_decile.copy(),
                           c.by_band.copy())

    @property
    def incumbent(self) -> IncumbentComparison | None:
        """Comparison with the incumbent score, or None when none was given."""
        return self._get("incumbent")

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
        return self._get("stability")

    @property
    def methods(self) -> dict[str, str]:
        """How every interval and estimate was obtained."""
        return dict(self._d["methods"])

    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats about the data (small groups, floored bins, ...)."""
        return tuple(self._d["notes"])

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

        return report_to_html(self, None, plots=False, fragment=True)

    def __repr__(self) -> str:
        return (f"ValidationReport({self.model_name}, n={self.n}, AUC {self.auc}, "
                f"Brier {self.brier.value:.4f})")


def _scores_of(model_or_scores: Any, X: Any, name: str) -> tuple[Any, str]:
    if hasattr(model_or_scores, "predict_proba"):
        if X is None:
            raise ValidationInputError(f"{name}: a fitted model needs X to score")
        proba = np.asarray(model_or_scores.predict_proba(X))
        return (proba[:, 1] if proba.ndim == 2 else proba), type(model_or_scores).__name__
    return model_or_scores, "scores"


def validate(
    model_or_scores: Any,
    X: Any = None,
    y: Any = None,
    groups: Any = None,
    incumbent: Any = None,
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
    bands: Any = None,
    reference_scores: Any = None,
    progress: ProgressArg = None,
    threshold: float | None = None,
    level: float = 0.95,
    min_group_size: int = 30,
    tolerance: float = 0.05,
) -> ValidationReport:
    """Validate a fitted model or a vector of predicted probabilities.

    Parameters
    ----------
    model_or_scores : fitted classifier or array-like of float
        A model with ``predict_proba`` (scored on ``X``) or probabilities in [0, 1].
    X : DataFrame, optional
        Model inputs; needed when a model is given.
    y : array-like of {0, 1}
        Observed outcomes. A pandas index on ``y`` (or ``X``) names cases in errors.
    groups : array-like, optional
        Audit group of every case (e.g. race); a pandas Series' name labels the attribute.
    incumbent : fitted classifier or array-like of float, optional
        The score in use today, on the same people (any real-valued score: only its
        ranking is compared, e.g. COMPAS decile 1-10).
    n_bootstrap : int, default 1000
        Poisson-bootstrap replicates (0 turns the bootstrap off; DeLong and Wilson
        intervals do not need it).
    seed : int, default 0
        Seed of the bootstrap.
    bands : tuple of float or RiskBands-like, optional
        Band cut-points (or an object with ``cut_points`` and ``labels``); default the
        model's own bands, else OGRS3's 0.50 / 0.75 / 0.90.
    reference_scores : array-like of float, optional
        Scores of an earlier cohort: the report gives the PSI of these scores against it.
    progress : None, bool or callable
        Bootstrap progress bar: None shows one when stderr is a terminal.
    threshold : float, optional
        Predicted positive when the probability is at least this; default the lowest band
        cut-point (OGRS3: "medium" or above).
    level : float, default 0.95
        Confidence level.
    min_group_size : int, default 30
        Groups smaller than this are reported and marked, but left out of the gaps and
        the trade-off statement.
    tolerance : float, default 0.05
        Differences (calibration, error-rate gaps) up to this are treated as negligible.

    Returns
    -------
    ValidationReport

    Raises
    ------
    ValidationInputError
        Labels not 0/1 or of one class only, probabilities outside [0, 1] or missing,
        missing groups, mismatched lengths; the message names the case(s).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> p = rng.uniform(0.05, 0.95, 1000)
    >>> y = pd.Series((rng.random(1000) < p).astype(int), index=[f"C{i}" for i in range(1000)])
    >>> report = validate(p, y=y, incumbent=p + rng.normal(0, 0.2, 1000), n_bootstrap=100)
    >>> report.incumbent.difference.method
    'paired DeLong'
    >>> report.calibration.by_band["bin"].tolist()
    ['low', 'medium', 'high', 'very high']
    >>> validate(np.r_[p[:-1], np.nan], y=y)
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: scores: ... NaN or infinity at case 'C999'
    """
    if y is None:
        raise ValidationInputError("y: observed outcomes are required")
    if not 0.0 < level < 1.0:
        raise ValidationInputError(f"level must be within (0, 1); got {level}")
    raw, model_name = _scores_of(model_or_scores, X, "model_or_scores")
    n = len(y)
    ids = ids_from(n, y, X, raw, groups)
    check_length(n, raw, "scores")
    labels = check_labels(y, ids)
    scores = check_scores(raw, ids)
    if labels.min() == labels.max():
        raise ValidationInputError(
            f"y: every case has outcome {int(labels[0])}; validation needs both outcomes")
    band_spec = resolve_bands(bands, model_or_scores if model_name != "scores" else None)
    cut = band_spec.cut_points[0] if threshold is None else float(threshold)
    if not 0.0 < cut <= 1.0:
        raise ValidationInputError(f"threshold must be within (0, 1]; got {threshold}")
    methods: dict[str, str] = {
        "auc": f"DeLong variance, normal {level:.0%} interval clipped to [0, 1]",
        "proportions": "Wilson score interval",
        "calibration slope/intercept": "logistic recalibration on logit(p), Wald interval",
        "group AUC": "DeLong per group; AUC gap: DeLong, groups independent",
    }
    notes: list[str] = []

    auc = delong_auc(labels, scores, level)
    if n_bootstrap > 0:
        boot = score_bootstrap(labels, scores, n_bootstrap=n_bootstrap, seed=seed,
                               progress=progress)
        method = f"Poisson bootstrap percentile ({n_bootstrap} replicates, seed {seed})"
        methods["bootstrap"] = (
            f"{method}: one Poisson(count) weight per (distinct score, outcome) cell, "
            "which equals the case-level Poisson bootstrap; single-case cells draw "
            "Poisson(1) to 2**-16 precision; replicate statistics within 1e-6 relative "
            "rounding error")
        reps_auc, reps_brier, reps_oe = boot.auc, boot.brier, boot.observed_expected
    else:
        method = "none (n_bootstrap=0)"
        reps_auc = reps_brier = reps_oe = np.array([])

    def boot_est(value: float, reps: np.ndarray) -> Estimate:
        lo, hi = percentile_interval(reps, level) if reps.size else (math.nan, math.nan)
        return Estimate(value, lo, hi, method, level,
                        "" if reps.size else "bootstrap turned off")

    auc_boot = boot_est(auc.value, reps_auc)
    brier = boot_est(float(np.mean((labels - scores) ** 2)), reps_brier)
    methods["brier, observed/expected"] = method

    # calibration
    mean_p, obs = float(scores.mean()), float(labels.mean())
    band = assign_bands(scores, band_spec.cut_points)
    dec_codes, dec_labels = decile_codes(scores)
    oe = boot_est(obs / mean_p if mean_p > 0 else math.nan, reps_oe)
    citl = Estimate(obs - mean_p, math.nan, math.nan, "observed minus mean predicted", level,
                    "see observed_expected for the interval")
    calibration = Calibration(
        obs, mean_p, citl, oe, recalibration(labels, scores, level),
        reliability_table(labels, scores, dec_codes, dec_labels, level),
        reliability_table(labels, scores, band, band_spec.labels, level),
    )

    comparison = None
    if incumbent is not None:
        inc_raw, inc_name = _scores_of(incumbent, X, "incumbent")
        check_length(n, inc_raw, "incumbent")
        inc = check_scores(inc_raw, ids, "incumbent", probability=False)
        a1, a2, diff, p = delong_paired(labels, scores, inc, level)
        name = inc_name if inc_name != "scores" else str(getattr(inc_raw, "name", None)
                                                         or "incumbent")
        comparison = IncumbentComparison(name, a1, a2, diff, p)
        methods["incumbent"] = "paired DeLong (same people), two-sided test of equal AUC"

    fairness = None
    if groups is not None:
        check_length(n, groups, "groups")
        g = check_groups(groups, ids)
        pred = (scores >= cut).astype(np.int8)
        table, names, codes = group_table(labels, scores, pred, g,
                                          min_group_size=min_group_size, level=level)
        by_band = group_band_table(labels, scores, band, band_spec.labels, names, codes, level)
        counts = _confusion(labels, pred, codes, len(names))
        gaps = gap_table(table, counts, n_bootstrap=n_bootstrap, seed=seed + 1, level=level)
        below = f"{band_spec.labels[1]!r} band or above" if threshold is None else ""
        text = f"probability >= {cut:g}" + (f" ({below})" if below else "")
        trade = tradeoff(table, by_band, gaps, min_group_size=min_group_size,
                         tolerance=tolerance, threshold_text=text)
        attribute = str(getattr(groups, "name", None) or "group")
        fairness = Fairness(attribute, table, by_band, gaps, trade, min_group_size, tolerance)
        methods["group gaps"] = ("largest minus smallest value among groups with at least "
                                 f"{min_group_size} cases; Poisson bootstrap of the "
                                 "(group, predicted, outcome) counts")
        for rec in table.to_dict("records"):
            if rec["note"]:
                notes.append(f"group {rec['group']!r} (n={rec['n']}): {rec['note']}")

    stability = None
    if reference_scores is not None:
        ref = check_scores(reference_scores, ids_from(len(reference_scores), reference_scores),
                           "reference_scores")
        stability = population_stability(ref, scores)
        methods["stability"] = f"population stability index, {stability.binning}"
        if stability.note:
            notes.append(f"PSI: {stability.note}")

    return ValidationReport(
        model_name=model_name, n=n, n_positive=int(labels.sum()), level=level,
        n_bootstrap=n_bootstrap, bands=band_spec, threshold=cut, auc=auc,
        auc_bootstrap=auc_boot, brier=brier, calibration=calibration,
        incumbent=comparison, fairness=fairness, stability=stability, methods=methods,
        notes=notes,
    )
