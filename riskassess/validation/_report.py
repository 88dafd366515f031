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
from numbers import Real
from typing import Any

import numpy as np

from riskassess.exceptions import ValidationInputError
from riskassess.models import warn_if_in_sample
from riskassess.validation._bootstrap import ProgressArg, percentile_interval, score_bootstrap
from riskassess.validation._calibration import (
    assign_bands,
    decile_codes,
    recalibration,
    reliability_table,
    resolve_bands,
)
from riskassess.validation._drift import population_stability
from riskassess.validation._fairness import (
    _confusion,
    gap_table,
    group_band_table,
    group_table,
    tradeoff,
)
from riskassess.validation._fairness_report import validation_parts  # disparity, curves
from riskassess.validation._inputs import (
    case_names,
    check_count,
    check_groups,
    check_labels,
    check_length,
    check_scores,
    check_share,
)
from riskassess.validation._metrics import Estimate, delong_auc, delong_paired
from riskassess.validation._results import (
    Calibration,
    Fairness,
    IncumbentComparison,
    ValidationReport,
)
from riskassess.validation._survival_inputs import is_time_to_event
from riskassess.validation._survival_report import validate_time_to_event

__all__ = ["Calibration", "Fairness", "IncumbentComparison", "ValidationReport", "validate"]


def _scores_of(model_or_scores: Any, X: Any, name: str) -> tuple[Any, str]:
    if hasattr(model_or_scores, "predict_proba"):
        if X is None:
            raise ValidationInputError(f"{name}: a fitted model needs X to score")
        warn_if_in_sample(model_or_scores, X)  # fitted on these rows? say so
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
    incumbent_name: str | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    bands: Any = None,
    reference_scores: Any = None,
    progress: ProgressArg = None,
    threshold: float | None = None,
    level: float = 0.95,
    min_group_size: int = 30,
    tolerance: float = 0.05,
    horizons: Any = None,
    reference_group: Any = None,
    intersections: Any = None,
    attributes: Any = None,
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
    incumbent_name : str, optional
        What the report calls the incumbent ("OGRS3"); default the model's class name,
        else the name of a pandas Series of scores.
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
    horizons : float or sequence of float, optional
        Only for time-to-event ``y`` (``event`` and ``time`` in days): the horizons in
        years (default 1 and 2 for a model whose ``predict_proba`` takes a ``horizon``).
        The report then also carries ``survival`` (time-dependent AUC, IPCW and
        integrated Brier scores, Kaplan-Meier calibration; see ``docs/validating-survival``).
    reference_group : str, optional
        The group of ``groups`` every other is compared with in ``report.disparity``
        (FPR, FNR, selection-rate and calibration ratios with Katz intervals, and the
        difference the data could detect); default the largest group.
    intersections : list of tuple of str, optional
        Attributes to cross, e.g. ``[("race", "sex")]``: ``report.intersections`` shows
        every combination, small ones marked, never dropped. Columns are looked up in
        ``attributes``, then ``groups`` (by its name), then ``X``, row by row.
    attributes : DataFrame, optional
        Audit attributes (one row per case, in the order of ``y``) for ``intersections``.

    Returns
    -------
    ValidationReport

    Raises
    ------
    ValidationInputError
        Labels not 0/1 or of one class only, probabilities outside [0, 1] or missing,
        missing groups, mismatched lengths (the message names the case(s)); a parameter
        out of its range, e.g. ``n_bootstrap=-5`` (the message names the parameter).

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
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", 0)
    seed = check_count(seed, "seed", 0)
    min_group_size = check_count(min_group_size, "min_group_size", 1)
    tolerance = check_share(tolerance, "tolerance")
    if y is None:
        raise ValidationInputError("y: observed outcomes are required")
    if isinstance(level, bool) or not isinstance(level, Real) or not 0.0 < level < 1.0:
        raise ValidationInputError(f"level must be within (0, 1); got {level!r}")
    if is_time_to_event(y):
        return validate_time_to_event(
            validate, model_or_scores, X, y, groups, incumbent, horizons=horizons,
            bands=bands, n_bootstrap=n_bootstrap, seed=seed, level=level, progress=progress,
            reference_scores=reference_scores, threshold=threshold,
            min_group_size=min_group_size, tolerance=tolerance,
            reference_group=reference_group, intersections=intersections,
            attributes=attributes)
    if horizons is not None:
        raise ValidationInputError("horizons: only for time-to-event outcomes (y with "
                                   "'event' and 'time')")
    if threshold is not None and (isinstance(threshold, bool)
                                  or not isinstance(threshold, Real)):
        raise ValidationInputError(f"threshold must be a number in (0, 1]; got {threshold!r}")
    raw, model_name = _scores_of(model_or_scores, X, "model_or_scores")
    n = len(y)
    ids = case_names(n, y, X, raw, groups)
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
        name = incumbent_name or (inc_name if inc_name != "scores" else str(
            getattr(inc_raw, "name", None) or "incumbent"))
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
        ref = check_scores(reference_scores, case_names(len(reference_scores), reference_scores),
                           "reference_scores")
        stability = population_stability(ref, scores)
        methods["stability"] = f"population stability index, {stability.binning}"
        if stability.note:
            notes.append(f"PSI: {stability.note}")

    # validators' fairness: disparity ratios, intersections, decision curves (_fairness_report)
    extra = validation_parts(labels, scores, cut, groups=groups, intersections=intersections,
                             attributes=attributes, X=X, y=y, reference_group=reference_group,
                             min_group_size=min_group_size, level=level)
    methods.update(extra.methods)
    notes += extra.notes

    return ValidationReport(
        **extra.to_report(),
        model_name=model_name, n=n, n_positive=int(labels.sum()), level=level,
        n_bootstrap=n_bootstrap, bands=band_spec, threshold=cut, auc=auc,
        auc_bootstrap=auc_boot, brier=brier, calibration=calibration,
        incumbent=comparison, fairness=fairness, stability=stability, methods=methods,
        notes=notes,
    )
