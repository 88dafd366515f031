"""``riskassess fit``, ``assess`` and ``validate``: the commands that load data or a model.

Each checks what the user gave before the work starts (the output folder exists, the
case file is a readable JSON case record, the model reads columns the data has) and
turns a mistake into a :class:`~riskassess._cli_input.CommandInputError` naming the
file, the case id and the field, which :func:`riskassess.cli.main` prints as exit code 3.

Examples
--------
>>> import argparse
>>> args = argparse.Namespace(model="m.json", compas=None)
>>> import pandas as pd
>>> _model_columns(type("M", (), {"feature_names_in_": ["age", "priors_count"]})(),
...                pd.DataFrame(columns=["age"]), args)
Traceback (most recent call last):
...
riskassess._cli_input.CommandInputError: --model m.json: ... column(s) ... (priors_count); ...
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from riskassess._cli_input import CommandInputError, band_rule, check_output_folder, say, step

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["run_assess", "run_fit", "run_validate"]


def _load_data(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame | None]:
    """(X, y, audit frame) from ``--compas PATH`` or ``--cohort N``."""
    if getattr(args, "compas", None):
        from riskassess.datasets import load_compas
        from riskassess.exceptions import RiskAssessError

        path = Path(args.compas)
        if not path.is_file():
            raise CommandInputError(f"--compas {path}: " + ("is a folder; give the CSV file"
                                                            if path.is_dir() else "no such file"))
        try:
            X, y, frame = load_compas(path, propublica_filter=args.propublica_filter)
        except RiskAssessError:
            raise
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            # pandas' parser errors are ValueErrors; a missing column is a KeyError
            raise CommandInputError(
                f"--compas {path}: cannot be read as ProPublica's compas-scores-two-years.csv "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            ) from None
        # the default outcome ("two_year") is a Series: reoffending within two years
        return X, cast("pd.Series", y), frame
    from riskassess._cli_demo import cohort_training_data

    X, y, _ = cohort_training_data(args.cohort, args.seed)
    return X, y, None


def _make_model(kind: str) -> Any:
    from riskassess.models import AdditiveRiskClassifier, ScorecardClassifier

    # both data sources' labels are reoffending within two years
    return (AdditiveRiskClassifier(horizon=2) if kind == "additive"
            else ScorecardClassifier(horizon=2))


def run_fit(args: argparse.Namespace) -> int:
    from riskassess.models import save_model

    out = check_output_folder(args.out, "--out")  # before the work, not after it
    X, y, _ = _load_data(args)
    model = _make_model(args.model)
    with step(f"fitting {args.model} on {len(X):,} rows", args.quiet):
        model.fit(X, y)
    save_model(model, out)
    say(f"fitted {type(model).__name__} on {len(X):,} rows ({y.mean():.1%} positive); "
         f"saved to {out.resolve()}")
    return 0


def _validated_case(payload: Any) -> Any:
    """The case record, or one clean line per problem (case id, field, message)."""
    from pydantic import ValidationError

    from riskassess._cli_input import case_problems, describe_problems
    from riskassess.cases import Case
    from riskassess.exceptions import CaseValidationError

    try:
        return Case.model_validate(payload)
    except (ValidationError, CaseValidationError) as exc:
        raise CommandInputError(describe_problems(case_problems(exc, payload))) from None


def run_assess(args: argparse.Namespace) -> int:
    import json

    from riskassess._cli_arns import carries_offence_codes, predictor_rows, print_predictors
    from riskassess._cli_input import read_case_file

    case = _validated_case(read_case_file(args.case))
    with_predictors = carries_offence_codes(case)
    if args.model is None and not with_predictors:
        raise CommandInputError(
            f"case {case.case_id}: index_offence.offence_code: not given, so HMPPS's "
            "predictors cannot be computed; give --model MODEL.json (a model from `fit` or "
            "the demo), or offence codes in the case (docs/cases.md)")
    assessment = _model_assessment(args, case) if args.model is not None else None
    rows = predictor_rows(case) if with_predictors else []
    if args.format == "json":
        record = None if assessment is None else json.loads(assessment.model_dump_json())
        say(json.dumps({"assessment": record, "predictors": rows}, indent=2))
        return 0
    say(f"case {case.case_id}, assessed as at {case.assessment_date}")
    if assessment is not None:
        _print_assessment(assessment)
    if rows:
        print_predictors(rows)
    say("This is a recommendation; the officer's decision is final.")
    return 0


def _model_assessment(args: argparse.Namespace, case: Any) -> Any:
    from riskassess.decisions import assess
    from riskassess.exceptions import FeatureError
    from riskassess.models import load_model

    model = load_model(args.model)
    try:
        return assess(model, case)
    except FeatureError as exc:
        # typically a model fitted by `fit --compas`: its columns are COMPAS's, which a
        # case record does not give
        raise CommandInputError(
            f"{exc}. The model {args.model} was fitted on data with other columns (a model "
            "from `fit --compas` reads the COMPAS table); `assess` needs a model fitted on "
            "case-record features, e.g. `riskassess fit --cohort N` or the demo's models"
        ) from None


def _print_assessment(assessment: Any) -> None:
    horizon = f"{assessment.horizon_years}-year " if assessment.horizon_years else ""
    say(f"{horizon}probability of proven reoffending: {assessment.probability:.1%}, "
        f"band {assessment.band}{band_rule(assessment)}")
    say("reasons:")
    for r in assessment.reasons:
        say(f"  - {r.text}")
    for w in assessment.warnings:
        say(f"warning: {w.message}")
    say(f"model: {assessment.model.name} {assessment.model.version} "
         f"({assessment.model.fingerprint[:12]}…)")


def _model_columns(model: Any, X: pd.DataFrame, args: argparse.Namespace) -> list[str]:
    """The columns the model reads, all present in the data (else a clear error)."""
    cols = [str(c) for c in getattr(model, "feature_names_in_", X.columns)]
    missing = [c for c in cols if c not in X.columns]
    if missing:
        data = f"--compas {args.compas}" if args.compas else "a synthetic cohort (--cohort)"
        fitted = ("a synthetic cohort or case records (`fit --cohort`)" if args.compas
                  else "the COMPAS table (`fit --compas`)")
        shown = ", ".join(missing[:6]) + (", …" if len(missing) > 6 else "")
        raise CommandInputError(
            f"--model {args.model}: the model reads {len(missing)} column(s) that {data} "
            f"does not have ({shown}); it was fitted on other data, probably {fitted}. "
            "Validate a model on the kind of data it was fitted on")
    return cols


def run_validate(args: argparse.Namespace) -> int:
    from riskassess._atomic import atomic_write_text
    from riskassess.models import load_model
    from riskassess.validation import validate

    out = check_output_folder(args.out, "--out")
    json_out = check_output_folder(args.json, "--json") if args.json else None
    model = load_model(args.model)
    X, y, frame = _load_data(args)
    groups = None
    if args.groups:
        source = frame if frame is not None and args.groups in frame.columns else X
        if args.groups not in source.columns:
            raise CommandInputError(f"--groups {args.groups!r}: no such column")
        groups = source[args.groups]
    cols = _model_columns(model, X, args)
    report = validate(model, X[cols], y, groups=groups, n_bootstrap=args.bootstrap,
                      seed=args.seed, progress=None if not args.quiet else False)
    report.to_html(out)
    if json_out is not None:
        atomic_write_text(json_out, report.to_json())
    a = report.auc
    say(f"AUC {a.value:.3f} ({a.lower:.3f}-{a.upper:.3f}, {a.method}); "
         f"Brier {report.brier.value:.3f}; report written to {out.resolve()}")
    return 0
