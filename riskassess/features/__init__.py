"""Point-in-time risk features: the one module that knows feature column names.

The catalogue :data:`FEATURES` documents every feature a model may read: its meaning,
unit, kind, and the direction theory expects it to move risk (``monotone``: +1 risk never
falls as the value rises, -1 never rises, 0 no expectation). Models read their default
monotone constraints from here (:func:`monotone_defaults`).

Protected characteristics (:data:`PROTECTED_ATTRIBUTES`) are audit variables: they are
refused as model inputs unless a caller opts in (:func:`check_no_protected`).

Two ways to build the :data:`CASE_FEATURES` frame, with identical results (property-tested):

* :func:`build_features` -- per case, from :class:`riskassess.cases.Case` records or
  JSON-like dicts (the readable reference, for case systems and small batches);
* :func:`build_features_from_tables` -- vectorised, from the people / sanctions /
  assessments tables of :data:`TABLE_COLUMNS` (for analysts and millions of rows); it
  checks the same validity rules row by row and drops (and counts) sanctions dated on
  or after the assessment date. :func:`cases_to_tables` converts between the two.

Every age and duration is exact: days between the two dates / :data:`DAYS_PER_YEAR`.
Categorical columns carry the full vocabulary of :data:`CATEGORIES` as categories, so
frames built from different data always have the same dtypes.

Examples
--------
>>> from riskassess.features import FEATURES, check_no_protected, monotone_defaults
>>> FEATURES["previous_sanctions"].monotone
1
>>> monotone_defaults(["age", "previous_sanctions", "unknown_column"])
{'age': -1, 'previous_sanctions': 1, 'unknown_column': 0}
>>> check_no_protected(["age", "race"])
Traceback (most recent call last):
...
riskassess.exceptions.FeatureError: protected characteristic(s) ['race'] among model ...
"""

from riskassess.features._base import CATEGORIES, DAYS_PER_YEAR, FOLLOW_UP_WINDOW_DAYS
from riskassess.features._cases import build_features, case_feature_row, cases_to_tables
from riskassess.features._catalogue import (
    CASE_FEATURES,
    COMPAS_FEATURES,
    FEATURES,
    PROTECTED_ATTRIBUTES,
    FeatureSpec,
    case_feature_names,
    check_no_protected,
    describe_features,
    is_protected,
    monotone_defaults,
    normalise_column_name,
)
from riskassess.features._instrument_terms import ARNS_TERMS, spec_of
from riskassess.features._outcomes import outcomes_from_cases
from riskassess.features._tables import TABLE_COLUMNS, FeatureTable, build_features_from_tables

__all__ = [
    "ARNS_TERMS",
    "CASE_FEATURES",
    "CATEGORIES",
    "COMPAS_FEATURES",
    "DAYS_PER_YEAR",
    "FEATURES",
    "FOLLOW_UP_WINDOW_DAYS",
    "PROTECTED_ATTRIBUTES",
    "TABLE_COLUMNS",
    "FeatureSpec",
    "FeatureTable",
    "build_features",
    "build_features_from_tables",
    "case_feature_names",
    "case_feature_row",
    "cases_to_tables",
    "check_no_protected",
    "describe_features",
    "is_protected",
    "monotone_defaults",
    "normalise_column_name",
    "outcomes_from_cases",
    "spec_of",
]
