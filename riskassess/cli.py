"""Command line: ``riskassess demo | fit | assess | validate | log verify | log stats``.

Exit codes: 0 success; 1 the check asked for failed (a tampered log, say); 2 usage error;
3 bad input (invalid case, unreadable or tampered model file, missing data).

Examples
--------
>>> try:
...     main(["--version"])  # argparse prints the version and exits
... except SystemExit as exc:
...     print("exit code", exc.code)
riskassess 0.1.0
exit code 0
>>> build_parser().parse_args(["log", "verify", "decisions.sqlite"]).path
'decisions.sqlite'
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from riskassess import __version__
from riskassess.exceptions import RiskAssessError

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE, EXIT_BAD_INPUT = 0, 1, 2, 3

_DEMO_RATIONALE = (
    "Recent stable employment and a supportive family placement since the index offence; "
    "verified by the officer with the employer and the family."
)


def _say(msg: str = "") -> None:
    print(msg, flush=True)


@contextmanager
def _step(label: str, quiet: bool) -> Iterator[None]:
    """Show a one-line progress indicator on stderr when it is a terminal."""
    show = not quiet and sys.stderr.isatty()
    if show:
        print(f"… {label}", end="\r", file=sys.stderr, flush=True)
    yield
    if show:
        print(" " * (len(label) + 2), end="\r", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


def _cohort_training_data(n_people: int, seed: int) -> tuple[pd.DataFrame, pd.Series, Any]:
    """Features and uncensored 2-year outcomes of a synthetic cohort."""
    from riskassess.datasets import make_cohort

    cohort = make_cohort(n_people, seed=seed)
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    known = y.notna().to_numpy()
    return X.loc[known], y[known].astype(int).rename("reoffend_2y"), cohort


def _load_data(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame | None]:
    """(X, y, audit frame) from ``--compas PATH`` or ``--cohort N``."""
    if getattr(args, "compas", None):
        from riskassess.datasets import load_compas

        X, y, frame = load_compas(args.compas, propublica_filter=args.propublica_filter)
        return X, y, frame
    X, y, _ = _cohort_training_data(args.cohort, args.seed)
    return X, y, None


def _make_model(kind: str) -> Any:
    from riskassess.models import AdditiveRiskClassifier, ScorecardClassifier

    # both data sources' labels are reoffending within two years
    return (AdditiveRiskClassifier(horizon=2) if kind == "additive"
            else ScorecardClassifier(horizon=2))


# --------------------------------------------------------------------------- commands


def _cmd_demo(args: argparse.Namespace) -> int:
    from sklearn.model_selection import train_test_split

    from riskassess.decisions import DecisionLog, OverrideReason, assess
    from riskassess.instruments import OGRS3
    from riskassess.models import save_model
    from riskassess.types import RISK_BANDS
    from riskassess.validation import model_card, validate

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    q = args.quiet
    with _step(f"building a synthetic cohort of {args.people:,} people", q):
        X, y, cohort = _cohort_training_data(args.people, args.seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=args.seed
    )
    with _step("fitting the additive model and the scorecard", q):
        additive = _make_model("additive").fit(X_train, y_train)
        scorecard = _make_model("scorecard").fit(X_train, y_train)
    ogrs3 = OGRS3(horizon=2).fit(X_train, y_train)
    incumbent = ogrs3.predict_proba(X_test)[:, 1]
    reports: dict[str, Any] = {}
    with _step("validating against OGRS3 (1,000 bootstrap replicates)", q):
        for name, model in (("additive", additive), ("scorecard", scorecard)):
            reports[name] = validate(model, X_test, y_test, groups=X_test["sex"],
                                     incumbent=incumbent, seed=args.seed, progress=False)
        reports["ogrs3"] = validate(ogrs3, X_test, y_test, groups=X_test["sex"],
                                    seed=args.seed, progress=False)
    paths = {
        "report": out / "validation_additive.html",
        "scorecard_report": out / "validation_scorecard.html",
        "model": out / "additive_model.json",
        "scorecard": out / "scorecard_model.json",
        "card": out / "model_card.md",
        "log": out / "decisions.sqlite",
        "log_export": out / "decisions.jsonl",
    }
    reports["additive"].to_html(paths["report"])
    reports["scorecard"].to_html(paths["scorecard_report"])
    save_model(additive, paths["model"])
    save_model(scorecard, paths["scorecard"])
    card = model_card(
        additive, reports["additive"],
        intended_use="Demonstration only: decision support for probation officers, who "
                     "make the final decision; never a substitute for their judgement.",
        data_description=f"Synthetic cohort of {args.people:,} people (seed {args.seed}); "
                         "2-year proven reoffending, censored cases excluded.",
    )
    paths["card"].write_text(card.to_markdown(), encoding="utf-8")

    _say(f"riskassess {__version__} demo: {len(X):,} uncensored cases "
         f"({len(X_train):,} to fit, {len(X_test):,} to validate), 2-year base rate "
         f"{y.mean():.1%}")
    _say("")
    _say(f"{'model':<28}{'AUC (95% CI)':<24}{'Brier':>8}")
    for name, rep in reports.items():
        a = rep.auc
        _say(f"{name:<28}{a.value:.3f} ({a.lower:.3f}-{a.upper:.3f}){'':<6}{rep.brier.value:>8.3f}")
    cmp_ = reports["additive"].incumbent
    if cmp_ is not None:
        d = cmp_.difference
        _say(f"additive - OGRS3 AUC difference: {d.value:+.3f} ({d.lower:+.3f} to {d.upper:+.3f})")
    _say("")

    test_ids = set(X_test.index)
    with _step("assessing three cases", q):
        chosen = []
        for case in cohort.cases():
            if case.case_id in test_ids:
                chosen.append(case)
            if len(chosen) == 3:
                break
        assessments = [assess(additive, c) for c in chosen]
    for a in assessments:
        _say(f"case {a.case_id}: {a.probability:.0%} 2-year risk, band {a.band!r}")
        for r in a.reasons:
            _say(f"  - {r.text}")
    agreed = assessments[0].decide(officer_id="OFFICER-001")
    first = assessments[1]
    down = RISK_BANDS[max(RISK_BANDS.index(first.band) - 1, 0)]
    other = down if down != first.band else RISK_BANDS[1]
    overridden = first.decide(officer_id="OFFICER-002", band=other,
                              reason=OverrideReason.PROTECTIVE_FACTORS,
                              rationale=_DEMO_RATIONALE)
    paths["log"].unlink(missing_ok=True)
    with DecisionLog(paths["log"]) as log:
        log.append_many([agreed, overridden])
        result = log.verify()
        log.to_jsonl(paths["log_export"])
    _say("")
    _say(f"officer OFFICER-001 agreed with case {agreed.case_id} ({agreed.final_band!r}); "
         f"officer OFFICER-002 overrode case {overridden.case_id} from "
         f"{overridden.model_band!r} to {overridden.final_band!r} "
         f"(reason: {overridden.reason}).")
    _say(str(result))
    _say("")
    _say("wrote:")
    for label, p in paths.items():
        _say(f"  {label:<17}{p.resolve()}")
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def _cmd_fit(args: argparse.Namespace) -> int:
    from riskassess.models import save_model

    X, y, _ = _load_data(args)
    model = _make_model(args.model)
    with _step(f"fitting {args.model} on {len(X):,} rows", args.quiet):
        model.fit(X, y)
    save_model(model, args.out)
    _say(f"fitted {type(model).__name__} on {len(X):,} rows ({y.mean():.1%} positive); "
         f"saved to {Path(args.out).resolve()}")
    return EXIT_OK


def _cmd_assess(args: argparse.Namespace) -> int:
    from riskassess.decisions import assess
    from riskassess.models import load_model

    model = load_model(args.model)
    text = sys.stdin.read() if args.case == "-" else Path(args.case).read_text(encoding="utf-8")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadInput(f"{args.case}: not valid JSON ({exc})") from None
    assessment = assess(model, payload)
    if args.format == "json":
        _say(assessment.model_dump_json(indent=2))
        return EXIT_OK
    horizon = f"{assessment.horizon_years}-year " if assessment.horizon_years else ""
    _say(f"case {assessment.case_id}, assessed as at {assessment.assessment_date}")
    _say(f"{horizon}probability of proven reoffending: {assessment.probability:.1%} "
         f"(band: {assessment.band})")
    _say("reasons:")
    for r in assessment.reasons:
        _say(f"  - {r.text}")
    for w in assessment.warnings:
        _say(f"warning: {w.message}")
    _say(f"model: {assessment.model.name} {assessment.model.version} "
         f"({assessment.model.fingerprint[:12]}…)")
    _say("This is a recommendation; the officer's decision is final.")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from riskassess.models import load_model
    from riskassess.validation import validate

    model = load_model(args.model)
    X, y, frame = _load_data(args)
    groups = None
    if args.groups:
        source = frame if frame is not None and args.groups in frame.columns else X
        if args.groups not in source.columns:
            raise _BadInput(f"--groups {args.groups!r}: no such column")
        groups = source[args.groups]
    cols = list(getattr(model, "feature_names_in_", X.columns))
    report = validate(model, X[cols], y, groups=groups, n_bootstrap=args.bootstrap,
                      seed=args.seed, progress=None if not args.quiet else False)
    report.to_html(args.out)
    if args.json:
        Path(args.json).write_text(report.to_json(), encoding="utf-8")
    a = report.auc
    _say(f"AUC {a.value:.3f} ({a.lower:.3f}-{a.upper:.3f}, {a.method}); "
         f"Brier {report.brier.value:.3f}; report written to {Path(args.out).resolve()}")
    return EXIT_OK


def _cmd_log_verify(args: argparse.Namespace) -> int:
    from riskassess.decisions import DecisionLog

    _require_file(args.path)
    with DecisionLog(args.path) as log:
        result = log.verify()
    _say(str(result))
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def _cmd_log_stats(args: argparse.Namespace) -> int:
    from riskassess.decisions import DecisionLog

    _require_file(args.path)
    with DecisionLog(args.path) as log:
        table = log.override_rates(by=args.by)
    _say(table.to_string())
    return EXIT_OK


# --------------------------------------------------------------------------- plumbing


class _BadInput(Exception):
    """A problem with what the user gave the command (exit code 3)."""


def _require_file(path: str) -> None:
    if not Path(path).is_file():
        raise _BadInput(f"{path}: no such file")


def _add_data_args(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--cohort", type=int, metavar="N",
                     help="use a synthetic cohort of N people")
    src.add_argument("--compas", metavar="CSV",
                     help="use ProPublica's compas-scores-two-years.csv")
    p.add_argument("--seed", type=int, default=0, help="cohort seed (default 0)")
    p.add_argument("--propublica-filter", action="store_true",
                   help="apply ProPublica's analysis filter to the COMPAS data")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``riskassess`` command.

    Returns
    -------
    argparse.ArgumentParser
        With sub-commands ``demo``, ``fit``, ``assess``, ``validate`` and ``log``
        (``verify``, ``stats``); each parsed namespace carries its handler in ``func``.

    Examples
    --------
    >>> args = build_parser().parse_args(
    ...     ["fit", "--model", "scorecard", "--cohort", "500", "--out", "model.json"])
    >>> args.command, args.model, args.cohort, args.compas, args.seed, args.out
    ('fit', 'scorecard', 500, None, 0, 'model.json')
    >>> build_parser().parse_args(["log", "stats", "log.sqlite", "--by", "band"]).by
    ['band']
    """
    parser = argparse.ArgumentParser(
        prog="riskassess",
        description="Transparent probation risk assessment: fit, explain, assess, decide, "
                    "log and validate. The officer's decision is always final.",
        epilog="Exit codes: 0 ok, 1 check failed, 2 usage error, 3 bad input.",
    )
    parser.add_argument("--version", action="version", version=f"riskassess {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress indicators")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="run the whole workflow on synthetic data",
                       description="Build a synthetic cohort, fit the additive model and the "
                       "scorecard, compare them with OGRS3, write an HTML validation report, "
                       "assess three cases with reasons, record one agreement and one "
                       "override in a decision log, verify it, and print the paths written.")
    p.add_argument("--out", default="riskassess-demo", help="output folder (default "
                   "./riskassess-demo)")
    p.add_argument("--people", type=int, default=20_000, help="cohort size (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("fit", help="fit a model and save it as JSON")
    p.add_argument("--model", choices=("additive", "scorecard"), default="additive")
    _add_data_args(p)
    p.add_argument("--out", required=True, help="path of the model JSON file to write")
    p.set_defaults(func=_cmd_fit)

    p = sub.add_parser("assess", help="assess one case (JSON) with a saved model")
    p.add_argument("--model", required=True, help="saved model JSON")
    p.add_argument("--case", required=True, help="case record JSON file, or - for stdin")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=_cmd_assess)

    p = sub.add_parser("validate", help="validate a saved model and write an HTML report")
    p.add_argument("--model", required=True, help="saved model JSON")
    _add_data_args(p)
    p.add_argument("--groups", help="audit column for fairness (e.g. race, sex)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap replicates")
    p.add_argument("--out", required=True, help="HTML report path")
    p.add_argument("--json", help="also write the report as JSON here")
    p.set_defaults(func=_cmd_validate)

    log = sub.add_parser("log", help="decision log tools")
    log_sub = log.add_subparsers(dest="log_command", required=True, metavar="ACTION")
    p = log_sub.add_parser("verify", help="check the hash chain; exit 1 if tampered")
    p.add_argument("path", help="decision log (SQLite file)")
    p.set_defaults(func=_cmd_log_verify)
    p = log_sub.add_parser("stats", help="override rates")
    p.add_argument("path", help="decision log (SQLite file)")
    p.add_argument("--by", action="append",
                   choices=("band", "final_band", "officer", "month", "reason", "direction"),
                   help="group by (repeatable); default overall")
    p.set_defaults(func=_cmd_log_stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code (see the module docstring); bad input prints the error on stderr and
        gives 3.

    Raises
    ------
    SystemExit
        From argparse, for ``--help``, ``--version`` and usage errors (code 2).

    Examples
    --------
    Verify a decision log, then tamper with it behind SQLite's back and verify again:

    >>> import contextlib, sqlite3, tempfile
    >>> from pathlib import Path
    >>> from datetime import UTC, date, datetime
    >>> from riskassess.decisions import DecisionLog
    >>> from riskassess.decisions import Assessment, ModelInfo
    >>> a = Assessment(case_id="C-1", assessment_date=date(2024, 3, 1), probability=0.3,
    ...                band="low", model=ModelInfo(name="m", version="1", fingerprint="x"),
    ...                input_sha256="0" * 64, created_at=datetime(2024, 3, 1, tzinfo=UTC))
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = str(Path(tmp.name) / "decisions.sqlite")
    >>> with DecisionLog(path) as log:
    ...     _ = log.append(a.decide("off-1", decided_at=datetime(2024, 3, 2, tzinfo=UTC)))
    >>> main(["log", "verify", path])
    decision log ok: 1 record, head cca7d932cc25…
    0
    >>> with contextlib.closing(sqlite3.connect(path)) as db, db:
    ...     _ = db.execute("DROP TRIGGER decisions_no_update")
    ...     _ = db.execute("UPDATE decisions SET record = replace(record, 'off-1', 'off-2')")
    >>> main(["log", "verify", path])
    decision log TAMPERED (1 problem(s)):
      edited (record 1): record 1's content does not match its hash at any position: ...
    1
    >>> main(["log", "verify", str(Path(tmp.name) / "missing.sqlite")])  # error on stderr
    3
    >>> tmp.cleanup()
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (_BadInput, ValidationError, RiskAssessError, FileNotFoundError) as exc:
        print(f"riskassess {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
