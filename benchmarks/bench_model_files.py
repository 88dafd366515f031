"""Model files and sealed assessments: cost of the integrity checks, beside plain peers.

Target (issue 14): refuse a 200 MB model file in at most 1 s. Also reported:

* refusing hostile files inside the size limit (16 MB of nesting, a 5,000-digit number)
  beside plain ``json.loads`` of the same bytes (the peer, which fails with
  RecursionError / ValueError);
* loading a real model file: unverified, with ``expected_fingerprint``, with an HMAC key
  and with an Ed25519 key, beside plain ``json.loads`` of the same file;
* the seal of one assessment (one SHA-256 of its canonical JSON), ``decide()`` with its
  integrity re-check, ``FinalDecision._check_integrity``, beside ``assess()`` of one
  case, to show what sealing adds to single-case latency.

Run: ``python benchmarks/bench_model_files.py [--quick]``. Medians over repeats,
interleaved (ours, peer, ours, peer, ...) so both see the same machine load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _median_pair(ours: Callable[[], Any], peer: Callable[[], Any] | None,
                 repeats: int) -> tuple[float, float | None]:
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeats):
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        if peer is not None:
            t = time.perf_counter()
            peer()
            b.append(time.perf_counter() - t)
    return statistics.median(a), (statistics.median(b) if b else None)


def _swallow(fn: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        with contextlib.suppress(ValueError, RecursionError):  # ModelFileError: ValueError
            fn()
    return run


def _row(name: str, ours: float, peer: float | None, unit: str = "ms") -> None:
    scale = 1e3 if unit == "ms" else 1e6
    text = f"{name:<52} {ours * scale:>10.3f} {unit}"
    if peer is not None:
        text += f"   peer {peer * scale:>10.3f} {unit}   ratio {ours / peer:>7.3f}"
    print(text)


def bench_refusals(folder: Path, repeats: int) -> None:
    from riskassess.models import load_model

    big = folder / "big.json"
    with open(big, "wb") as fh:  # 200 MB of real bytes (not sparse): JSON-ish content
        block = b'{"content": [' + b"1.25, " * 170_000 + b"1]}\n"
        while fh.tell() < 200 * 1024 * 1024:
            fh.write(block)
    size = big.stat().st_size
    ours, peer = _median_pair(_swallow(lambda: load_model(big)),
                              lambda: big.read_bytes(), max(3, repeats // 2))
    _row(f"refuse a {size / 2**20:.0f} MB file (peer: read_bytes only)", ours, peer)
    print(f"  goal <= 1 s: {'met' if ours <= 1.0 else 'NOT met'}")
    big.unlink()

    deep = b"[" * (8 * 2**20) + b"]" * (8 * 2**20)
    deep_path = folder / "deep.json"
    deep_path.write_bytes(deep)
    ours, peer = _median_pair(_swallow(lambda: load_model(deep_path)),
                              _swallow(lambda: json.loads(deep_path.read_bytes())), repeats)
    _row("refuse 16 MB of nesting (peer: json.loads)", ours, peer)
    digits = b'{"content": ' + b"7" * 5000 + b"}"
    digits_path = folder / "digits.json"
    digits_path.write_bytes(digits)
    ours, peer = _median_pair(_swallow(lambda: load_model(digits_path)),
                              _swallow(lambda: json.loads(digits_path.read_bytes())),
                              repeats)
    _row("refuse a 5,000-digit number (peer: json.loads)", ours, peer)


def bench_loading(folder: Path, repeats: int) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from riskassess.datasets import make_cohort
    from riskassess.models import AdditiveRiskClassifier, load_model, save_model

    cohort = make_cohort(3000, seed=1)
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    keep = y.notna().to_numpy()
    cols = ["age", "sex", "copas_rate", "previous_custodial", "years_since_last_sanction"]
    model = AdditiveRiskClassifier(max_bins=32, interactions=[("age", "sex")]).fit(
        X.loc[keep, cols], y[keep].astype(int))
    hmac_key, private = bytes(range(32)), Ed25519PrivateKey.generate()
    path = folder / "model.json"
    save_model(model, path, signing_key=[hmac_key, private])
    fp = load_model(path).provenance_.fingerprint
    print(f"model file: {path.stat().st_size / 1024:.0f} kB")
    peer = lambda: json.loads(path.read_bytes())  # noqa: E731
    for name, fn in [
        ("load, unverified", lambda: load_model(path)),
        ("load, expected_fingerprint", lambda: load_model(path, expected_fingerprint=fp)),
        ("load, HMAC key", lambda: load_model(path, trusted_keys=hmac_key)),
        ("load, Ed25519 key", lambda: load_model(path, trusted_keys=private.public_key())),
    ]:
        ours, base = _median_pair(fn, peer, repeats)
        _row(f"{name} (peer: json.loads)", ours, base)


def bench_seal(repeats: int) -> None:
    from riskassess import assess
    from riskassess.datasets import make_cohort
    from riskassess.decisions import Assessment
    from riskassess.decisions._seal import assessment_seal, decision_digest
    from riskassess.instruments import OGRS3

    background = make_cohort(300, seed=0).features()
    model = OGRS3().fit(background)
    case = {"case_id": "C-42",
            "person": {"person_id": "P-42", "date_of_birth": "1990-05-01", "sex": "male"},
            "assessment_date": "2024-03-01",
            "index_offence": {"date": "2024-02-01", "offence": "theft_non_motor",
                              "disposal": "community", "violent": False},
            "sanctions": [{"date": "2019-06-01", "kind": "conviction", "disposal": "fine",
                           "offence": "theft_non_motor", "violent": False}]}
    when = datetime(2024, 3, 1, tzinfo=UTC)
    a = assess(model, case, assessed_at=when)
    d = a.decide("off-1", decided_at=when)
    fields = {**dict(a), "seal": None}
    n = 2000
    rows = [
        ("assess() of one case (OGRS3, fast route)", lambda: assess(model, case, assessed_at=when)),
        ("  of which: the seal (one SHA-256 of the JSON)", lambda: assessment_seal(a)),
        ("  Assessment(...) validation incl. seal", lambda: Assessment(**fields)),
        ("decide() incl. seal and band re-check", lambda: a.decide("off-1", decided_at=when)),
        ("FinalDecision digest", lambda: decision_digest(d)),
        ("FinalDecision._check_integrity()", d._check_integrity),
    ]
    for name, fn in rows:
        times = []
        for _ in range(max(3, repeats)):
            t = time.perf_counter()
            for _ in range(n):
                fn()
            times.append((time.perf_counter() - t) / n)
        _row(name, statistics.median(times), None, unit="us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"python {os.sys.version.split()[0]}, repeats {repeats} (medians)")
        bench_refusals(folder, repeats)
        bench_loading(folder, repeats)
    bench_seal(repeats)


if __name__ == "__main__":
    main()
