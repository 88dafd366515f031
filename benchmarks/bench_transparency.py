"""ATRS record and explanation-pack generation time, side by side with their neighbours.

Issue 17 asks for the time to generate an ATRS record and a per-case explanation pack.
Neither has a peer library; the neighbours that give the numbers a scale are the
artefacts riskassess already makes from the same inputs:

* ``model_card(model, report)`` + ``to_markdown()`` (the model-level document the ATRS
  record extends) beside ``atrs_record(model, report, deployment=...)`` + ``to_json()`` /
  ``to_markdown()``;
* ``assess(model, case)`` (scoring and explaining the case, which a pack follows) beside
  ``explanation_pack(decision, report)`` + ``to_html()`` / ``to_markdown()``;
* the equality and data protection impact assessment skeletons, for completeness.

Everything is timed in one process on one fitted model and one validation report; each
figure is the median of ``--repeats`` runs (after one warm-up run), in milliseconds, and
each ratio is our median over the neighbour's.

Run: ``python benchmarks/bench_transparency.py [--people N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from riskassess.datasets import make_cohort
from riskassess.decisions import assess
from riskassess.models import AdditiveRiskClassifier
from riskassess.transparency import (
    ATRS_FIELDS,
    atrs_record,
    data_protection_impact_assessment,
    equality_impact_assessment,
    explanation_pack,
)
from riskassess.validation import model_card, validate

CASE: dict[str, Any] = {
    "case_id": "C-42",
    "person": {"person_id": "P-42", "date_of_birth": "1990-05-01", "sex": "male"},
    "assessment_date": "2024-03-01",
    "index_offence": {"date": "2024-02-01", "offence": "theft_non_motor",
                      "disposal": "community", "violent": False},
    "sanctions": [
        {"date": "2010-06-01", "kind": "caution", "offence": "theft_non_motor",
         "violent": False},
        {"date": "2015-09-01", "kind": "conviction", "offence": "burglary_domestic",
         "disposal": "custody", "violent": False},
    ],
}
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: first-call imports and caches are not what a service pays per call
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    cohort = make_cohort(args.people, seed=0)
    X = cohort.features()
    y = cohort.outcomes["reoffend_2y"].reindex(X.index)
    known = y.notna().to_numpy()
    X, y = X[known], y[known].astype(int)
    half = len(X) // 2
    model = AdditiveRiskClassifier(horizon=2).fit(X.iloc[:half], y.iloc[:half])
    held_X, held_y = X.iloc[half:], y.iloc[half:]
    report = validate(model, held_X, held_y, groups=held_X["sex"], n_bootstrap=0)
    deployment = {f.key: f"Text for {f.key}." for f in ATRS_FIELDS
                  if f.filled_by == "deployment"}
    deployment |= {"contact_email": "atrs@probation.example.gov.uk",
                   "website": "https://probation.example.gov.uk/tools/risk"}
    assessment = assess(model, CASE, assessed_at=T0)
    decision = assessment.decide(
        "OFFICER-1", "very high", reason="serious_harm",
        rationale="Recent threats to a former partner were reported by the police.",
        decided_at=T0 + timedelta(hours=1))

    r = args.repeats
    rows = [
        ("model_card + to_markdown (neighbour)",
         _median_ms(lambda: model_card(model, report, intended_use="x",
                                       data_description="x").to_markdown(), r)),
        ("atrs_record", _median_ms(lambda: atrs_record(model, report,
                                                       deployment=deployment), r)),
        ("atrs_record + to_json + to_markdown",
         _median_ms(lambda: (lambda rec: (rec.to_json(), rec.to_markdown()))(
             atrs_record(model, report, deployment=deployment)), r)),
        ("assess one case (neighbour)", _median_ms(lambda: assess(model, CASE,
                                                                  assessed_at=T0), r)),
        ("explanation_pack", _median_ms(lambda: explanation_pack(decision, report), r)),
        ("explanation_pack + to_html + to_markdown",
         _median_ms(lambda: (lambda p: (p.to_html(), p.to_markdown()))(
             explanation_pack(decision, report)), r)),
        ("equality_impact_assessment + to_markdown",
         _median_ms(lambda: equality_impact_assessment(model, report).to_markdown(), r)),
        ("data_protection_impact_assessment + to_markdown",
         _median_ms(lambda: data_protection_impact_assessment(model, report).to_markdown(),
                    r)),
    ]
    print(f"{len(X)} cases ({half} fitted, {len(X) - half} validated), "
          f"{model.n_features_in_} inputs, medians of {r} runs")
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"  {name:<{width}}  {ms:8.2f} ms")
    by_name = dict(rows)
    card = by_name["model_card + to_markdown (neighbour)"]
    one = by_name["assess one case (neighbour)"]
    print(f"ratio ATRS record (rendered) / model card: "
          f"{by_name['atrs_record + to_json + to_markdown'] / card:.2f}")
    print(f"ratio explanation pack (rendered) / assess one case: "
          f"{by_name['explanation_pack + to_html + to_markdown'] / one:.2f}")


if __name__ == "__main__":
    main()
