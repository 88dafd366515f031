"""Tamper diagnosis for the decision log: which records were changed, and how.

The chain (see :mod:`riskassess.decisions._chain`) puts each record's sequence number
inside its hash, so a record's hash also says where it belongs. :func:`diagnose` uses
that to tell apart records that were

* **edited**: content no longer matches its hash at any position (or, if its hash was
  recomputed, the next record no longer links to it);
* **deleted**: a position of the original chain that no record holds any more;
* **reordered**: an intact record found at a position other than the one it was
  written at;
* **inserted**: a record that is not part of the original chain (a replayed copy, or a
  second record claiming a position the genuine chain holds).

Two more kinds come from the keyed checks of :mod:`riskassess.decisions._checks`:
**forged** (a record whose MAC does not verify with the deployment's key: written or
rewritten without it) and **schema** (an append-only guard missing, or a foreign trigger,
view or table in the log).

Deleting the *last* records, or rewriting the whole chain from some point on, cannot be
seen from the hashes alone: the key (MACs), receipts or a :class:`LogHead` kept elsewhere
are needed, and :class:`VerifyResult` says so in its ``warnings`` when they were not given.

Examples
--------
>>> h1 = record_hash(GENESIS, 1, '{"a":1}')
>>> h2 = record_hash(h1, 2, '{"a":2}')
>>> diagnose([(1, GENESIS, '{"a":1}', h1), (2, h1, '{"a":2}', h2)]).ok
True
>>> bad = diagnose([(1, GENESIS, '{"a":1}', h1), (2, h1, '{"a":3}', h2)])
>>> bad.ok, bad.first_bad, bad.problems[0].kind
(False, 2, 'edited')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from riskassess.decisions._chain import GENESIS, LogHead, record_hash
from riskassess.exceptions import TamperedLogError

__all__ = ["GENESIS", "LogHead", "LogProblem", "VerifyResult", "diagnose", "record_hash"]

ProblemKind = Literal["edited", "deleted", "reordered", "inserted", "forged", "schema", "link"]
Row = tuple[int, str, str, str]  # (sequence, prev_hash, record, hash)


@dataclass(frozen=True)
class LogProblem:
    """One finding of :func:`diagnose`: what happened to which record(s).

    ``kind`` is one of ``"edited"``, ``"deleted"``, ``"reordered"``, ``"inserted"``,
    ``"forged"`` (MAC fails with the key), ``"schema"`` (guards or foreign objects),
    ``"link"`` (a safeguard record or reassessment link that breaks the rules of
    :mod:`riskassess.decisions._links`);
    ``sequence`` to ``last`` is the run of positions concerned (0 for schema findings).

    Examples
    --------
    >>> h1 = record_hash(GENESIS, 1, '{"a":1}')
    >>> h2 = record_hash(h1, 2, '{"a":2}')
    >>> problem = diagnose([(1, GENESIS, '{"a":1}', h1), (2, h1, '{"a":3}', h2)]).problems[0]
    >>> problem.kind, problem.sequence, problem.last
    ('edited', 2, 2)
    >>> print(problem)
    edited (record 2): record 2's content does not match its hash at any position: it was edited
    """

    kind: ProblemKind
    sequence: int
    last: int
    message: str

    def __str__(self) -> str:
        if self.kind == "schema":
            return f"schema: {self.message}"
        return f"{self.kind} ({_span(self.sequence, self.last)}): {self.message}"


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of verifying a decision log; truthy when no problem was found.

    ``warnings`` say plainly what this verification could *not* detect (no key, no
    receipts, an unkeyed log); ``keyed`` tells whether every record's MAC was checked;
    ``pending`` lists the sequence numbers of decisions that need a countersignature and
    have none yet (not a problem: they are simply not effective).

    Examples
    --------
    >>> h1 = record_hash(GENESIS, 1, '{"a":1}')
    >>> good = diagnose([(1, GENESIS, '{"a":1}', h1)])
    >>> bool(good), good.n_records, good.first_bad
    (True, 1, None)
    >>> print(good)
    decision log ok: 1 record, head 58a8b64ede0a…
    >>> bad = diagnose([(1, GENESIS, '{"a":2}', h1)])
    >>> bad.raise_if_tampered()
    Traceback (most recent call last):
    ...
    riskassess.exceptions.TamperedLogError: decision log TAMPERED (1 problem(s)):
      edited (record 1): ...
    """

    ok: bool
    n_records: int
    head: LogHead
    problems: tuple[LogProblem, ...] = ()
    warnings: tuple[str, ...] = ()
    keyed: bool = False
    pending: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return self.ok

    @property
    def first_bad(self) -> int | None:
        """Sequence number of the first bad record (None when ok or only the schema is)."""
        return min((p.sequence for p in self.problems if p.kind != "schema"), default=None)

    def __str__(self) -> str:
        notes = "".join(f"\n  warning: {w}" for w in self.warnings)
        if self.pending:
            notes = (f"\n  {len(self.pending)} decision(s) pending countersignature "
                     f"(records {', '.join(map(str, self.pending[:10]))}"
                     f"{', …' if len(self.pending) > 10 else ''})") + notes
        if self.ok:
            noun = "record" if self.n_records == 1 else "records"
            how = " (keyed: every MAC checked)" if self.keyed else ""
            return (f"decision log ok{how}: {self.n_records} {noun}, head "
                    f"{self.head.hash[:12]}…{notes}")
        lines = "\n  ".join(str(p) for p in self.problems)
        return f"decision log TAMPERED ({len(self.problems)} problem(s)):\n  {lines}{notes}"

    def raise_if_tampered(self) -> None:
        """Raise :class:`TamperedLogError` naming the first bad record, if any."""
        if not self.ok:
            raise TamperedLogError(str(self), sequence=self.first_bad)


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for v in sorted(values):
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _span(a: int, b: int) -> str:
    return f"record {a}" if a == b else f"records {a}–{b}"


def _origins(rows: Sequence[Row]) -> list[int | None]:
    """Position each record's hash was computed for (None: content edited)."""
    by_hash: dict[str, int] = {}
    for i, r in enumerate(rows):
        by_hash.setdefault(r[3], i)
    memo: dict[int, int | None] = {}
    for start in range(len(rows)):
        stack, active = [start], {start}
        while stack:
            i = stack[-1]
            seq, prev, rec, h = rows[i]
            if record_hash(prev, seq, rec) == h:
                memo[i] = seq
            elif prev == GENESIS:
                memo[i] = 1 if record_hash(prev, 1, rec) == h else None
            elif prev not in by_hash:
                memo[i] = None
            else:
                j = by_hash[prev]
                if j not in memo and j not in active:
                    stack.append(j)
                    active.add(j)
                    continue
                o = memo.get(j)
                memo[i] = o + 1 if o is not None and record_hash(prev, o + 1, rec) == h else None
            stack.pop()
            active.discard(i)
    return [memo[i] for i in range(len(rows))]


def diagnose(rows: Sequence[Row], expected_head: LogHead | None = None) -> VerifyResult:
    """Check a chain and say which records were edited, deleted, reordered or inserted.

    Parameters
    ----------
    rows : sequence of (sequence, prev_hash, record, hash)
        The stored records in sequence order.
    expected_head : LogHead, optional
        A head recorded earlier; the chain must still contain it.

    Returns
    -------
    VerifyResult
        Truthy when the chain is intact; otherwise ``problems`` names the records.

    Examples
    --------
    >>> h1 = record_hash(GENESIS, 1, "a")
    >>> h2 = record_hash(h1, 2, "b")
    >>> h3 = record_hash(h2, 3, "c")
    >>> print(diagnose([(1, GENESIS, "a", h1), (3, h2, "c", h3)]))  # record 2 removed
    decision log TAMPERED (1 problem(s)):
      deleted (record 2): record 2 missing: deleted
    >>> print(diagnose([(1, GENESIS, "a", h1), (2, h2, "c", h3), (3, h1, "b", h2)]))
    decision log TAMPERED (2 problem(s)):
      reordered (record 2): record 2 moved to position 3
      reordered (record 3): record 3 moved to position 2
    """
    n = len(rows)
    head = LogHead(n, rows[-1][3] if rows else GENESIS)
    prev, ok = GENESIS, True
    for k, (seq, p, rec, h) in enumerate(rows, start=1):
        if seq != k or p != prev or record_hash(p, seq, rec) != h:
            ok = False
            break
        prev = h
    problems: list[LogProblem] = [] if ok else _problems(rows)
    if expected_head is not None:
        problems += _head_problems(rows, expected_head)
    problems.sort(key=lambda q: (q.sequence, q.kind))
    return VerifyResult(not problems, n, head, tuple(problems))


def _head_problems(rows: Sequence[Row], expected: LogHead) -> list[LogProblem]:
    if expected.count == 0:
        return []
    at = {r[0]: r[3] for r in rows}
    if expected.count not in at:
        last = max(at, default=0)
        return [LogProblem("deleted", last + 1, expected.count,
                           f"{_span(last + 1, expected.count)} of the anchored head "
                           f"({expected.count} records) are missing from the end of the log")]
    if at[expected.count] != expected.hash:
        return [LogProblem("edited", expected.count, expected.count,
                           f"record {expected.count} does not have the anchored head hash: "
                           "the chain up to it was rewritten")]
    return []


def _problems(rows: Sequence[Row]) -> list[LogProblem]:
    origins = _origins(rows)
    out: list[LogProblem] = []
    claimed: dict[int, list[int]] = {}
    for i, o in enumerate(origins):
        if o is None:
            s = rows[i][0]
            out.append(LogProblem("edited", s, s, f"record {s}'s content does not match its "
                                  "hash at any position: it was edited"))
        else:
            claimed.setdefault(o, []).append(i)
    genuine: dict[int, int] = {}
    linked: dict[int, set[str]] = {}  # origin -> prev hashes that records at origin name
    for i, o in enumerate(origins):
        if o is not None:
            linked.setdefault(o, set()).add(rows[i][1])
    for o, idxs in sorted(claimed.items()):
        keep = idxs[0]
        if len(idxs) > 1:
            named = [i for i in idxs if rows[i][3] in linked.get(o + 1, set())]
            in_place = [i for i in idxs if rows[i][0] == o]
            keep = (named or in_place or idxs)[0]
        genuine[o] = keep
        for i in idxs:
            if i != keep:
                s = rows[i][0]
                what = "a copy of" if rows[i][3] == rows[keep][3] else "a second record for"
                out.append(LogProblem("inserted", s, s, f"record {s} is not part of the chain: "
                                      f"it is {what} position {o}"))
    moved = sorted((o, rows[i][0]) for o, i in genuine.items() if rows[i][0] != o)
    run: list[tuple[int, int]] = []
    for o, s in [*moved, (-1, -1)]:
        if run and (o != run[-1][0] + 1 or s - o != run[-1][1] - run[-1][0]):
            (o0, s0), (o1, s1) = run[0], run[-1]
            where = f"position {s0}" if s0 == s1 else f"positions {s0}–{s1}"
            out.append(LogProblem("reordered", o0, o1, f"{_span(o0, o1)} moved to {where}"))
            run = []
        if o >= 0:
            run.append((o, s))
    edited_at = {rows[i][0] for i, o in enumerate(origins) if o is None}
    covered = set(genuine) | edited_at
    top = max(covered, default=0)
    for a, b in _runs([k for k in range(1, top + 1) if k not in covered]):
        out.append(LogProblem("deleted", a, b, f"{_span(a, b)} missing: deleted"))
    for o, i in genuine.items():
        prev_needed = rows[genuine[o - 1]][3] if o - 1 in genuine else None
        if o == 1 and rows[i][1] != GENESIS:
            out.append(LogProblem("edited", rows[i][0], rows[i][0], "the first record does "
                                  "not start the chain"))
        elif prev_needed is not None and rows[i][1] != prev_needed:
            s = rows[genuine[o - 1]][0]
            out.append(LogProblem("edited", s, s, f"record {s} was changed and its hash "
                                  f"recomputed: record {rows[i][0]} no longer links to it "
                                  f"(or record {rows[i][0]} was inserted)"))
    return out
