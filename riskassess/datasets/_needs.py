"""OASys need items for synthetic people: true values, and what the record holds.

Private to :mod:`riskassess.datasets`. Every person has a true value of every item
(:func:`draw_true_needs`); the true risk reads those. The case record holds them except
where OASys was not completed (:func:`recorded_mask`): 20% of people have no need items
at all (``Case.needs`` absent), and each OASys section of the others is missing with
probability 2%, so ``form="auto"`` of the dynamic predictors falls back to STATIC for them.

Items share one latent criminogenic-need factor ``eta ~ N(0, 1)`` shifted by the
person's history (Copas rate, custodial sentences), so needs and history correlate as
they do in practice, and each item adds its own noise.

The columns of :data:`NEED_COLUMNS` (all small integers):

* the scalar items by their :class:`~riskassess.cases.NeedItems` field name, holding the
  OASys score (problem levels and drug motivation 0/1/2, flags 0/1);
  ``relationship_status`` holds the position in
  :class:`~riskassess.cases.RelationshipStatus`;
* ``uses_<drug>``: 1 when the person uses the drug (``NeedItems.drugs_used``);
* ``previous_<kind>``: 1 for each kind of serious previous conviction
  (``NeedItems.previous_serious_convictions``);
* ``weapon``: the index offence involved a weapon (``IndexOffence.weapon``).

Examples
--------
>>> len(NEED_COLUMNS), NEED_COLUMNS[0], NEED_COLUMNS[-1]
(36, 'accommodation', 'weapon')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskassess.cases import DrugUse, PreviousConviction, RelationshipStatus

__all__ = ["NEED_COLUMNS", "draw_true_needs", "need_dicts", "recorded_mask"]

# scalar items: name -> (kind, cut points on the latent scale, loading on eta)
_SCALARS: dict[str, tuple[str, tuple[float, ...], float]] = {
    "accommodation": ("level", (0.4, 1.5), 0.6),
    "unemployed": ("flag", (-0.1,), 0.7),
    "relationship_with_partner": ("level", (0.6, 1.7), 0.4),
    "relationship_status": ("status", (), 0.0),
    "domestic_abuse": ("flag", (1.0,), 0.5),
    "regular_offending_activities": ("level", (0.3, 1.3), 0.8),
    "drug_motivation": ("level", (0.5, 1.4), 0.6),
    "current_alcohol_use": ("level", (0.6, 1.6), 0.4),
    "binge_drinking": ("level", (0.5, 1.5), 0.4),
    "impulsivity": ("level", (0.2, 1.2), 0.7),
    "temper_control": ("level", (0.4, 1.4), 0.6),
    "pro_criminal_attitudes": ("level", (0.3, 1.3), 0.8),
}
# drug -> base log-odds of use (eta adds 0.8 per unit)
_DRUG_BASE: dict[str, float] = {
    "heroin": -2.6, "methadone": -3.2, "other_opiate": -4.0, "crack_cocaine": -2.3,
    "powder_cocaine": -1.8, "misused_prescription_drugs": -3.0, "benzodiazepines": -3.2,
    "cannabis": -0.6, "steroids": -4.5, "other_drugs": -4.0, "ketamine": -4.0,
    "spice": -3.5, "hallucinogens": -4.5, "solvents": -5.0,
}
_DRUGS = [d.value for d in DrugUse]
_KINDS = [k.value for k in PreviousConviction]
_STATUSES = [s.value for s in RelationshipStatus]
_P_STATUS = np.array([0.50, 0.30, 0.20])

#: The need-item columns of ``Cohort.needs`` / ``Cohort.true_needs``, in order.
NEED_COLUMNS: tuple[str, ...] = (
    *_SCALARS, *(f"uses_{d}" for d in _DRUGS), *(f"previous_{k}" for k in _KINDS), "weapon")

# OASys sections: the columns that go missing together when a section is not completed
_SECTIONS: tuple[tuple[str, ...], ...] = (
    ("accommodation",), ("unemployed",),
    ("relationship_with_partner", "relationship_status", "domestic_abuse"),
    ("regular_offending_activities",),
    ("drug_motivation", *(f"uses_{d}" for d in _DRUGS)),
    ("current_alcohol_use", "binge_drinking"), ("impulsivity", "temper_control"),
    ("pro_criminal_attitudes",), tuple(f"previous_{k}" for k in _KINDS), ("weapon",),
)
P_NO_NEEDS = 0.20
P_SECTION_MISSING = 0.02


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def draw_true_needs(rng: np.random.Generator, features: pd.DataFrame,
                    history: dict[str, np.ndarray]) -> pd.DataFrame:
    """Every need item's true value for every case (no missing values).

    Parameters
    ----------
    rng : numpy.random.Generator
    features : pandas.DataFrame
        The cohort's features (``copas_rate``, ``previous_custodial``).
    history : dict of numpy.ndarray
        Per case: ``robbery``, ``burglary``, ``damage``, ``violent`` (previous sanctions
        of that kind, counts) and ``index_violent`` (bool).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NEED_COLUMNS` (int8), index of ``features``.
    """
    n = len(features)
    shift = (0.5 * np.tanh(features["copas_rate"].to_numpy(dtype=float) + 1.0)
             + 0.25 * np.log1p(features["previous_custodial"].to_numpy(dtype=float)))
    eta = shift - 0.45 + rng.standard_normal(n)  # centred near 0 on the typical history
    out: dict[str, np.ndarray] = {}
    for name, (kind, cuts, loading) in _SCALARS.items():
        if kind == "status":
            out[name] = rng.choice(len(_STATUSES), size=n, p=_P_STATUS).astype(np.int8)
            continue
        latent = loading * eta + np.sqrt(1.0 - loading ** 2) * rng.standard_normal(n)
        out[name] = sum((latent > cut).astype(np.int8) for cut in cuts)
    for drug in _DRUGS:
        out[f"uses_{drug}"] = (rng.random(n) < _sigmoid(_DRUG_BASE[drug] + 0.8 * eta))
    # serious previous convictions follow the recorded history where it can say
    u = rng.random((len(_KINDS), n))
    violent = history["violent"] > 0
    chance = {
        "homicide": np.where(violent, 0.004, 0.0),
        "wounding_gbh": np.where(violent, 0.30, 0.01),
        "kidnapping": np.where(violent, 0.01, 0.0),
        "firearms": np.where(violent, 0.03, 0.005),
        "robbery": np.where(history["robbery"] > 0, 0.9, 0.0),
        "aggravated_burglary": np.where(history["burglary"] > 0, 0.05, 0.0),
        "weapon": _sigmoid(-2.5 + 0.8 * eta),
        "criminal_damage": np.where(history["damage"] > 0, 0.6, 0.02),
        "arson": np.where(history["damage"] > 0, 0.06, 0.002),
    }
    for row, kind in enumerate(_KINDS):
        out[f"previous_{kind}"] = u[row] < chance[kind]
    out["weapon"] = rng.random(n) < np.where(history["index_violent"], 0.30, 0.03)
    return pd.DataFrame({c: np.asarray(out[c], dtype=np.int8) for c in NEED_COLUMNS},
                        index=features.index)


def recorded_mask(rng: np.random.Generator, n: int) -> np.ndarray:
    """Which items the record holds: ``(n, len(NEED_COLUMNS))`` bool, False = not recorded."""
    mask = np.ones((n, len(NEED_COLUMNS)), dtype=bool)
    none = rng.random(n) < P_NO_NEEDS
    missing = rng.random((len(_SECTIONS), n)) < P_SECTION_MISSING
    for row, section in enumerate(_SECTIONS):
        columns = [NEED_COLUMNS.index(c) for c in section]
        mask[np.ix_(missing[row] | none, columns)] = False
    return mask


_LEVELS = ("no_problems", "some_problems", "significant_problems")
_MOTIVATION = ("full_motivation", "partial_motivation", "no_motivation")


def need_dicts(recorded: pd.DataFrame) -> list[tuple[dict[str, Any] | None, bool | None]]:
    """Each case's ``needs`` dict (None when nothing is recorded) and index weapon flag.

    Parameters
    ----------
    recorded : pandas.DataFrame
        ``Cohort.needs`` (nullable Int8, ``<NA>`` = not recorded).

    Returns
    -------
    list of (dict or None, bool or None)
    """
    values = {c: recorded[c].to_numpy(dtype=np.int8, na_value=-1) for c in NEED_COLUMNS}
    drug_columns = [f"uses_{d}" for d in _DRUGS]
    kind_columns = [f"previous_{k}" for k in _KINDS]
    out: list[tuple[dict[str, Any] | None, bool | None]] = []
    for i in range(len(recorded)):
        needs: dict[str, Any] = {}
        for name, (kind, _, _) in _SCALARS.items():
            value = int(values[name][i])
            if value < 0:
                continue
            if kind == "flag":
                needs[name] = bool(value)
            elif kind == "status":
                needs[name] = _STATUSES[value]
            else:
                needs[name] = (_MOTIVATION if name == "drug_motivation" else _LEVELS)[value]
        if values[drug_columns[0]][i] >= 0:
            needs["drugs_used"] = [d for d, c in zip(_DRUGS, drug_columns, strict=True)
                                   if values[c][i] == 1]
        if values[kind_columns[0]][i] >= 0:
            needs["previous_serious_convictions"] = [
                k for k, c in zip(_KINDS, kind_columns, strict=True) if values[c][i] == 1]
        weapon = int(values["weapon"][i])
        out.append((needs or None, None if weapon < 0 else bool(weapon)))
    return out
