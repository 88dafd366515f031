"""``log stats --by reason``: each reason's row counts that reason, not the total (issue 15)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskassess.decisions import Assessment, DecisionLog, ModelInfo, OverrideReason, override_rates
from riskassess.types import RISK_BANDS

_AT = datetime(2024, 1, 3, tzinfo=UTC)


def _decisions(specs: list[tuple[str, str | None]]) -> list:
    out = []
    for i, (band, reason) in enumerate(specs):
        a = Assessment(case_id=f"C-{i}", assessment_date=date(2024, 1, 2), probability=0.5,
                       band=band, input_sha256="0" * 64,
                       model=ModelInfo(name="m", version="1", fingerprint="x"),
                       created_at=datetime(2024, 1, 2, tzinfo=UTC))
        if reason is None:
            out.append(a.decide("o-1", decided_at=_AT))
        else:
            other = RISK_BANDS[(RISK_BANDS.index(band) + 1) % len(RISK_BANDS)]
            out.append(a.decide("o-1", other, reason=reason, decided_at=_AT,
                                rationale="A reason an officer wrote down in full."))
    return out


specs = st.lists(st.tuples(st.sampled_from(RISK_BANDS),
                           st.none() | st.sampled_from([r.value for r in OverrideReason])),
                 min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(specs, st.sampled_from(["reason", "direction", "band", ["band", "reason"]]))
def test_counts_add_up_to_the_log(spec: list, by: str | list[str]) -> None:
    """A column of decision counts adds up to the log; override counts to its overrides."""
    ds = _decisions(spec)
    table = override_rates(ds, by=by)
    if "n_decisions" in table.columns:
        assert table["n_decisions"].sum() == len(ds)
    assert table["n_overrides"].sum() == sum(d.override for d in ds)
    if by == "reason":
        for reason, row in table.iterrows():
            assert row["n_overrides"] == sum(d.reason == reason for d in ds)
            assert row["n_decisions_in_group"] == len(ds)


def test_cli_stats_by_reason_shows_each_reason_count(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from riskassess.cli import main

    ds = _decisions([("low", None), ("low", "policy"), ("high", None), ("medium", None)])
    path = tmp_path / "log.sqlite"
    with DecisionLog(path) as log:
        log.append_many(ds)
    assert main(["log", "stats", str(path), "--by", "reason"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split()
    policy = dict(zip(header, lines[[ln.split()[0] for ln in lines].index("policy")].split()[1:],
                      strict=True))
    others = [dict(zip(header, ln.split()[1:], strict=True)) for ln in lines[2:]
              if ln.split()[0] != "policy"]
    assert policy["n_overrides"] == "1" and all(o["n_overrides"] == "0" for o in others)
    # no column headed as a count shows the log's total (4) as every reason's count
    assert "n_decisions" not in header
