"""``riskassess schema case`` and ``riskassess example case``: the case format, on demand.

A case system codes against the JSON Schema of :class:`riskassess.cases.Case`; a person
trying the command line starts from the example and edits it. Both go to standard
output, or to a file with ``--out``. The format is described field by field, with the
validity rules, in ``docs/cases.md``.

Examples
--------
>>> from riskassess.cases import Case
>>> case = Case.model_validate(example_case())
>>> case.case_id, len(case.sanctions)
('C-EXAMPLE-1', 3)
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["CASE_FORMAT_HELP", "example_case", "run_example", "run_schema"]

#: Where the case format is documented (quoted by ``assess --help``).
CASE_FORMAT_HELP = (
    "A case record is one JSON object: case_id, person (person_id, date_of_birth, sex), "
    "assessment_date, index_offence (date, offence or Home Office offence_code, kind, "
    "disposal, violent) and the sanctions before it; optionally OASys need items (needs). "
    "Every field and validity rule is described in docs/cases.md; "
    "`riskassess schema case` prints the JSON Schema and `riskassess example case` a "
    "valid example to start from."
)


def example_case() -> dict[str, Any]:
    """A valid case record as plain JSON data: the starting point for a new case file.

    Dates are fixed and in the past, so the example stays valid; the sanctions show a
    conviction with its disposal, a caution (which has none) and a violent offence. Each
    offence carries its Home Office offence code and the case its OASys need items, so
    HMPPS's ARP, VRP and SVRP can score it in their DYNAMIC forms.

    Returns
    -------
    dict
        JSON-ready data that :class:`riskassess.cases.Case` accepts.

    Examples
    --------
    >>> example_case()["index_offence"]["offence"]
    'burglary_domestic'
    """
    return {
        "case_id": "C-EXAMPLE-1",
        "person": {"person_id": "P-EXAMPLE-1", "date_of_birth": "1990-05-01",
                   "sex": "male"},
        "assessment_date": "2024-03-01",
        "index_offence": {"date": "2024-02-01", "offence": "burglary_domestic",
                          "offence_code": "02800", "kind": "conviction",
                          "disposal": "community", "violent": False, "weapon": False},
        "sanctions": [
            {"date": "2008-06-12", "kind": "caution", "disposal": None,
             "offence": "theft_non_motor", "offence_code": "03900", "violent": False},
            {"date": "2013-09-30", "kind": "conviction", "disposal": "fine",
             "offence": "criminal_damage", "offence_code": "00900", "violent": False},
            {"date": "2019-01-15", "kind": "conviction", "disposal": "custody",
             "offence": "violence", "offence_code": "00501", "violent": True},
        ],
        "follow_up_start": "2024-02-01",
        "needs": {
            "accommodation": "some_problems", "unemployed": True,
            "relationship_with_partner": "no_problems",
            "relationship_status": "not_in_relationship", "domestic_abuse": False,
            "regular_offending_activities": "some_problems",
            "drug_motivation": "partial_motivation",
            "current_alcohol_use": "no_problems", "binge_drinking": "some_problems",
            "impulsivity": "some_problems", "temper_control": "no_problems",
            "pro_criminal_attitudes": "some_problems", "drugs_used": ["cannabis"],
            "previous_serious_convictions": [],
        },
    }


def _write(text: str, out: str | None, what: str) -> int:
    from riskassess._cli_input import check_output_folder

    if out is None or out == "-":
        print(text, flush=True)
        return 0
    from riskassess._atomic import atomic_write_text

    target = check_output_folder(out, "--out")
    atomic_write_text(target, text + "\n")
    print(f"{what} written to {target.resolve()}", flush=True)
    return 0


def run_schema(args: argparse.Namespace) -> int:
    """``riskassess schema case [--out FILE]``: the JSON Schema of a case record."""
    from riskassess.cases import Case

    schema = Case.model_json_schema()
    return _write(json.dumps(schema, indent=2), args.out, "JSON Schema of a case record")


def run_example(args: argparse.Namespace) -> int:
    """``riskassess example case [--out FILE]``: a valid example case record."""
    return _write(json.dumps(example_case(), indent=2), args.out, "example case record")
