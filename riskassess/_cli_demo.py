"""``riskassess demo``: the whole workflow on a synthetic cohort, without destroying anything.

The demo writes into one output folder. It refuses a folder that already holds files
unless ``--force`` is given (then it replaces only the files it writes itself and leaves
everything else there), so a second run never silently deletes a decision log or
overwrites a report someone kept. It ends by saying what to open and what to try next.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as folder:
...     (Path(folder) / "kept.txt").write_text("mine", encoding="utf-8")
...     try:
...         prepare_output_folder(Path(folder), force=False)
...     except CommandInputError as exc:
...         print("refused:", "--force" in str(exc))
4
refused: True
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from riskassess._cli_input import CommandInputError, band_rule, say, step

__all__ = ["DEMO_FILES", "cohort_training_data", "prepare_output_folder", "run_demo"]

#: What the demo writes, by label, inside its output folder.
DEMO_FILES = {
    "report": "validation_additive.html",
    "scorecard_report": "validation_scorecard.html",
    "model": "additive_model.json",
    "scorecard": "scorecard_model.json",
    "card": "model_card.md",
    "log": "decisions.sqlite",
    "log_export": "decisions.jsonl",
    "log_key": "log.key",
    "receipts": "receipts.jsonl",
    "case": "example_case.json",
    "atrs": "atrs_record_draft.md",
    "atrs_json": "atrs_record_draft.json",
    "explanation_pack": "explanation_pack.html",
    "equality_impact": "equality_impact_assessment.md",
}

_DEMO_RATIONALE = (
    "Recent stable employment and a supportive family placement since the index offence; "
    "verified by the officer with the employer and the family."
)


def prepare_output_folder(out: Path, *, force: bool) -> dict[str, Path]:
    """Create the demo's output folder, or accept an existing one only when it is safe.

    Parameters
    ----------
    out : Path
        The output folder.
    force : bool
        Accept a folder that already holds files; the demo's own files in it are
        replaced (the old decision log removed), nothing else is touched.

    Returns
    -------
    dict of str to Path
        The paths the demo writes, by label (see :data:`DEMO_FILES`).

    Raises
    ------
    CommandInputError
        ``out`` is a file, or a non-empty folder and ``force`` is false (the message
        lists what is there).
    """
    if out.exists() and not out.is_dir():
        raise CommandInputError(f"--out {out}: is a file, not a folder")
    if out.is_dir():
        present = sorted(p.name for p in out.iterdir())
        if present and not force:
            shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
            raise CommandInputError(
                f"--out {out}: the folder is not empty ({shown}); the demo would replace "
                "its decision log, models and reports. Give an empty or new folder, or add "
                "--force to replace the demo's own files there")
    else:
        try:
            out.mkdir(parents=True)
        except OSError as exc:
            raise CommandInputError(f"--out {out}: cannot create the folder "
                                    f"({exc.strerror})") from None
    return {label: out / name for label, name in DEMO_FILES.items()}


def cohort_training_data(n_people: int, seed: int) -> tuple[Any, Any, Any]:
    """Features and uncensored 2-year outcomes of a synthetic cohort, and the cohort.

    Censored cases (follow-up shorter than two years) are dropped, never counted as 0.

    Examples
    --------
    >>> X, y, cohort = cohort_training_data(300, seed=0)
    >>> len(X) == len(y) <= 300, set(y.unique()) <= {0, 1}
    (True, True)
    """
    from riskassess.datasets import make_cohort

    cohort = make_cohort(n_people, seed=seed)
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    known = y.notna().to_numpy()
    return X.loc[known], y[known].astype(int).rename("reoffend_2y"), cohort


def _fit_and_validate(args: argparse.Namespace, paths: dict[str, Path]) -> tuple[Any, ...]:
    import warnings

    from sklearn.model_selection import train_test_split

    from riskassess._version import __version__
    from riskassess.exceptions import MissingDynamicInputWarning
    from riskassess.instruments import OGRS3
    from riskassess.models import AdditiveRiskClassifier, ScorecardClassifier, save_model
    from riskassess.validation import model_card, validate

    q = args.quiet
    with step(f"building a synthetic cohort of {args.people:,} people", q):
        X, y, cohort = cohort_training_data(args.people, args.seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=args.seed)
    with step("fitting the additive model and the scorecard", q):
        additive = AdditiveRiskClassifier(horizon=2).fit(X_train, y_train)
        scorecard = ScorecardClassifier(horizon=2).fit(X_train, y_train)
    ogrs3 = OGRS3(horizon=2).fit(X_train, y_train)
    with step("scoring HMPPS's ARP on the held-out cases (offence codes, need items)", q):
        arp, arp_test = _arp(cohort, X_train.index, X_test.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDynamicInputWarning)
        incumbent = arp.predict_proba(arp_test)[:, 1]
        n_static = int((arp.scored_forms(arp_test) == "static").sum())
    reports: dict[str, Any] = {}
    with step("validating against ARP and OGRS3 (1,000 bootstrap replicates)", q):
        for name, model in (("additive", additive), ("scorecard", scorecard)):
            reports[name] = validate(model, X_test, y_test, groups=X_test["sex"],
                                     incumbent=incumbent, incumbent_name="ARP",
                                     seed=args.seed, progress=False)
        with warnings.catch_warnings():
            # counted and said once below, not once per call
            warnings.simplefilter("ignore", MissingDynamicInputWarning)
            reports["ARP (HMPPS, today)"] = validate(arp, arp_test, y_test,
                                                     groups=X_test["sex"], seed=args.seed,
                                                     progress=False)
        reports["OGRS3 (retired 2026)"] = validate(ogrs3, X_test, y_test,
                                                   groups=X_test["sex"], seed=args.seed,
                                                   progress=False)
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
    from riskassess._atomic import atomic_write_text

    atomic_write_text(paths["card"], card.to_markdown())
    say(f"riskassess {__version__} demo: {len(X):,} uncensored cases "
         f"({len(X_train):,} to fit, {len(X_test):,} to validate), 2-year base rate "
         f"{y.mean():.1%}")
    say("")
    say(f"{'model':<28}{'AUC (95% CI)':<24}{'Brier':>8}")
    for name, rep in reports.items():
        a = rep.auc
        say(f"{name:<28}{a.value:.3f} ({a.lower:.3f}-{a.upper:.3f}){'':<6}"
             f"{rep.brier.value:>8.3f}")
    if n_static:
        say(f"ARP used its STATIC form for {n_static:,} of {len(arp_test):,} held-out cases "
            "(some OASys need items not recorded), its DYNAMIC form for the others")
    cmp_ = reports["additive"].incumbent
    if cmp_ is not None:
        d = cmp_.difference
        say(f"additive - ARP AUC difference: {d.value:+.3f} "
             f"({d.lower:+.3f} to {d.upper:+.3f}; paired, same people)")
    say("")
    return additive, cohort, set(X_test.index), reports["additive"]


def _arp(cohort: Any, train_ids: Any, test_ids: Any) -> tuple[Any, Any]:
    """HMPPS's ARP for the demo: its explanations' background from (up to 2,000) training
    cases, and its input frame for the held-out cases, in ``test_ids`` order.

    ARP reads Home Office offence codes and OASys need items, which the synthetic cases
    carry; its inputs are built from the case records (whole-year ages, as the service
    counts them), so only the cases it scores are built.
    """
    import warnings

    from riskassess.exceptions import MissingDynamicInputWarning
    from riskassess.instruments import ARP, arns_inputs

    train = set(train_ids[:2_000])
    wanted = set(test_ids)
    background, held_out = [], []
    for case in cohort.case_dicts():
        if case["case_id"] in wanted:
            held_out.append(case)
        elif case["case_id"] in train:
            background.append(case)
    with warnings.catch_warnings():
        # cases without every need item take ARP's STATIC form, as the service does
        warnings.simplefilter("ignore", MissingDynamicInputWarning)
        arp = ARP().fit(arns_inputs(background))
        frame = arns_inputs(held_out).loc[list(test_ids)]
    return arp, frame


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo (``args``: out, people, seed, force, quiet); returns the exit code."""
    from riskassess._atomic import atomic_write_text
    from riskassess.decisions import DecisionLog, OverrideReason, assess
    from riskassess.types import RISK_BANDS

    paths = prepare_output_folder(Path(args.out), force=args.force)
    additive, cohort, test_ids, report = _fit_and_validate(args, paths)
    with step("assessing three cases", args.quiet):
        chosen = []
        for case in cohort.cases():
            if case.case_id in test_ids:
                chosen.append(case)
            if len(chosen) == 3:
                break
        assessments = [assess(additive, c) for c in chosen]
    atomic_write_text(paths["case"], chosen[0].model_dump_json(indent=2) + "\n")
    for a in assessments:
        say(f"case {a.case_id}: {a.probability:.0%} 2-year risk, band {a.band!r}"
            f"{band_rule(a)}")
        for r in a.reasons:
            say(f"  - {r.text}")
    agreed = assessments[0].decide(officer_id="OFFICER-001")
    first = assessments[1]
    down = RISK_BANDS[max(RISK_BANDS.index(first.band) - 1, 0)]
    other = down if down != first.band else RISK_BANDS[1]
    overridden = first.decide(officer_id="OFFICER-002", band=other,
                              reason=OverrideReason.PROTECTIVE_FACTORS,
                              rationale=_DEMO_RATIONALE)
    # reached only for an empty folder or with --force (prepare_output_folder): the old
    # log is the demo's own, and a fresh one keeps "2 records" true
    paths["log"].unlink(missing_ok=True)
    # the documented set-up: a keyed log (the key stays outside the log, readable by its
    # owner only) and the receipts a case system keeps, so verify can detect rewrites,
    # forged appends and deleted tails, not only edits
    key = _write_key(paths["log_key"])
    countersignature = None
    with DecisionLog(paths["log"], key=key) as log:
        receipts = log.append_many([agreed, overridden])
        if overridden.status == "pending":
            # the policy: an override into or out of high needs a supervisor's
            # countersignature before it takes effect (a second, linked record)
            receipts.append(log.countersign(receipts[1], "SUPERVISOR-001", note=(
                "Reviewed the rationale and the verification with the employer.")))
            countersignature = list(log.records())[-1].record
        result = log.verify(key=key, receipts=receipts)
        log.to_jsonl(paths["log_export"])
    atomic_write_text(paths["receipts"], "".join(r.to_json() + "\n" for r in receipts))
    # the pack checks that the countersignature is for this decision (its receipt's hash)
    seconds = _transparency(additive, report, overridden, countersignature, receipts[1],
                            paths)
    say("")
    say(f"officer OFFICER-001 agreed with case {agreed.case_id} ({agreed.final_band!r}); "
         f"officer OFFICER-002 overrode case {overridden.case_id} from "
         f"{overridden.model_band!r} to {overridden.final_band!r} "
         f"(reason: {overridden.reason}).")
    if countersignature is not None:
        say(f"supervisor SUPERVISOR-001 countersigned the override of case "
            f"{overridden.case_id}, which is effective from then (record linked by hash).")
    say(str(result))
    say(f"transparency: a draft ATRS record, an explanation pack for case "
        f"{overridden.case_id} and an equality impact assessment skeleton, in {seconds:.2f} s")
    say("")
    say("wrote:")
    for label, p in paths.items():
        say(f"  {label:<17}{p.resolve()}")
    _next_steps(paths)
    return 0 if result.ok else 1


def _transparency(model: Any, report: Any, decision: Any, countersignature: Any,
                  receipt: Any, paths: dict[str, Path]) -> float:
    """Write the draft ATRS record, the explanation pack of the overridden case and the
    equality impact assessment skeleton; returns the seconds they took to build."""
    import time

    from riskassess._atomic import atomic_write_text
    from riskassess.transparency import (
        atrs_record,
        equality_impact_assessment,
        explanation_pack,
    )

    start = time.perf_counter()
    # a draft: the fields only the deploying body can give are listed as missing
    record = atrs_record(model, report, draft=True)
    pack = explanation_pack(decision, report, countersignature=countersignature,
                            receipt=receipt)
    impact = equality_impact_assessment(model, report)
    texts = {"atrs": record.to_markdown(), "atrs_json": record.to_json(),
             "explanation_pack": pack.to_html(), "equality_impact": impact.to_markdown()}
    seconds = time.perf_counter() - start
    for label, text in texts.items():
        atomic_write_text(paths[label], text if text.endswith("\n") else text + "\n")
    return seconds


def _write_key(path: Path) -> Any:
    """A new log key in ``path`` (hex, mode 0600), returned as a FileKey."""
    import os

    from riskassess.decisions import FileKey, generate_key

    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(generate_key() + "\n")
    return FileKey(path)


def _next_steps(paths: dict[str, Path]) -> None:
    def q(p: Path) -> str:
        return str(p) if " " not in str(p) else f'"{p}"'

    say("")
    say("open next:")
    say(f"  {q(paths['report'])} in a browser: the validation report (discrimination, "
         "calibration, fairness by sex, comparison with ARP)")
    say(f"  {q(paths['card'])}: the model card")
    say(f"  {q(paths['explanation_pack'])}: what the person assessed could be given (the "
        "ICO's six kinds of explanation)")
    say(f"  {q(paths['atrs'])}: a draft transparency record; the fields only the "
        "deploying body can fill are listed as missing")
    say("try next:")
    say(f"  riskassess assess --model {q(paths['model'])} --case {q(paths['case'])}")
    say(f"  riskassess log stats {q(paths['log'])} --by reason")
    say(f"  riskassess log pending {q(paths['log'])}")
    say(f"  riskassess log verify {q(paths['log'])} --key-file {q(paths['log_key'])} "
        f"--receipts {q(paths['receipts'])}")
    say("  riskassess example case --out my_case.json   (then edit it and assess it)")
    say("  the notebooks in notebooks/ (quickstart, officer workflow, COMPAS re-analysis)")
