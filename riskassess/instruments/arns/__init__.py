"""HMPPS's actuarial predictors ARP, VRP and SVRP, reproduced exactly.

NOTICE: Coefficients and offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api,
MIT licence, Crown Copyright; see riskassess/data/hmpps/LICENSE-hmpps-arns.txt.

Three faces of the same six logistic models (ARP, VRP, SVRP x STATIC, DYNAMIC):

* :class:`ARP`, :class:`VRP`, :class:`SVRP`: models like every riskassess model
  (``predict_proba``, ``predict_band`` with the service's bands, exact SHAP values per
  term, ``assess``, persistence) on the frame :func:`arns_inputs` builds from case
  records; :func:`case_to_request` writes the service's request for a case.

* :func:`score_request` answers a service request body exactly as the service's
  ``/risk-scores/v1`` ``actuarialPredictors`` object (decimal arithmetic, the service's
  validation errors, types, key order and nulls). All 9 of the service's own snapshot
  fixtures reproduce identically at 15 decimals.
* :func:`term_contributions` computes the same terms in float64 for whole tables
  (1,000,000 rows in well under a second), from the snake_case :data:`INPUT_COLUMNS`
  that :func:`request_to_inputs` derives from a request.

Requests without ``assessmentDate`` are not reproducible: the service takes the server's
"today", which moves the offence-free months and the three-month conviction rule; pass
``today=`` to fix it.

Oddities of the service reproduced deliberately by :func:`score_request`
-----------------------------------------------------------------------
* ARP does not require ``motivationToTackleDrugMisuse`` but VRP does: without the drug
  section a case is ARP DYNAMIC but VRP STATIC.
* No partial dynamic form: any dynamic error scores the STATIC form and the dynamic
  errors ride along in ``validationErrors``; any static error gives no score and lists the
  static then the dynamic errors.
* ``isUnemployed=true`` enters as twice its coefficient.
* The first-, second-sanction and per-sanction terms stack (n = 2 gets
  second_sanction + 2 * per_sanction + gap); the gap treats the current conviction as the
  second sanction (career = age at conviction - age at first sanction, no cap).
* Sanction counts include the current one; Copas terms only from 3 sanctions, the
  violent-rate term from 1 violent sanction; SVRP's violent-rate boost is a hard-coded 30.
* Offence-free months are 0 when the assessment precedes the start of follow-up
  ("not in the community"): a custody case scored before release gets no credit.
* Unbounded age polynomials (VRP dynamic male turns upward after 69, VRP static female
  after 77; ARP female reaches -7 at 100).
* A 2-decimal score of 0.00 is an error for ARP/VRP (``UNEXPECTED_ERROR`` as the only
  error, validation errors dropped) but LOW for SVRP; scores >= 100 become 99.99.
* SVRP never checks the follow-up date: one on or before the birth date becomes
  ``UNEXPECTED_ERROR``; an age of 110 or more at follow-up is scored.
* Ages at first sanction 0..109 pass although the code comment says 8-98, and the
  error message talks about the age "at current conviction"; ``VIOLENT_SANCTION_OUT_OF_RANGE``
  says "greater than 0" but 0 is accepted.
* The follow-up date is never checked against the conviction or assessment date.
* ``MISSING_MANDATORY_INPUT`` never lists ``assessmentDate`` (it defaults to today); an
  explicit JSON null for it (or ``version``) is a 400 (:class:`RequestError`).
* The ``MISSING_DYNAMIC_INPUT`` field order is the validators' (ARP/VRP list
  ``evidenceOfDomesticAbuse`` before ``currentRelationshipStatus``), not arns.md's table.
* Coefficients are the exact binary values of the service's double literals; offence
  categories decimal literals (SVRP's violence groups the exact sum of two literals).
* ``sigmoid = e / (1 + e)`` keeps the scale of ``e = exp(total)`` (34 digits) and rounds
  HALF_EVEN before the 2-decimal HALF_UP percent; feature values are rounded to 15
  decimals HALF_UP on the wire, the score uses the unrounded total.
* ``hasHeroinUsage`` is ignored by VRP and ``hasMethadoneUsage`` by ARP; other drugs,
  ketamine, spice, hallucinogens and solvents share one "other drug" term.

Examples
--------
>>> import datetime as dt
>>> from riskassess.instruments.arns import score_request
>>> out = score_request({"gender": "MALE", "dateOfBirth": "1980-01-01",
...     "dateOfCurrentConviction": "2020-01-01", "dateAtStartOfFollowup": "2024-01-01",
...     "assessmentDate": "2025-01-01", "ageAtFirstSanction": 40,
...     "totalNumberOfSanctionsForAllOffences": 1, "totalNumberOfViolentSanctions": 1,
...     "currentOffenceCode": "02700"})
>>> out["seriousViolentPredictor"]["output"], out["seriousViolentPredictor"]["type"]
({'band': 'LOW', 'score': 0.18}, 'STATIC')
"""

from riskassess.instruments.arns._cases import arns_inputs, case_to_request
from riskassess.instruments.arns._data import offence_category
from riskassess.instruments.arns._errors import OffenceCodeError, RequestError
from riskassess.instruments.arns._exact import score_request
from riskassess.instruments.arns._models import ARP, SVRP, VRP, service_cut_points
from riskassess.instruments.arns._vector import (
    INPUT_COLUMNS,
    NEED_COLUMNS,
    NEED_SOURCES,
    band_of,
    feature_names,
    request_to_inputs,
    required_columns,
    term_contributions,
)

__all__ = [
    "ARP",
    "INPUT_COLUMNS",
    "NEED_COLUMNS",
    "NEED_SOURCES",
    "SVRP",
    "VRP",
    "OffenceCodeError",
    "RequestError",
    "arns_inputs",
    "band_of",
    "case_to_request",
    "feature_names",
    "offence_category",
    "request_to_inputs",
    "required_columns",
    "score_request",
    "service_cut_points",
    "term_contributions",
]
