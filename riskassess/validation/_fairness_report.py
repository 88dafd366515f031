"""The validators' fairness parts of :func:`~riskassess.validation.validate`, and their
rendering.

:func:`validation_parts` computes, for the report, the disparity ratios against the
reference group (with calibration by decile within each group), the intersectional
groups asked for, and the decision curves (overall and per group, at one threshold for
everyone); :func:`parts_to_dict` and :func:`parts_to_html` render them. The renderer of
the rest of the report calls the last two, so this module holds all of these parts'
logic.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.05, 0.95, 800); y = (rng.random(800) < p).astype(np.int8)
>>> attrs = pd.DataFrame({"race": rng.choice(["A", "B"], 800), "sex": rng.choice(["F", "M"], 800)})
>>> parts = validation_parts(y, p, 0.5, groups=attrs["race"], intersections=[("race", "sex")],
...                          attributes=attrs, X=None, y=y, reference_group="A",
...                          min_group_size=30, level=0.95)
>>> parts.disparity.reference, [i.name for i in parts.intersections]
('A', ['race × sex'])
>>> sorted(parts.to_report())
['decision_curve', 'disparity', 'intersections']
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskassess.exceptions import ValidationInputError
from riskassess.validation._disparity import (
    Disparity,
    _method,
    calibration_rows,
    disparity_table,
    resolve_reference,
)
from riskassess.validation._group_inputs import group_codes
from riskassess.validation._inputs import case_names
from riskassess.validation._intersectional import (
    Intersection,
    intersection_columns,
    intersectional_groups,
)
from riskassess.validation._net_benefit import DecisionCurve, decision_curve

if TYPE_CHECKING:  # pragma: no cover
    from riskassess.validation._results import ValidationReport

__all__ = ["FairnessParts", "parts_to_dict", "parts_to_html", "validation_parts"]


@dataclass
class FairnessParts:
    """What :func:`validation_parts` adds to a report, with its methods and notes."""

    disparity: Disparity | None
    intersections: tuple[Intersection, ...]
    decision_curve: DecisionCurve
    methods: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_report(self) -> dict[str, Any]:
        """The entries of the report's mapping (keys are its property names)."""
        return {"disparity": self.disparity, "intersections": self.intersections,
                "decision_curve": self.decision_curve}


def _small_notes(prefix: str, table: pd.DataFrame) -> list[str]:
    return [f"{prefix} {r['group']!r} (n={r['n']}): {r['note']}"
            for r in table.to_dict("records") if r["small"]]


def validation_parts(
    labels: np.ndarray, scores: np.ndarray, threshold: float, *, groups: Any,
    intersections: Sequence[Sequence[str]] | None, attributes: Any, X: Any, y: Any,
    reference_group: Any, min_group_size: int, level: float,
) -> FairnessParts:
    """Disparity, intersections and decision curves for checked labels and scores.

    ``groups`` is the raw ``groups`` argument of ``validate`` (checked here again, so
    this function can also be used on its own); intersection columns are looked up in
    ``attributes``, then ``groups`` (by its name), then ``X``. The raw ``y`` and ``X``
    only lend their pandas index to name cases in messages.
    """
    n = len(labels)
    ids = case_names(n, y, X, groups)
    index = ids.pandas_index
    pred = (scores >= threshold).astype(np.int8)
    methods: dict[str, str] = {}
    notes: list[str] = []
    disparity = None
    group_arg = None
    if groups is not None:
        group_labels, codes = group_codes(groups, ids)
        group_arg = np.asarray(group_labels, dtype=object)[codes]
        if len(group_labels) >= 2:
            reference = resolve_reference(group_labels, np.bincount(codes), reference_group)
            table = disparity_table(labels, scores, pred, group_labels, codes, reference,
                                    level=level, min_group_size=min_group_size)
            attribute = str(getattr(groups, "name", None) or "group")
            disparity = Disparity(attribute, reference, table, level, 0.05, 0.8,
                                  _method(level, 0.05, 0.8),
                                  calibration_rows(labels, scores, group_labels, codes,
                                                   "decile", level))
            methods["disparity ratios"] = disparity.method + (
                "; reference group " + repr(reference)
                + (" (the largest)" if reference_group is None else ""))
            methods["calibration within groups"] = (
                "observed vs mean predicted per decile of the whole cohort's scores, "
                "Wilson intervals")
        elif reference_group is not None:
            raise ValidationInputError(
                f"reference_group: only one group ({group_labels[0]!r}); nothing to compare")
    elif reference_group is not None:
        raise ValidationInputError("reference_group needs groups= (the audit attribute)")
    found: list[Intersection] = []
    for names in intersections or ():
        columns = intersection_columns(tuple(names), attributes, groups, X)
        if index is not None and len(columns) == n:
            columns.index = index  # so that a message names the case, not the row
        inter = intersectional_groups(labels, scores, columns, threshold=threshold,
                                      min_group_size=min_group_size, level=level)
        found.append(inter)
        notes += _small_notes(f"{inter.name} group", inter.groups)
    if found:
        methods["intersections"] = (
            "every combination of the attributes' values, including those with no "
            f"cases; fewer than {min_group_size} cases marked small, never dropped")
    operating = threshold if 0.0 < threshold < 1.0 else None
    curve = decision_curve(labels, scores, group_arg, operating_threshold=operating)
    methods["decision curve"] = (
        "net benefit TP/n - FP/n * t/(1-t) against treat-all and treat-none (Vickers & "
        "Elkin 2006), thresholds 0.01 to 0.99; one threshold for every group")
    return FairnessParts(disparity, tuple(found), curve, methods, notes)


def parts_to_dict(report: ValidationReport) -> dict[str, Any]:
    """The report's disparity, intersections and decision curve as plain objects.

    The caller cleans NaN (the renderer's ``clean``) after merging.
    """
    d: Disparity | None = getattr(report, "disparity", None)
    curve: DecisionCurve | None = getattr(report, "decision_curve", None)
    inters: tuple[Intersection, ...] = getattr(report, "intersections", ())
    return {
        "disparity": None if d is None else {
            "attribute": d.attribute, "reference": d.reference, "table": d.table,
            "calibration_by_decile": d.calibration_by_decile, "method": d.method},
        "intersections": [
            {"attributes": list(i.attributes), "groups": i.groups,
             "disparity": None if i.disparity is None else {
                 "reference": i.disparity.reference, "table": i.disparity.table}}
            for i in inters],
        "decision_curve": None if curve is None else {
            "operating_threshold": curve.operating_threshold,
            "at_operating": curve.at_operating, "useful_range": curve.useful_range,
            "table": curve.table, "note": curve.note},
    }


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, na_rep="–", float_format=lambda v: f"{v:.4f}",
                         escape=True, border=0)


_DISPARITY_COLUMNS = ["group", "metric", "value", "reference_value", "ratio", "lower",
                      "upper", "n", "n_reference", "small", "distinct",
                      "detectable_ratio_low", "detectable_ratio_high", "note"]


def parts_to_html(report: ValidationReport) -> list[str]:
    """HTML blocks of the disparity, intersections and decision curve parts."""
    e = html.escape
    out: list[str] = ["<h2>Disparity ratios, intersections and net benefit</h2>"]
    d: Disparity | None = getattr(report, "disparity", None)
    if d is not None:
        out += [f"<h3>Disparity ratios by {e(d.attribute)} (reference: {e(d.reference)})</h3>",
                f"<p>{e(d.method)}. A ratio inside the detectable range "
                "(detectable_ratio_low to detectable_ratio_high) is one the data could not "
                "tell from parity.</p>", _table(d.table[_DISPARITY_COLUMNS])]
        if d.calibration_by_decile is not None:
            out += ["<h3>Calibration within groups, by decile</h3>",
                    _table(d.calibration_by_decile)]
    for inter in getattr(report, "intersections", ()):
        out += [f"<h3>Intersectional groups: {e(inter.name)}</h3>",
                _table(inter.groups.drop(columns=["auc_variance"], errors="ignore"))]
        if inter.disparity is not None:
            out += [f"<p>Disparity ratios (reference: {e(inter.disparity.reference)})</p>",
                    _table(inter.disparity.table[_DISPARITY_COLUMNS])]
    curve: DecisionCurve | None = getattr(report, "decision_curve", None)
    if curve is not None:
        out += ["<h3>Decision curve (net benefit)</h3>",
                f'<p class="statement">{e(curve.note)}</p>']
        if len(curve.at_operating):
            out.append(_table(curve.at_operating))
        out.append(_table(curve.useful_range))
    return out
