"""``riskassess arns`` and the HMPPS predictors in ``riskassess assess``.

Two ways a probation user meets the predictors England and Wales use today (ARP, VRP,
SVRP; see :mod:`riskassess.instruments.arns`):

* ``riskassess arns REQUEST.json [--today YYYY-MM-DD]`` answers a request body of HMPPS's
  actuarial scoring service exactly as the service would (its ``actuarialPredictors``
  object), so a case system migrating from the service can diff the two outputs;
* ``riskassess assess --case CASE.json`` on a case whose offences carry Home Office codes
  prints all three predictors' probabilities and bands, with the form each used (DYNAMIC
  when every need item it reads is recorded, else STATIC with the missing items named).

The predictors' numbers come from ministryofjustice/hmpps-arns-risk-actuarial-api (MIT
licence, Crown Copyright; see ``riskassess/data/hmpps/LICENSE-hmpps-arns.txt``).

Examples
--------
>>> from riskassess._cli_case import example_case
>>> case = example_case()  # offence codes and every need item: DYNAMIC forms
>>> rows = predictor_rows(case)
>>> [(r["predictor"], r["form"]) for r in rows]
[('ARP', 'dynamic'), ('VRP', 'dynamic'), ('SVRP', 'dynamic')]
>>> del case["needs"]  # no need items recorded: STATIC, and what is missing is named
>>> rows = predictor_rows(case)
>>> rows[0]["form"], rows[0]["band"] in ("low", "medium", "high", "very high")
('static', True)
>>> rows[0]["missing"][:2]
['accommodation', 'unemployed']
"""

from __future__ import annotations

import argparse
import json
import re
import warnings
from typing import Any

from riskassess._cli_input import CommandInputError, say

__all__ = ["carries_offence_codes", "predictor_rows", "print_predictors", "run_arns"]

_NAMES = ("ARP", "VRP", "SVRP")
_WHAT = {"ARP": "all proven reoffending", "VRP": "violent proven reoffending",
         "SVRP": "serious violent proven reoffending"}


def carries_offence_codes(case: Any) -> bool:
    """Whether a case's index offence has a Home Office offence code (what ARP, VRP and
    SVRP need: their 24 offence groups cannot be recovered from an OGRS3 category).

    Parameters
    ----------
    case : riskassess.cases.Case or mapping

    Returns
    -------
    bool

    Examples
    --------
    >>> carries_offence_codes({"index_offence": {"offence_code": "02700"}})
    True
    >>> carries_offence_codes({"index_offence": {"offence": "burglary_domestic"}})
    False
    """
    index = case.get("index_offence") if isinstance(case, dict) else getattr(
        case, "index_offence", None)
    code = (index.get("offence_code") if isinstance(index, dict)
            else getattr(index, "offence_code", None))
    return bool(code)


def predictor_rows(case: Any) -> list[dict[str, Any]]:
    """ARP, VRP and SVRP for one case: probability, band, cut points, form, missing items.

    Parameters
    ----------
    case : riskassess.cases.Case or mapping
        A case record whose index offence carries ``offence_code``.

    Returns
    -------
    list of dict
        One dict per predictor (``predictor``, ``what``, ``horizon_years``, ``form``,
        ``probability``, ``band``, ``cut_points``, ``labels``, ``missing``), in the order
        ARP, VRP, SVRP.
    """
    from riskassess.instruments.arns import ARP, SVRP, VRP, arns_inputs

    frame = arns_inputs([case])
    rows = []
    for cls in (ARP, VRP, SVRP):
        model = cls()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            probability = float(model.predict_proba(frame)[0, 1])
            band = str(model.predict_band(frame)[0])
        bands = model._bands()
        missing = _missing_items([str(w.message) for w in caught])
        rows.append({
            "predictor": cls.__name__, "what": _WHAT[cls.__name__],
            "horizon_years": int(cls.horizon), "form": str(model.scored_forms(frame)[0]),
            "probability": probability, "band": band,
            "cut_points": [float(c) for c in bands.cut_points], "labels": list(bands.labels),
            "missing": missing,
        })
    return rows


def _missing_items(messages: list[str]) -> list[str]:
    """Need items named in the instrument's MISSING_DYNAMIC_INPUT warning, in its order:
    each entry reads ``requestField (item, item) not recorded for ...``."""
    items: list[str] = []
    for message in messages:
        if "MISSING_DYNAMIC_INPUT" not in message:
            continue
        for group in re.findall(r"\w+ \(([^)]*)\) not recorded", message):
            items += [i.strip() for i in group.split(",") if i.strip() not in items]
    return items


def _percent(cut: float) -> str:
    # a cut point is the smallest probability whose 2-decimal percent reaches the service's
    # threshold (service_cut_points): print the threshold itself, e.g. 0.49995 -> "50%"
    return f"{cut * 100 + 0.005:.2f}".rstrip("0").rstrip(".") + "%"


def _band_rule(row: dict[str, Any]) -> str:
    labels, cuts = row["labels"], row["cut_points"]
    i = labels.index(row["band"])
    low = _percent(cuts[i - 1]) if i > 0 else None
    high = _percent(cuts[i]) if i < len(cuts) else None
    if low and high:
        return f"{low} to below {high}"
    return f"below {high}" if high else f"{low} or more"


def print_predictors(rows: list[dict[str, Any]]) -> None:
    """Print :func:`predictor_rows` for people: one line per predictor, then notes."""
    say("HMPPS predictors (as ministryofjustice/hmpps-arns-risk-actuarial-api computes them):")
    for r in rows:
        say(f"  {r['predictor']:<5} {r['form'].upper():<8} {r['probability']:7.2%} "
            f"{r['horizon_years']}-year risk of {r['what']}: band {r['band']} "
            f"({_band_rule(r)})")
    for r in rows:
        if r["missing"]:
            say(f"  {r['predictor']} is STATIC because these need items are not recorded: "
                f"{', '.join(r['missing'])}")


def _read_request(name: str) -> Any:
    import sys
    from pathlib import Path

    if name == "-":
        text = sys.stdin.read()
    else:
        path = Path(name)
        if not path.is_file():
            raise CommandInputError(f"{name}: " + ("is a folder; give the request JSON file"
                                                   if path.is_dir() else "no such file"))
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CommandInputError(f"{name}: not UTF-8 text; a request is a JSON "
                                    "object") from None
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CommandInputError(f"{name}: not valid JSON ({first})") from None
    if not isinstance(payload, dict):
        raise CommandInputError(f"{name}: a request is one JSON object (the service's "
                                f"request body), got {type(payload).__name__}")
    return payload


def run_arns(args: argparse.Namespace) -> int:
    """``riskassess arns REQUEST.json [--today DATE]``: the service's response, exactly."""
    from riskassess.instruments.arns import RequestError, score_request

    request = _read_request(args.request)
    try:
        response = score_request(request, today=args.today)
    except RequestError as exc:
        # what the service answers with HTTP 400: a malformed body, not a scoring result
        raise CommandInputError(f"{args.request}: {exc}") from None
    say(json.dumps(response, indent=2))
    return 0
