"""Command line: ``riskassess demo | fit | assess | validate | schema | example | log``.

Exit codes: 0 success; 1 the check asked for failed (a tampered log, say); 2 usage error
(including a bad option value, such as ``--people 0``); 3 bad input (invalid case,
unreadable or tampered model file, missing data), with a message that names the file and,
for a case, the case id and the field, and no traceback.

Only argparse is imported at start-up; each command imports what it needs (pandas,
scikit-learn, pydantic) when it runs, so ``riskassess --help`` answers at once. The
commands live in ``riskassess._cli_demo`` (demo), ``riskassess._cli_models`` (fit,
assess, validate) and ``riskassess._cli_case`` (schema, example); reading the user's
input safely in ``riskassess._cli_input``.

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
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from riskassess._cli_case import CASE_FORMAT_HELP
from riskassess._cli_input import MIN_COHORT, CommandInputError, at_least
from riskassess._version import __version__

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE, EXIT_BAD_INPUT = 0, 1, 2, 3


# --------------------------------------------------------------------------- commands


class _Lazy:
    """A command that lives in a ``riskassess._cli_*`` module, imported only when it runs.

    Nothing heavy is loaded for ``--help``; one forwarder serves every such command.
    """

    def __init__(self, module: str, function: str) -> None:
        self.module, self.function = module, function

    def __call__(self, args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(self.module), self.function)(args))


_cmd_demo = _Lazy("riskassess._cli_demo", "run_demo")
_cmd_schema = _Lazy("riskassess._cli_case", "run_schema")
_cmd_example = _Lazy("riskassess._cli_case", "run_example")
_cmd_fit = _Lazy("riskassess._cli_models", "run_fit")
_cmd_assess = _Lazy("riskassess._cli_models", "run_assess")
_cmd_validate = _Lazy("riskassess._cli_models", "run_validate")
_cmd_arns = _Lazy("riskassess._cli_arns", "run_arns")


def _iso_date(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _say(msg: str = "") -> None:  # the log tools print through it
    print(msg, flush=True)


def _cmd_log_verify(args: argparse.Namespace) -> int:
    import os

    from riskassess.decisions import (
        DEFAULT_KEY_VARIABLE,
        DecisionLog,
        EnvironmentKey,
        FileKey,
        read_receipts,
    )

    _require_log(args.path)
    key: FileKey | EnvironmentKey | None = None
    if args.key_file:
        key = FileKey(args.key_file)
    elif args.key_env or os.environ.get(DEFAULT_KEY_VARIABLE):
        key = EnvironmentKey(args.key_env or DEFAULT_KEY_VARIABLE)
    receipts = read_receipts(args.receipts) if args.receipts else None
    # read-only: an evidence copy is never written to, not even an empty or foreign file
    with DecisionLog(args.path, key=key, read_only=True) as log:
        result = log.verify(receipts=receipts, expected_head=args.expected_head,
                            deep=args.deep)
    _say(str(result))
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def _cmd_log_stats(args: argparse.Namespace) -> int:
    from riskassess.decisions import DecisionLog, countersignature_rates, override_rates

    _require_log(args.path)
    with DecisionLog(args.path, read_only=True) as log:
        if args.countersignatures:
            by = {"officer": "officer_id", "band": "model_band"}.get(
                (args.by or [None])[0] or "", (args.by or [None])[0])
            table = countersignature_rates(log, by=by)
        else:
            table = override_rates(log, by=args.by)
    _say(table.to_string())
    return EXIT_OK


def _cmd_log_pending(args: argparse.Namespace) -> int:
    """Decisions waiting for a supervisor's countersignature, oldest first."""
    from riskassess.decisions import DecisionLog, FinalDecision

    _require_log(args.path)
    with DecisionLog(args.path, read_only=True) as log:
        waiting = log.pending()
    if not waiting:
        _say("no decision is pending a countersignature")
        return EXIT_OK
    _say(f"{len(waiting)} decision(s) pending a countersignature (not yet effective):")
    for stored in waiting:
        d = stored.record
        if not isinstance(d, FinalDecision):  # pragma: no cover - pending() gives decisions
            continue
        _say(f"  record {stored.sequence}: case {d.case_id}, officer {d.officer_id}, "
             f"{d.model_band} -> {d.final_band}, decided {d.decided_at:%Y-%m-%d %H:%M} UTC, "
             f"decision hash {stored.hash[:16]}…")
    return EXIT_OK


def _log_head_argument(text: str) -> Any:
    """``--expected-head COUNT:HASH``; a malformed value is a usage error (exit 2)."""
    from riskassess.decisions import LogHead
    from riskassess.exceptions import RiskAssessError  # lazy: keeps --help fast

    try:
        return LogHead.parse(text)
    except RiskAssessError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --------------------------------------------------------------------------- plumbing


#: A problem with what the user gave the command (exit code 3); the log tools raise it too.
_BadInput = CommandInputError


def _require_file(path: str) -> None:
    if Path(path).is_dir():
        raise _BadInput(f"{path}: is a folder, not a file")
    if not Path(path).is_file():
        raise _BadInput(f"{path}: no such file")


def _require_log(path: str) -> None:
    """A log given as a path must be an existing file; a URL (postgresql://) is not checked."""
    if "://" not in path:
        _require_file(path)


def _common_options() -> argparse.ArgumentParser:
    """Options every command accepts after its name too (``riskassess fit ... -q``)."""
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: when -q is not repeated after the command, the value given (or not)
    # before it stands instead of being reset to False by the sub-parser's default
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress indicators")
    return common


def _add_data_args(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--cohort", type=at_least(MIN_COHORT), metavar="N",
                     help=f"use a synthetic cohort of N people (N >= {MIN_COHORT}), with "
                          "their 2-year outcomes; censored cases are left out")
    src.add_argument("--compas", metavar="CSV",
                     help="use ProPublica's compas-scores-two-years.csv (2-year recidivism)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the synthetic cohort (default 0)")
    p.add_argument("--propublica-filter", action="store_true",
                   help="apply ProPublica's analysis filter to the COMPAS data")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``riskassess`` command.

    Returns
    -------
    argparse.ArgumentParser
        With sub-commands ``demo``, ``fit``, ``assess``, ``arns``, ``validate`` and ``log``
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
    common = [_common_options()]

    p = sub.add_parser("demo", parents=common, help="run the whole workflow on synthetic data",
                       description="Build a synthetic cohort, fit the additive model and the "
                       "scorecard, compare them with HMPPS's ARP (today's predictor) and OGRS3, "
                       "write an HTML validation report, "
                       "assess three cases with reasons, record one agreement and one "
                       "override in a decision log, verify it, and print the paths written "
                       "and what to try next. The output folder must be new or empty "
                       "unless --force is given.")
    p.add_argument("--out", default="riskassess-demo", help="output folder, new or empty "
                   "(default ./riskassess-demo)")
    p.add_argument("--people", type=at_least(MIN_COHORT), default=20_000,
                   help=f"cohort size (default 20000, at least {MIN_COHORT})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--force", action="store_true",
                   help="write into a folder that already holds files, replacing the demo's "
                        "own files there (its decision log included); other files are kept")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("fit", parents=common, help="fit a model and save it as JSON",
                       description="Fit a transparent model on a synthetic cohort or on "
                       "ProPublica's COMPAS data (2-year reoffending) and save it as a "
                       "signed JSON model file. A model fitted on COMPAS reads COMPAS's "
                       "columns, so it validates on COMPAS but cannot assess case records.")
    p.add_argument("--model", choices=("additive", "scorecard"), default="additive",
                   help="additive: monotone shape functions (default); scorecard: "
                        "integer points per feature")
    _add_data_args(p)
    p.add_argument("--out", required=True, help="path of the model JSON file to write "
                   "(its folder must exist)")
    p.set_defaults(func=_cmd_fit)

    p = sub.add_parser("assess", parents=common,
                       help="assess one case (JSON) with a saved model and/or HMPPS's predictors",
                       description="Assess one case record with a saved model: probability, "
                       "band and reasons (a recommendation; the officer decides). When the "
                       "case's offences carry Home Office offence codes, HMPPS's ARP, VRP and "
                       "SVRP are also computed and their bands printed (with --model omitted, "
                       "only they are). " + CASE_FORMAT_HELP)
    p.add_argument("--model", help="saved model JSON (from fit or demo); optional when the "
                   "case carries offence codes")
    p.add_argument("--case", required=True, help="case record JSON file (UTF-8), or - for "
                   "standard input; format: docs/cases.md, `riskassess example case`")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for people (default), json for programs: the whole assessment "
                        "as {\"assessment\": ..., \"predictors\": [...]}")
    p.set_defaults(func=_cmd_assess)

    p = sub.add_parser("arns", parents=common,
                       help="answer an HMPPS actuarial service request (ARP, VRP, SVRP)",
                       description="Score a request body of HMPPS's actuarial scoring service "
                       "(ministryofjustice/hmpps-arns-risk-actuarial-api, camelCase fields) and "
                       "print its actuarialPredictors response exactly as the service would: "
                       "allPredictor, violentPredictor and seriousViolentPredictor with score, "
                       "band, type, featureValues and validationErrors.")
    p.add_argument("request", help="request JSON file (UTF-8), or - for standard input")
    p.add_argument("--today", type=_iso_date, metavar="YYYY-MM-DD",
                   help="the service's 'today', used only when the request has no "
                        "assessmentDate (default: today's date)")
    p.set_defaults(func=_cmd_arns)

    p = sub.add_parser("validate", parents=common,
                       help="validate a saved model and write an HTML report",
                       description="Validate a saved model on data of the kind it was "
                       "fitted on: discrimination (AUC with a bootstrap interval), "
                       "calibration and, with --groups, fairness by group.")
    p.add_argument("--model", required=True, help="saved model JSON")
    _add_data_args(p)
    p.add_argument("--groups", help="audit column for fairness (e.g. race, sex)")
    p.add_argument("--bootstrap", type=at_least(1), default=1000,
                   help="bootstrap replicates (default 1000)")
    p.add_argument("--out", required=True, help="HTML report path")
    p.add_argument("--json", help="also write the report as JSON here")
    p.set_defaults(func=_cmd_validate)

    for name, func, text in (
            ("schema", _cmd_schema, "the JSON Schema of a case record"),
            ("example", _cmd_example, "a valid example case record to start from")):
        p = sub.add_parser(name, parents=common, help=f"print {text}",
                           description=f"Print {text} (or write it with --out). "
                           + CASE_FORMAT_HELP)
        p.add_argument("record", choices=("case",), help="which record (case)")
        p.add_argument("--out", metavar="FILE", help="write to FILE instead of printing")
        p.set_defaults(func=func)

    log = sub.add_parser("log", help="decision log tools")
    log_sub = log.add_subparsers(dest="log_command", required=True, metavar="ACTION")
    p = log_sub.add_parser(
        "verify", help="check chain, MACs, receipts and schema, read-only; exit 1 if tampered",
        description="Verify a decision log without writing to it. With the key (--key-file, "
        "--key-env, or RISKASSESS_LOG_KEY set) every record's MAC is checked: rewritten "
        "chains and forged appends are caught. With --receipts or --expected-head, deleted "
        "tails and censored records are caught. Whatever was not given is named in a "
        "warning. Exit 0 ok, 1 tampered, 3 not a decision log or bad input.")
    p.add_argument("path", help="decision log (SQLite file or postgresql:// URL)")
    key_source = p.add_mutually_exclusive_group()
    key_source.add_argument("--key-file", metavar="FILE", help="file holding the log key")
    key_source.add_argument("--key-env", metavar="VAR",
                            help="environment variable holding the log key (hex); default "
                                 "RISKASSESS_LOG_KEY when it is set")
    p.add_argument("--receipts", metavar="FILE",
                   help="receipts kept from append(), one JSON object per line")
    p.add_argument("--expected-head", metavar="COUNT:HASH", type=_log_head_argument,
                   help="a head kept outside the log (str(log.head()))")
    p.add_argument("--deep", action="store_true",
                   help="also re-validate every record as a decision")
    p.set_defaults(func=_cmd_log_verify)
    p = log_sub.add_parser("stats", help="override rates (or countersignature rates)")
    p.add_argument("path", help="decision log (SQLite file or postgresql:// URL)")
    p.add_argument("--by", action="append",
                   choices=("band", "final_band", "officer", "month", "reason", "direction"),
                   help="group by (repeatable); default overall")
    p.add_argument("--countersignatures", action="store_true",
                   help="countersignature rates and hours to countersign instead (by "
                        "officer, band, final_band or month; the first --by only)")
    p.set_defaults(func=_cmd_log_stats)
    p = log_sub.add_parser(
        "pending", help="decisions waiting for a supervisor's countersignature",
        description="List the decisions the countersignature policy holds as pending "
        "(e.g. overrides into or out of high): not effective until a supervisor "
        "countersigns them. Read-only.")
    p.add_argument("path", help="decision log (SQLite file or postgresql:// URL)")
    p.set_defaults(func=_cmd_log_pending)
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
    >>> main(["log", "verify", path])  # an unkeyed log: verify also prints its limits
    decision log ok: 1 record, head ...
    0
    >>> with contextlib.closing(sqlite3.connect(path)) as db, db:
    ...     _ = db.execute("DROP TRIGGER decisions_no_update")
    ...     _ = db.execute("UPDATE decisions SET record = replace(record, 'off-1', 'off-2')")
    >>> main(["log", "verify", path])
    decision log TAMPERED (...):
    ...edited (record 1): record 1's content does not match its hash at any position...
    1
    >>> main(["log", "verify", str(Path(tmp.name) / "missing.sqlite")])  # error on stderr
    3
    >>> tmp.cleanup()
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CommandInputError as exc:
        message = str(exc)
    except Exception as exc:
        message = _bad_input_message(exc)  # re-raises what is not bad input (a bug)
    print(f"riskassess {args.command}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _bad_input_message(exc: Exception) -> str:
    """The message of an error caused by the user's input; anything else is re-raised.

    Imported here, not at start-up: pydantic and the library's exceptions (which need
    scikit-learn) are only loaded once a command has failed.
    """
    from pydantic import ValidationError

    from riskassess._cli_input import case_problems, describe_problems
    from riskassess.exceptions import CaseValidationError, RiskAssessError

    if isinstance(exc, (ValidationError, CaseValidationError)):
        return describe_problems(case_problems(exc))
    if isinstance(exc, RiskAssessError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        # "folder/x.json: No such file or directory", without "[Errno 2]"
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    raise exc


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
