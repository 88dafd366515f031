"""Benchmark: ARP / VRP / SVRP on 1,000,000 cases, the exact request path, the case path.

Run with ``python benchmarks/bench_arns.py [--quick]``. Prints medians and ratios:

* fixture conformance (the service's 9 snapshot fixtures, exactly);
* ``score_request`` per request (exact decimals, 3 predictors) against the per-case path
  (``arns_inputs`` + ``predict_proba`` of the three models, and ``assess``);
* vectorised ``term_contributions`` per predictor and form;
* ``predict_proba`` and the exact explanation (``riskassess.explain.explain`` and
  ``shap_values``) of ``ARP``, ``VRP`` and ``SVRP`` on 1,000,000 cases (goal: <= 1 s each),
  with a mix of STATIC and DYNAMIC rows (``form="auto"``, 30% of rows miss a need item).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from riskassess.decisions import assess
from riskassess.explain import explain, shap_values
from riskassess.instruments import ARP, SVRP, VRP, arns_inputs
from riskassess.instruments.arns import (
    NEED_COLUMNS,
    NEED_SOURCES,
    request_to_inputs,
    score_request,
    term_contributions,
)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "data" / "arns" / "fixtures"
FIXTURE_KEY = {"allReoffendingPredictor": "allPredictor",
               "violentReoffendingPredictor": "violentPredictor",
               "seriousViolentReoffendingPredictor": "seriousViolentPredictor"}
CASE = {"case_id": "C-1", "assessment_date": "2025-01-01",
        "person": {"person_id": "P-1", "date_of_birth": "1991-07-17", "sex": "male"},
        "index_offence": {"date": "2021-08-05", "offence_code": "11618",
                          "disposal": "community", "weapon": False},
        "follow_up_start": "2021-12-12",
        "sanctions": [{"date": f"{2008 + k}-03-01", "kind": "caution",
                       "offence_code": "11618"} for k in range(6)],
        "needs": {"accommodation": "some_problems", "unemployed": True,
                  "relationship_with_partner": "some_problems", "domestic_abuse": True,
                  "relationship_status": "in_relationship_living_together",
                  "regular_offending_activities": "some_problems",
                  "drug_motivation": "partial_motivation", "drugs_used": ["cannabis"],
                  "current_alcohol_use": "some_problems", "binge_drinking": "some_problems",
                  "impulsivity": "some_problems", "pro_criminal_attitudes": "some_problems",
                  "temper_control": "some_problems", "previous_serious_convictions": ["robbery"]}}

REQUEST = {
    "assessmentDate": "2025-01-01", "gender": "MALE", "dateOfBirth": "1991-07-17",
    "dateOfCurrentConviction": "2021-08-05", "dateAtStartOfFollowup": "2021-12-12",
    "totalNumberOfSanctionsForAllOffences": 7, "totalNumberOfViolentSanctions": 2,
    "ageAtFirstSanction": 16, "currentOffenceCode": "11618",
    "suitabilityOfAccommodation": "SOME_PROBLEMS", "isUnemployed": True,
    "currentRelationshipWithPartner": "SOME_PROBLEMS", "evidenceOfDomesticAbuse": True,
    "currentRelationshipStatus": "IN_RELATIONSHIP_LIVING_TOGETHER",
    "regularOffendingActivities": "SOME_PROBLEMS", "motivationToTackleDrugMisuse":
    "PARTIAL_MOTIVATION", "hasCannabisUsage": True, "currentAlcoholUseProblems": "SOME_PROBLEMS",
    "excessiveAlcoholUse": "SOME_PROBLEMS", "impulsivityProblems": "SOME_PROBLEMS",
    "proCriminalAttitudes": "SOME_PROBLEMS", "temperControl": "SOME_PROBLEMS",
    "didOffenceInvolveCarryingOrUsingWeapon": False, "previousConvictions": ["ROBBERY"],
}


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def big_frame(n: int, missing: float = 0.0) -> pd.DataFrame:
    """Random valid inputs; a share ``missing`` of rows lacks one required need item."""
    rng = np.random.default_rng(0)
    top = {"problem": 3, "motivation": 3}
    frame = pd.DataFrame({c: rng.integers(0, top.get(NEED_SOURCES[c][1], 2), n).astype(float)
                          for c in NEED_COLUMNS})
    if missing:
        frame.loc[rng.random(n) < missing, "accommodation"] = np.nan
    first = rng.integers(10, 40, n)
    frame["female"] = rng.integers(0, 2, n)
    frame["age_at_first_sanction"] = first
    frame["age_at_conviction"] = first + rng.integers(0, 40, n)
    frame["age_at_followup"] = frame["age_at_conviction"]
    frame["n_sanctions"] = rng.integers(1, 60, n)
    frame["n_violent_sanctions"] = np.minimum(rng.integers(0, 3, n), frame["n_sanctions"])
    frame["offence_free_months"] = rng.integers(0, 37, n)
    frame["offence_category"] = rng.choice(["OTHER_OFFENCES", "THEFT_NON_MOTOR",
                                            "WELFARE_FRAUD", "BURGLARY_DOMESTIC"], n)
    return frame


def conformance() -> tuple[int, int]:
    """Fixtures reproduced exactly (type, output, errors, every featureValue), of all."""
    files = sorted(FIXTURES.glob("*/*.json"))
    ok = 0
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        got = score_request(data["request"], today=dt.date(2026, 1, 1))[
            FIXTURE_KEY[path.parent.name]]
        ok += got == data["response"]
    return ok, len(files)


def case_path(case: dict) -> list[float]:
    X = arns_inputs([case])
    return [float(m.predict_proba(X)[0, 1]) for m in (ARP(), VRP(), SVRP())]


def main() -> None:
    quick = "--quick" in sys.argv
    n_big = 100_000 if quick else 1_000_000
    warnings.simplefilter("ignore")  # MISSING_DYNAMIC_INPUT on the mixed frame, by design
    ok, total = conformance()
    print(f"fixture conformance: {ok}/{total}")

    score_request(REQUEST)
    exact = median_time(lambda: score_request(REQUEST), 200)
    print("\n-- one case (median of 200) --")
    one = pd.DataFrame([request_to_inputs(REQUEST)])
    rows: list[tuple[str, float]] = [("score_request (3 predictors, exact)", exact)]
    case_path(CASE)
    rows.append(("arns_inputs + 3 x predict_proba (case path)",
                 median_time(lambda: case_path(CASE), 200)))
    one_case = arns_inputs([CASE])
    arp_bg = ARP().fit(big_frame(2_000))
    assess(arp_bg, CASE)
    rows.append(("assess(ARP, case)", median_time(lambda: assess(arp_bg, CASE), 200)))
    rows.append(("ARP predict_proba, 1 row frame",
                 median_time(lambda: arp_bg.predict_proba(one_case), 200)))
    for predictor in ("arp", "vrp", "svrp"):
        term_contributions(one, predictor, "dynamic")
        rows.append((f"term_contributions {predictor} dynamic, 1 row",
                     median_time(lambda p=predictor: term_contributions(one, p, "dynamic"), 200)))
    for name, seconds in rows:
        print(f"{name:52s} {seconds * 1e3:10.3f} ms   exact/this = {exact / seconds:8.3g}")

    print(f"\n-- {n_big:,} cases (median of 5) --")
    frame = big_frame(n_big, missing=0.3)
    complete = big_frame(n_big)
    big: list[tuple[str, float]] = []
    for predictor in ("arp", "vrp", "svrp"):
        for form in ("static", "dynamic"):
            big.append((f"term_contributions {predictor} {form}",
                        median_time(lambda p=predictor, f=form: term_contributions(
                            complete, p, f), 5)))
    for cls in (ARP, VRP, SVRP):
        name = cls.__name__
        auto = cls().fit(frame.sample(10_000, random_state=0))
        dynamic = cls(form="dynamic").fit(complete.sample(10_000, random_state=0))
        big.append((f"{name} predict_proba, auto (30% static)",
                    median_time(lambda m=auto: m.predict_proba(frame), 5)))
        big.append((f"{name} predict_proba, all dynamic",
                    median_time(lambda m=dynamic: m.predict_proba(complete), 5)))
        big.append((f"{name} shap_values (exact), auto",
                    median_time(lambda m=auto: shap_values(m, frame), 5)))
        big.append((f"{name} explain (exact, shap.Explanation), auto",
                    median_time(lambda m=auto: explain(m, frame), 5)))
    for name, seconds in big:
        verdict = "ok" if seconds <= 1.0 else "over 1 s"
        print(f"{name:52s} {seconds:8.3f} s   {seconds / n_big * 1e9:8.1f} ns/row  {verdict}")
    per_row = dict(big)["ARP predict_proba, auto (30% static)"] / n_big
    print(f"\nexact score_request per request / ARP per row on {n_big:,} rows: "
          f"{exact / per_row:,.0f}x")


if __name__ == "__main__":
    main()
