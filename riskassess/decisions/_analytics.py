"""Override analytics: how often officers depart from the model, and how that turned out.

A very high override rate says the tool is not trusted or not fit; a near-zero rate says
rubber-stamping; a rate that drifts month by month says old habits are returning. Once
outcomes are known, comparing overridden cases with agreed ones shows whose judgement
was better calibrated.

Every function takes a decision table from :func:`decisions_frame` (or
``DecisionLog.to_frame()``), a :class:`~riskassess.audit.DecisionLog`, or an iterable
of :class:`~riskassess.decision.FinalDecision`, and returns a pandas DataFrame. Rates
come with 95% Wilson score intervals.

Examples
--------
>>> from datetime import UTC, date, datetime
>>> from riskassess.decisions._records import Assessment, ModelInfo
>>> def case(i, band):
...     return Assessment(case_id=f"C-{i}", assessment_date=date(2024, 1, 2),
...                       probability=0.5, band=band, input_sha256="0" * 64,
...                       model=ModelInfo(name="m", version="1", fingerprint="x"),
...                       created_at=datetime(2024, 1, 2, tzinfo=UTC))
>>> ds = [case(1, "low").decide("o-1"), case(2, "high").decide("o-1"),
...       case(3, "high").decide("o-2", "medium", reason="protective_factors",
...                              rationale="Stable housing and work since last year.")]
>>> override_rates(ds)[["n_decisions", "n_overrides", "override_rate"]].round(3)
     n_decisions  n_overrides  override_rate
all            3            1          0.333
>>> int(override_rates(ds, by="model_band").loc["high", "n_overrides"])
1
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskassess.decisions._frame import decisions_frame
from riskassess.exceptions import ValidationInputError
from riskassess.types import RISK_BANDS

__all__ = ["decisions_frame", "override_outcomes", "override_rates", "wilson_interval"]

_Z95 = 1.959963984540054
_AFTER = ("reason", "direction")  # attributes that exist only for overrides
_ALIASES = {"officer": "officer_id", "band": "model_band", "model": "model_name"}
_DIRECTIONS = ("up", "down")


def wilson_interval(k: Any, n: Any, z: float = _Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``k`` successes in ``n`` trials (NaN where ``n`` is 0).

    Examples
    --------
    >>> lo, hi = wilson_interval(5, 10)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.237, 0.763)
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # exact ends: no rounding residue when every or no trial succeeded
    lo = np.where(n > 0, np.where(k <= 0, 0.0, np.clip(centre - half, 0, 1)), np.nan)
    hi = np.where(n > 0, np.where(k >= n, 1.0, np.clip(centre + half, 0, 1)), np.nan)
    return lo, hi


def _as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        missing = {"case_id", "officer_id", "decided_at", "model_band", "override",
                   "direction", "reason", "probability"} - set(data.columns)
        if missing:
            raise ValidationInputError(f"decision table lacks column(s) {sorted(missing)}")
        return data
    if hasattr(data, "to_frame") and hasattr(data, "verify"):
        frame: pd.DataFrame = data.to_frame()
        return frame
    return decisions_frame(data)


def _keys(by: str | Sequence[str] | None) -> list[str]:
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    allowed = {"model_band", "final_band", "officer_id", "month", "model_name",
               "model_version", *_AFTER}
    out = [_ALIASES.get(k, k) for k in keys]
    bad = [k for k in out if k not in allowed]
    if bad:
        raise ValidationInputError(f"cannot group overrides by {bad}; expected some of "
                                   f"{sorted(allowed | set(_ALIASES))}")
    return out


def _with_month(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if "month" in keys and "month" not in frame.columns:
        frame = frame.assign(month=frame["decided_at"].dt.strftime("%Y-%m").astype("string"))
    if "reason" in keys:
        frame = frame.assign(reason=pd.Categorical(
            frame["reason"].astype(object), categories=_reason_codes()))
    if "direction" in keys:
        frame = frame.assign(direction=pd.Categorical(
            frame["direction"].astype(object), categories=list(_DIRECTIONS)))
    return frame


def _reason_codes() -> list[str]:
    from riskassess.decisions._records import OverrideReason

    return [r.value for r in OverrideReason]


def override_rates(data: Any, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Override rate overall or by group, with 95% Wilson intervals.

    Parameters
    ----------
    data : DataFrame from :func:`decisions_frame`, DecisionLog, or iterable of FinalDecision
    by : str or list of str, optional
        Any of ``model_band`` (alias ``band``), ``final_band``, ``officer_id`` (alias
        ``officer``), ``month`` (of the decision, UTC, ``YYYY-MM``), ``model_name``,
        ``model_version``, ``reason``, ``direction``. For ``reason`` and ``direction``
        the rate is overrides with that reason (direction) over all decisions in the
        group, and ``share_of_overrides`` is added.

    Returns
    -------
    pandas.DataFrame
        Indexed by the group(s) (``"all"`` when ``by`` is None). Not grouped by reason
        or direction: columns ``n_decisions, n_overrides, override_rate, ci_low,
        ci_high, n_up, n_down, up_rate, down_rate``, where ``n_decisions`` counts the
        row's decisions (the rows add up to the whole log). Grouped by reason or
        direction: columns ``n_overrides, share_of_overrides, override_rate, ci_low,
        ci_high, n_decisions_in_group``. A reason is given only with an override, so
        the row's count is ``n_overrides``; ``n_decisions_in_group`` is the rate's
        denominator, the decisions of the other keys' group (all decisions when
        grouped by reason alone), repeated on each reason's row and named so that it
        is not read as that reason's count.

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions._records import Assessment, ModelInfo
    >>> def case(i, band, p):
    ...     return Assessment(case_id=f"C-{i}", assessment_date=date(2024, 1, 2),
    ...                       probability=p, band=band, input_sha256="0" * 64,
    ...                       model=ModelInfo(name="m", version="1", fingerprint="x"),
    ...                       created_at=datetime(2024, 1, 2, tzinfo=UTC))
    >>> at = datetime(2024, 1, 3, tzinfo=UTC)
    >>> ds = [case(1, "low", 0.2).decide("o-1", decided_at=at),
    ...       case(2, "high", 0.7).decide("o-1", decided_at=at),
    ...       case(3, "high", 0.8).decide("o-2", "medium", reason="protective_factors",
    ...                                   rationale="Stable housing and work since 2023.",
    ...                                   decided_at=at)]
    >>> override_rates(ds, by="officer")[["n_decisions", "n_overrides", "override_rate"]]
                n_decisions  n_overrides  override_rate
    officer_id
    o-1                   2            0            0.0
    o-2                   1            1            1.0
    >>> by_reason = override_rates(ds, by="reason")
    >>> [int(by_reason.loc["protective_factors", c]) for c in ("n_overrides",
    ...                                                       "n_decisions_in_group")]
    [1, 3]
    >>> float(by_reason.loc["protective_factors", "share_of_overrides"])
    1.0
    """
    frame = _as_frame(data)
    keys = _keys(by)
    frame = _with_month(frame, keys)
    before = [k for k in keys if k not in _AFTER]
    after = [k for k in keys if k in _AFTER]
    over = frame["override"].astype(bool)
    if not after:
        grouped = frame.assign(_o=over, _up=frame["direction"].eq("up").fillna(False),
                               _down=frame["direction"].eq("down").fillna(False))
        if before:
            g = grouped.groupby(before, observed=True, sort=True)
            out = pd.DataFrame({"n_decisions": g.size(), "n_overrides": g["_o"].sum(),
                                "n_up": g["_up"].sum(), "n_down": g["_down"].sum()})
        else:
            out = pd.DataFrame({"n_decisions": [len(frame)], "n_overrides": [int(over.sum())],
                                "n_up": [int(grouped["_up"].sum())],
                                "n_down": [int(grouped["_down"].sum())]}, index=["all"])
        out = out.astype("int64")
        n = out["n_decisions"].to_numpy()
        out["override_rate"] = out["n_overrides"] / n
        out["ci_low"], out["ci_high"] = wilson_interval(out["n_overrides"], n)
        out["up_rate"] = out["n_up"] / n
        out["down_rate"] = out["n_down"] / n
        return out[["n_decisions", "n_overrides", "override_rate", "ci_low", "ci_high",
                    "n_up", "n_down", "up_rate", "down_rate"]]
    overridden = frame[over]
    levels = [list(frame[k].cat.categories) for k in after]
    if before:
        denom = frame.groupby(before, observed=True).size()
        n_over = overridden.groupby(before, observed=True).size().reindex(denom.index,
                                                                          fill_value=0)
        heads = [k if isinstance(k, tuple) else (k,) for k in denom.index]
        grid = [(*h, *c) for h in heads for c in itertools.product(*levels)]
        index = pd.MultiIndex.from_tuples(grid, names=before + after)
        out = pd.DataFrame(index=index)
        key = index.droplevel(after) if len(before) > 1 else index.get_level_values(0)
        out["n_decisions"] = denom.reindex(key).to_numpy()
        out["_all"] = n_over.reindex(key).to_numpy()
    else:
        index = (pd.MultiIndex.from_product(levels, names=after) if len(after) > 1
                 else pd.Index(levels[0], name=after[0]))
        out = pd.DataFrame({"n_decisions": len(frame), "_all": len(overridden)}, index=index)
    counts = overridden.groupby(before + after, observed=True).size()
    if len(before + after) == 1:
        counts.index = pd.Index(counts.index.astype(object), name=after[0])
    out["n_overrides"] = counts.reindex(out.index, fill_value=0).to_numpy()
    out = out.fillna({"_all": 0}).astype({"n_overrides": "int64", "n_decisions": "int64"})
    n = out["n_decisions"].to_numpy()
    out["override_rate"] = out["n_overrides"] / n
    out["ci_low"], out["ci_high"] = wilson_interval(out["n_overrides"], n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_of_overrides"] = out["n_overrides"] / out["_all"].to_numpy(dtype=float)
    # every decision is in one reason-less row only, so a column named n_decisions here
    # would show the group's total on each reason's row, read as that reason's count
    out = out.rename(columns={"n_decisions": "n_decisions_in_group"})
    return out[["n_overrides", "share_of_overrides", "override_rate", "ci_low", "ci_high",
                "n_decisions_in_group"]]


def _outcome_series(outcomes: Any) -> pd.Series:
    s = pd.Series(outcomes) if not isinstance(outcomes, pd.Series) else outcomes
    if not s.index.is_unique:
        dup = s.index[s.index.duplicated()].unique()[:5].tolist()
        raise ValidationInputError(f"outcomes: case id(s) {dup} appear more than once")
    values = pd.to_numeric(s.astype(object).where(s.notna(), np.nan), errors="coerce")
    bad = s.notna() & ~values.isin([0, 1])
    if bad.any():
        ids = s.index[bad][:5].tolist()
        raise ValidationInputError(
            f"outcomes must be 0/1 (or missing when not yet known); case id(s) {ids} have "
            f"{s[bad].head(5).tolist()}")
    out = values.astype(float)
    out.index = out.index.astype(str)
    return out


def decisions_with_outcomes(data: Any, outcomes: Any, latest_only: bool
                            ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The decision table (the latest decision per case when ``latest_only``), each
    decision's kind ("agreed", "overridden up", "overridden down") and its case's observed
    outcome (NaN when not known); outcomes are checked to be 0/1 with unique case ids."""
    frame = _as_frame(data)
    y = _outcome_series(outcomes)
    if latest_only and len(frame):
        frame = frame.sort_values("decided_at", kind="stable").drop_duplicates(
            "case_id", keep="last")
    decision = np.where(~frame["override"].astype(bool), "agreed",
                        np.where(frame["direction"].eq("up").fillna(False), "overridden up",
                                 "overridden down"))
    outcome = frame["case_id"].astype(str).map(y).to_numpy(dtype=float)
    return frame, decision, outcome


def override_outcomes(data: Any, outcomes: Any, *, by_band: bool = True,
                      latest_only: bool = True) -> pd.DataFrame:
    """Reoffending among agreed and overridden cases, with 95% Wilson intervals.

    Parameters
    ----------
    data : DataFrame from :func:`decisions_frame`, DecisionLog, or iterable of FinalDecision
    outcomes : pandas.Series
        Outcome (1 reoffended, 0 not, missing = not yet known) indexed by case id.
    by_band : bool, default True
        Also break down by the model's band (rows ``("all", ...)`` are always present).
    latest_only : bool, default True
        Use only each case's latest decision.

    Returns
    -------
    pandas.DataFrame
        Index (model_band, decision) with decision one of ``agreed``, ``overridden up``,
        ``overridden down``; columns ``n_decisions, n_known, n_reoffended,
        reoffence_rate, ci_low, ci_high, mean_predicted`` (the model's mean probability
        over cases with a known outcome).

    Raises
    ------
    ValidationInputError
        If outcomes are not 0/1 or a case id repeats (names the case ids).

    Examples
    --------
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions._records import Assessment, ModelInfo
    >>> def case(i, band, p):
    ...     return Assessment(case_id=f"C-{i}", assessment_date=date(2024, 1, 2),
    ...                       probability=p, band=band, input_sha256="0" * 64,
    ...                       model=ModelInfo(name="m", version="1", fingerprint="x"),
    ...                       created_at=datetime(2024, 1, 2, tzinfo=UTC))
    >>> at = datetime(2024, 1, 3, tzinfo=UTC)
    >>> ds = [case(1, "low", 0.2).decide("o-1", decided_at=at),
    ...       case(2, "high", 0.7).decide("o-1", decided_at=at),
    ...       case(3, "high", 0.8).decide("o-2", "medium", reason="protective_factors",
    ...                                   rationale="Stable housing and work since 2023.",
    ...                                   decided_at=at)]
    >>> import pandas as pd
    >>> y = pd.Series({"C-1": 0, "C-2": 1, "C-3": 0})
    >>> out = override_outcomes(ds, y, by_band=False)
    >>> out[["n_known", "reoffence_rate", "mean_predicted"]]
                                n_known  reoffence_rate  mean_predicted
    model_band decision
    all        agreed                 2             0.5            0.45
               overridden down        1             0.0            0.80
    >>> override_outcomes(ds, pd.Series({"C-1": 2}))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ValidationInputError: outcomes must be 0/1 ... ['C-1'] have [2]
    """
    frame, decision, outcome = decisions_with_outcomes(data, outcomes, latest_only)
    work = pd.DataFrame({"model_band": frame["model_band"].astype(str).to_numpy(),
                         "decision": decision, "y": outcome,
                         "p": frame["probability"].to_numpy(dtype=float)})
    work["known"] = ~np.isnan(work["y"])
    parts = [work.assign(model_band="all")]
    if by_band:
        parts.append(work)
    full = pd.concat(parts, ignore_index=True)
    known = full[full["known"]]
    g_all = full.groupby(["model_band", "decision"]).size().rename("n_decisions")
    g = known.groupby(["model_band", "decision"])
    out = pd.concat([g_all, g.size().rename("n_known"), g["y"].sum().rename("n_reoffended"),
                     g["p"].mean().rename("mean_predicted")], axis=1)
    out = out.fillna({"n_known": 0, "n_reoffended": 0}).astype(
        {"n_known": "int64", "n_reoffended": "int64", "n_decisions": "int64"})
    n = out["n_known"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["reoffence_rate"] = out["n_reoffended"] / n
    out["ci_low"], out["ci_high"] = wilson_interval(out["n_reoffended"], n)
    order = {b: i for i, b in enumerate(["all", *RISK_BANDS])}
    dorder = {"agreed": 0, "overridden up": 1, "overridden down": 2}
    out = out.sort_index(key=lambda idx: idx.map(order) if idx.name == "model_band"
                         else idx.map(dorder))
    return out[["n_decisions", "n_known", "n_reoffended", "reoffence_rate", "ci_low",
                "ci_high", "mean_predicted"]]
