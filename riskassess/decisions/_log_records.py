"""What a :class:`~riskassess.decisions.DecisionLog` knows beyond decisions: safeguards.

The methods here are mixed into ``DecisionLog`` (kept apart so that neither module grows
past what a reader can hold): every record with its kind (:meth:`records`),
countersigning (:meth:`countersign`), the status of a decision (:meth:`status`,
:meth:`pending`), and the tables the analytics read (:meth:`to_frame`,
:meth:`safeguards_frame`).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from datetime import UTC, date, datetime
>>> from riskassess.decisions import Assessment, DecisionLog, ModelInfo
>>> a = Assessment(case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.3,
...                band="medium", model=ModelInfo(name="m", version="1", fingerprint="x"),
...                input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
>>> raised = a.decide("off-1", "high", reason="serious_harm",
...                   rationale="Recent threats to a former partner reported by police.",
...                   decided_at=datetime(2024, 3, 2, tzinfo=UTC))
>>> with tempfile.TemporaryDirectory() as tmp, DecisionLog(Path(tmp) / "log.sqlite") as log:
...     receipt = log.append(raised)
...     before = log.status(receipt)
...     _ = log.countersign(receipt, "sup-4", signed_at=datetime(2024, 3, 3, tzinfo=UTC))
...     print(before, log.status(receipt), log.verify().pending)
pending effective ()
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from riskassess.decisions._links import StoredRecord, parse_record, record_kind
from riskassess.decisions._records import FinalDecision
from riskassess.decisions._safeguards import Countersignature
from riskassess.exceptions import AuditLogError, DecisionError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from riskassess.decisions._chain import Receipt
    from riskassess.decisions._storage import LogStorage

__all__ = ["SafeguardMethods"]


def _accepted(decision: dict[str, Any], signature: dict[str, Any]) -> bool:
    """Whether a stored countersignature makes the stored decision effective: the rules
    appends enforce, re-checked so that one written round the library (which ``verify``
    reports as a link problem) never counts."""
    return (bool(decision.get("countersignature_required"))
            and signature.get("officer_id") != decision.get("officer_id")
            and datetime.fromisoformat(signature["signed_at"])
            >= datetime.fromisoformat(decision["decided_at"]))


def _hash_of(decision: Any) -> str:
    value = getattr(decision, "hash", decision)
    if not isinstance(value, str) or len(value) != 64:
        raise DecisionError(f"field 'decision_hash': expected a record hash (64 hex digits) "
                            f"or a Receipt, got {value!r:.80}")
    return value


class SafeguardMethods:
    """The safeguard half of :class:`~riskassess.decisions.DecisionLog` (a mixin)."""

    if TYPE_CHECKING:  # pragma: no cover - DecisionLog defines it

        @property
        def _live(self) -> LogStorage: ...

    def records(self) -> Iterator[StoredRecord]:
        """Every record, in order, with its sequence number and record hash.

        Decisions come back as :class:`FinalDecision`, safeguard records as
        :class:`Countersignature`, :class:`Representation` or :class:`Contest`.

        Raises
        ------
        AuditLogError
            If a stored record is neither (names its sequence number).
        """
        for seq, _, text, digest, _ in self._live.rows():
            try:
                yield StoredRecord(seq, digest, parse_record(text))
            except ValueError as exc:
                raise AuditLogError(f"record {seq} is not a valid decision or safeguard "
                                    f"record: {exc}") from exc

    def countersign(self, decision: Any, officer_id: str, role: str = "supervisor", *,
                    signed_at: datetime | None = None, note: str | None = None) -> Receipt:
        """Countersign a pending decision (a :class:`Countersignature` record).

        Parameters
        ----------
        decision : Receipt or str
            The decision's receipt, or its record hash.
        officer_id : str
            The countersigning officer (not the one who decided).
        role : str, default "supervisor"
            Their role; must be one the log's policy lets countersign.
        signed_at : datetime, optional
            Timezone-aware time (default: now, UTC).
        note : str, optional
            Plain-text note.

        Raises
        ------
        DecisionError
            For an unknown decision, one that does not need a countersignature or is
            already effective, or a countersignature by the deciding officer.
        """
        try:
            record = Countersignature(decision_hash=_hash_of(decision), officer_id=officer_id,
                                      role=role, signed_at=signed_at or datetime.now(UTC),
                                      note=note)
        except ValueError as exc:
            raise DecisionError(f"countersignature: {exc}") from None
        receipt: Receipt = self.append(record)  # type: ignore[attr-defined]
        return receipt

    def status(self, decision: Any) -> Literal["pending", "effective"]:
        """``"pending"`` until a decision needing a countersignature has one, else
        ``"effective"``.

        Raises
        ------
        DecisionError
            If the log holds no decision with that record hash.
        """
        digest = _hash_of(decision)
        found = [r for r in self._live.lookup([digest])]
        target = [parse_record(t) for s, t, h in found if h == digest]
        if not target or not isinstance(target[0], FinalDecision):
            raise DecisionError(f"field 'decision_hash': unknown decision {digest[:12]}… "
                                "(no decision with that record hash in this log)")
        if not target[0].countersignature_required:
            return "effective"
        data = json.loads(target[0]._canonical_json())
        signed = any(record_kind(t) == "countersignature" and json.loads(t).get(
            "decision_hash") == digest and _accepted(data, json.loads(t)) for _, t, _ in found)
        return "effective" if signed else "pending"

    def pending(self) -> list[StoredRecord]:
        """The decisions waiting for a countersignature, in log order."""
        frame = self.to_frame()
        waiting = set(frame.loc[frame["status"] == "pending", "hash"])
        return [s for s in self.records() if s.hash in waiting]

    def to_frame(self) -> pd.DataFrame:
        """One row per decision (see :func:`riskassess.decisions.decisions_frame`), with
        its status and countersignature.

        Columns added to the decision table: ``status`` (``"pending"`` /
        ``"effective"``), ``countersigned_by``, ``countersigner_role`` and
        ``countersigned_at`` (missing when not countersigned). Override rates:
        ``riskassess.decisions.override_rates(log, by=...)``.
        """
        import pandas as pd

        from riskassess.decisions._frame import decisions_frame

        decisions, seqs, hashes = [], [], []
        by_hash: dict[str, dict[str, Any]] = {}
        signed: dict[str, dict[str, Any]] = {}
        for seq, _, text, digest, _ in self._live.rows():
            data = json.loads(text)
            if record_kind(text) == "decision":
                decisions.append(data)
                seqs.append(seq)
                hashes.append(digest)
                by_hash[digest] = data
            elif data.get("record_type") == "countersignature":
                target = by_hash.get(data["decision_hash"])
                if target is not None and _accepted(target, data):
                    signed.setdefault(data["decision_hash"], data)
        frame = decisions_frame(decisions, sequence=seqs, hashes=hashes)
        sig = [signed.get(h, {}) for h in hashes]
        frame["status"] = pd.Series(
            ["pending" if need and not s else "effective"
             for need, s in zip(frame["countersignature_required"], sig, strict=True)],
            dtype="string")
        frame["countersigned_by"] = pd.Series([s.get("officer_id") for s in sig],
                                              dtype="string")
        frame["countersigner_role"] = pd.Series([s.get("role") for s in sig], dtype="string")
        frame["countersigned_at"] = pd.to_datetime(pd.Series([s.get("signed_at") for s in sig],
                                                             dtype=object),
                                                   utc=True, format="ISO8601")
        return frame

    def safeguards_frame(self) -> pd.DataFrame:
        """One row per representation or contest, with the decision it concerns.

        Columns: ``sequence``, ``record_type``, ``decision_hash``, ``case_id``,
        ``officer_id`` (who decided), ``made_by``, ``received_at``, ``recorded_by``,
        ``outcome``, ``outcome_at``, ``reviewed_by``, ``new_decision_hash``,
        ``days_to_outcome``.
        """
        import pandas as pd

        cases: dict[str, tuple[str, str]] = {}
        rows = []
        for seq, _, text, digest, _ in self._live.rows():
            data = json.loads(text)
            if record_kind(text) == "decision":
                cases[digest] = (data["assessment"]["case_id"], data["officer_id"])
            elif data.get("record_type") in ("representation", "contest"):
                case, officer = cases.get(data["decision_hash"], (None, None))
                rows.append({"sequence": seq, "record_type": data["record_type"],
                             "decision_hash": data["decision_hash"], "case_id": case,
                             "officer_id": officer, "made_by": data["made_by"],
                             "received_at": data["received_at"],
                             "recorded_by": data["recorded_by"], "outcome": data["outcome"],
                             "outcome_at": data["outcome_at"],
                             "reviewed_by": data["reviewed_by"],
                             "new_decision_hash": data.get("new_decision_hash")})
        columns = ["sequence", "record_type", "decision_hash", "case_id", "officer_id",
                   "made_by", "received_at", "recorded_by", "outcome", "outcome_at",
                   "reviewed_by", "new_decision_hash"]
        frame = pd.DataFrame(rows, columns=columns)
        for col in columns[1:]:
            if col not in ("received_at", "outcome_at"):
                frame[col] = frame[col].astype("string")
        for col in ("received_at", "outcome_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
        frame["sequence"] = frame["sequence"].astype("int64")
        frame["days_to_outcome"] = ((frame["outcome_at"] - frame["received_at"])
                                    .dt.total_seconds() / 86400.0)
        return frame
