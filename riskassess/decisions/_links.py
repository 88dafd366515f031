"""Links between the records of a decision log, and the rules they must keep.

A log holds decisions and, since the safeguards, records that point at a decision by its
record hash (:mod:`riskassess.decisions._safeguards`); a decision may point at the case's
previous decision (the reassessment link). The same rules are checked twice:

* when appending (:func:`check_appends`, inside the append transaction, so two
  supervisors countersigning at once cannot both succeed): a bad link is refused with a
  :class:`~riskassess.exceptions.DecisionError` naming the case id and the field;
* when verifying (:func:`link_problems`): a record that breaks them (written round the
  library by someone with the key) is a ``"link"`` problem, and decisions still waiting
  for their countersignature are listed as *pending*.

The rules: the decision linked to is in the log, before the record, and is a decision;
a countersignature is for a decision that needs one, that has none yet, by someone other
than the deciding officer, not before the decision; a representation or contest is
received after the decision, and a "changed" outcome names a later decision of the same
case; a reassessment links to an earlier decision of the same case.

Examples
--------
>>> record_kind('{"record_type":"contest","decision_hash":"ab"}')
'contest'
>>> record_kind('{"assessment":{"case_id":"C-1"}}')
'decision'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from riskassess.decisions._records import FinalDecision, _final_decision_from_json
from riskassess.decisions._safeguards import (
    DEFAULT_POLICY,
    Countersignature,
    CountersignaturePolicy,
    SafeguardRecord,
    parse_safeguard,
    record_json,
)
from riskassess.decisions._verify import LogProblem
from riskassess.exceptions import DecisionError

__all__ = ["LogRecord", "Lookup", "StoredRecord", "check_appends", "link_problems",
           "parse_record", "record_kind", "record_text"]

#: Any record a decision log stores.
LogRecord = FinalDecision | SafeguardRecord
#: ``lookup(hashes)`` -> (sequence, text, hash) of the records with those hashes and of the
#: safeguard records that name them (possibly more: callers filter).
Lookup = Callable[[Collection[str]], list[tuple[int, str, str]]]

SAFEGUARD_PREFIX = '{"record_type":"'
_SAFEGUARD_BYTES = SAFEGUARD_PREFIX.encode()
_FLAG = b'"countersignature_required":true'
_PREVIOUS = re.compile(rb'"previous_decision_hash":"([0-9a-f]{64})"')
_CASE = re.compile(rb'^\{"assessment":\{"case_id":"([^"\\]*)"')


def record_kind(text: str | bytes) -> str:
    """``"decision"`` or the safeguard record's type, from how the stored text starts."""
    raw = text.encode() if isinstance(text, str) else text
    if not raw.startswith(_SAFEGUARD_BYTES):
        return "decision"
    end = raw.find(b'"', len(_SAFEGUARD_BYTES))
    return raw[len(_SAFEGUARD_BYTES):end].decode("ascii", "replace")


def parse_record(text: str | bytes) -> LogRecord:
    """Read any stored record back (a decision or a safeguard record).

    Raises
    ------
    ValueError
        (pydantic's, or :class:`~riskassess.exceptions.DecisionError`) if it is neither.
    """
    if record_kind(text) == "decision":
        return _final_decision_from_json(text)
    return parse_safeguard(text)


def record_text(record: Any) -> str:
    """The canonical JSON stored for a safeguard record (decisions: ``canonical_json``)."""
    return record_json(record)


@dataclass(frozen=True)
class StoredRecord:
    """A record as it is in the log: sequence, record hash and the parsed record
    (what :meth:`DecisionLog.records` and :meth:`DecisionLog.pending` give).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from riskassess.decisions import Countersignature
    >>> signature = Countersignature(decision_hash="ab" * 32, officer_id="SUP-1",
    ...                              role="supervisor", signed_at=datetime(2024, 3, 2, tzinfo=UTC))
    >>> StoredRecord(sequence=3, hash="cd" * 32, record=signature).record.role
    'supervisor'
    """

    sequence: int
    hash: str
    record: LogRecord


def _index(found: Iterable[tuple[int, str, str]]) -> dict[str, StoredRecord]:
    out: dict[str, StoredRecord] = {}
    for seq, text, digest in found:
        try:
            out[digest] = StoredRecord(int(seq), digest, parse_record(text))
        except (ValueError, TypeError):  # an invalid record is verify(deep=True)'s finding
            continue
    return out


def _signatures(index: dict[str, StoredRecord]) -> dict[str, StoredRecord]:
    """Decision hash -> its first countersignature among the records found."""
    out: dict[str, StoredRecord] = {}
    for stored in sorted(index.values(), key=lambda s: s.sequence):
        rec = stored.record
        if isinstance(rec, Countersignature):
            out.setdefault(rec.decision_hash, stored)
    return out


def _decision(index: dict[str, StoredRecord], digest: str | None,
              before: int | None) -> FinalDecision | None:
    found = index.get(digest or "")
    if found is None or not isinstance(found.record, FinalDecision):
        return None
    if before is not None and found.sequence >= before:
        return None
    return found.record


def _problem(record: LogRecord, seq: int | None, index: dict[str, StoredRecord],
             signed: dict[str, StoredRecord], policy: CountersignaturePolicy | None) -> str | None:
    """Why ``record`` (at ``seq``; None: not stored yet) breaks a link rule, or None."""
    if isinstance(record, FinalDecision):
        link = record.previous_decision_hash
        if link is None:
            return None
        previous = _decision(index, link, seq)
        if previous is None:
            return (f"case {record.case_id!r}, field 'previous_decision_hash': no earlier "
                    f"decision with record hash {link[:12]}… in this log")
        if previous.case_id != record.case_id:
            return (f"case {record.case_id!r}, field 'previous_decision_hash': links to a "
                    f"decision on another case ({previous.case_id!r})")
        return None
    kind = record.record_type
    target = _decision(index, record.decision_hash, seq)
    if target is None:
        return (f"{kind} field 'decision_hash': unknown decision {record.decision_hash[:12]}… "
                "(no earlier decision with that record hash in this log)")
    where = f"case {target.case_id!r}, {kind}"
    if isinstance(record, Countersignature):
        if not target.countersignature_required:
            return f"{where}: the decision does not need a countersignature (it is effective)"
        if record.decision_hash in signed:
            first = signed[record.decision_hash]
            if seq is None or first.sequence < seq:
                return (f"{where}: the decision is already effective (countersigned in record "
                        f"{first.sequence})")
        if record.officer_id == target.officer_id:
            return (f"{where} field 'officer_id': {record.officer_id!r} made the decision and "
                    "cannot countersign it")
        if policy is not None and record.role not in policy.supervisor_roles:
            return (f"{where} field 'role': {record.role!r} may not countersign (roles that "
                    f"may: {sorted(policy.supervisor_roles)})")
        if record.signed_at < target.decided_at:
            return f"{where} field 'signed_at': before the decision was made"
        return None
    if record.received_at < target.decided_at:
        return f"{where} field 'received_at': before the decision was made"
    if record.new_decision_hash is not None:
        new = _decision(index, record.new_decision_hash, seq)
        if new is None:
            return (f"{where} field 'new_decision_hash': unknown decision "
                    f"{record.new_decision_hash[:12]}… (append the new decision first)")
        if new.case_id != target.case_id:
            return (f"{where} field 'new_decision_hash': a decision on another case "
                    f"({new.case_id!r})")
        if new.decided_at < target.decided_at:
            return f"{where} field 'new_decision_hash': the new decision is older"
    return None


def _targets(record: LogRecord) -> list[str]:
    if isinstance(record, FinalDecision):
        return [] if record.previous_decision_hash is None else [record.previous_decision_hash]
    return [h for h in (record.decision_hash, getattr(record, "new_decision_hash", None)) if h]


def check_appends(records: Sequence[LogRecord], lookup: Lookup,
                  policy: CountersignaturePolicy | None) -> None:
    """Refuse a batch of records whose links break the rules (see the module docstring).

    ``policy`` is the log's: with one, each decision's ``countersignature_required`` must
    be what the policy says, and countersigning roles are the policy's; without one
    (``None``), decisions are taken as they are and :data:`DEFAULT_POLICY`'s roles apply.

    Raises
    ------
    DecisionError
        The first problem, naming the case id and the field.
    """
    wanted: set[str] = set()
    # one pass over the batch (it may hold 20,000 decisions); the policy's answer depends
    # only on the two bands, so it is asked once per pair of bands, not once per record
    required: dict[tuple[str, str], bool] = {}
    for rec in records:
        if isinstance(rec, FinalDecision):
            if policy is not None:
                bands = (rec.assessment.band, rec.final_band)
                need = required.get(bands)
                if need is None:
                    need = required[bands] = policy.requires(*bands)
                if rec.countersignature_required != need:
                    what = "needs" if need else "does not need"
                    raise DecisionError(
                        f"case {rec.case_id!r}, field 'countersignature_required': this "
                        f"log's countersignature policy says the decision {what} a "
                        "countersignature; decide again with the log's policy")
            if rec.previous_decision_hash is not None:
                wanted.add(rec.previous_decision_hash)
        else:
            wanted.update(_targets(rec))
    if not wanted:
        return
    index = _index(lookup(wanted))
    signed = _signatures(index)
    roles = policy if policy is not None else DEFAULT_POLICY
    for rec in records:
        why = _problem(rec, None, index, signed, roles)
        if why is not None:
            raise DecisionError(why)
        if isinstance(rec, Countersignature):  # a second one later in the batch is refused
            signed[rec.decision_hash] = StoredRecord(0, "", rec)


@dataclass
class LinkScan:
    """What a verification pass collects for the link checks (a few items per record)."""

    safeguards: list[tuple[int, str, bytes]]
    flagged: list[tuple[int, str]]
    #: (sequence, case id, previous-decision hash) of reassessments: not their text, so a
    #: log of a million reassessments verifies in bounded memory
    linking: list[tuple[int, str | None, str]]

    @classmethod
    def empty(cls) -> LinkScan:
        """A scan that has seen nothing yet."""
        return cls([], [], [])

    def see(self, seq: int, digest: str, rec: bytes) -> None:
        """Note what one stored record (its UTF-8 bytes) contributes to the link checks."""
        if rec.startswith(_SAFEGUARD_BYTES):
            self.safeguards.append((seq, digest, rec))
            return
        if _FLAG in rec:
            self.flagged.append((seq, digest))
        previous = _PREVIOUS.search(rec)
        if previous is not None:
            match = _CASE.match(rec)
            self.linking.append((seq, None if match is None else match.group(1).decode(),
                                 previous.group(1).decode()))


def link_problems(scan: LinkScan, lookup: Lookup) -> tuple[list[LogProblem], tuple[int, ...]]:
    """Link problems of a verified log, and the sequence numbers of pending decisions.

    Examples
    --------
    >>> link_problems(LinkScan.empty(), lambda hashes: [])
    ([], ())
    """
    stored: list[StoredRecord] = []
    problems: list[LogProblem] = []
    for seq, digest, rec in scan.safeguards:
        try:
            stored.append(StoredRecord(seq, digest, parse_record(rec)))
        except (ValueError, TypeError) as exc:
            problems.append(LogProblem("link", seq, seq, f"unreadable record: {exc}"))
    wanted = {h for s in stored for h in _targets(s.record)} | {h for *_, h in scan.linking}
    index = _index(lookup(wanted)) if wanted else {}
    index.update({s.hash: s for s in stored})
    for seq, case_id, link in scan.linking:
        previous = _decision(index, link, seq)
        if previous is None or previous.case_id != case_id:
            what = "no earlier decision" if previous is None else "another case's decision"
            problems.append(LogProblem("link", seq, seq, f"case {case_id!r}, field "
                                       f"'previous_decision_hash': {what} with record hash "
                                       f"{link[:12]}…"))
    signed = _signatures(index)
    valid_signatures: set[str] = set()
    for s in sorted(stored, key=lambda s: s.sequence):
        why = _problem(s.record, s.sequence, index, signed, None)
        if why is not None:
            problems.append(LogProblem("link", s.sequence, s.sequence, why))
        elif isinstance(s.record, Countersignature):
            valid_signatures.add(s.record.decision_hash)
    pending = tuple(seq for seq, digest in scan.flagged if digest not in valid_signatures)
    return problems, pending

