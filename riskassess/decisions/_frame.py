"""The decision table: one row per logged decision, typed for analysis.

:func:`decisions_frame` is what ``DecisionLog.to_frame()`` returns and what the override
analytics read. It lives beside the log, not in the analytics module, because data flows
one way: the analytics may import the log's table, the log must not import analytics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import DecisionTypeError
from riskassess.types import RISK_BANDS

__all__ = ["decisions_frame"]


def decisions_frame(decisions: Iterable[Any], *, sequence: Sequence[int] | None = None,
                    hashes: Sequence[str] | None = None) -> pd.DataFrame:
    """A table of decisions, one row each.

    Parameters
    ----------
    decisions : iterable of FinalDecision or their JSON dictionaries
    sequence, hashes : sequences, optional
        Log sequence numbers and record hashes (added as columns when given).

    Returns
    -------
    pandas.DataFrame
        Columns case_id, officer_id, assessment_date, decided_at (UTC), model_name,
        model_version, model_fingerprint, probability, model_band, final_band (ordered
        categoricals), override, direction, reason, rationale, effective_date,
        review_date (missing in records written before they existed),
        countersignature_required, previous_decision_hash, and sequence / hash.

    Raises
    ------
    DecisionTypeError
        If an item is neither a FinalDecision nor a mapping (also a TypeError).

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
    >>> frame = decisions_frame(ds, sequence=[1, 2, 3])
    >>> frame[["sequence", "case_id", "model_band", "final_band", "override", "direction"]]
       sequence case_id model_band final_band  override direction
    0         1     C-1        low        low     False      <NA>
    1         2     C-2       high       high     False      <NA>
    2         3     C-3       high     medium      True      down
    >>> str(frame["decided_at"].dt.tz), frame["final_band"].cat.ordered
    ('UTC', True)
    """
    rows = []
    for d in decisions:
        if isinstance(d, Mapping):
            data: Mapping[str, Any] = d
        elif hasattr(d, "model_dump") and hasattr(d, "final_band"):
            data = d.model_dump(mode="json")
        else:
            raise DecisionTypeError(f"expected FinalDecision objects, got {type(d)}")
        a = data["assessment"]
        rows.append({
            "case_id": a["case_id"], "officer_id": data["officer_id"],
            "assessment_date": a["assessment_date"], "decided_at": data["decided_at"],
            "model_name": a["model"]["name"], "model_version": a["model"]["version"],
            "model_fingerprint": a["model"]["fingerprint"], "probability": a["probability"],
            "model_band": a["band"], "final_band": data["final_band"],
            "override": data["override"], "direction": data["direction"],
            "reason": data["reason"], "rationale": data["rationale"],
            # absent from records written before the safeguards: missing / False
            "effective_date": data.get("effective_date"),
            "review_date": data.get("review_date"),
            "countersignature_required": bool(data.get("countersignature_required", False)),
            "previous_decision_hash": data.get("previous_decision_hash"),
        })
    columns = ["case_id", "officer_id", "assessment_date", "decided_at", "model_name",
               "model_version", "model_fingerprint", "probability", "model_band", "final_band",
               "override", "direction", "reason", "rationale", "effective_date", "review_date",
               "countersignature_required", "previous_decision_hash"]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("case_id", "officer_id", "model_name", "model_version", "model_fingerprint",
                "direction", "reason", "rationale", "previous_decision_hash"):
        frame[col] = frame[col].astype("string")
    frame["assessment_date"] = pd.to_datetime(frame["assessment_date"])
    for col in ("effective_date", "review_date"):
        frame[col] = pd.to_datetime(frame[col])
    frame["countersignature_required"] = frame["countersignature_required"].astype(bool)
    frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True, format="ISO8601")
    frame["probability"] = frame["probability"].astype(float)
    frame["override"] = frame["override"].astype(bool)
    bands = pd.CategoricalDtype(list(RISK_BANDS), ordered=True)
    frame["model_band"] = frame["model_band"].astype(bands)
    frame["final_band"] = frame["final_band"].astype(bands)
    if sequence is not None:
        frame.insert(0, "sequence", np.asarray(sequence, dtype=np.int64))
    if hashes is not None:
        frame["hash"] = pd.Series(list(hashes), dtype="string")
    return frame
