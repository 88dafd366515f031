"""Vectorised float64 ARP / VRP / SVRP terms for whole tables.

NOTICE: Coefficients and offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api,
MIT licence, Crown Copyright; see riskassess/data/hmpps/LICENSE-hmpps-arns.txt.

The same terms as the exact scorer (one table, :mod:`._terms`), in double precision: each
term agrees with the service's value to about 1e-15 relative, the probability
``expit(sum)`` to far better than 1e-9. Input columns (:data:`INPUT_COLUMNS`):

=============================  ==============================================================
``female``                     1 for FEMALE, 0 for MALE
``age_at_followup``            completed years at the start of follow-up (or conviction)
``age_at_conviction``          completed years at the current conviction
``age_at_first_sanction``      whole years, as given
``n_sanctions``                all sanctions, the current one included (1..999)
``n_violent_sanctions``        violent sanctions (0..n); VRP and SVRP only
``offence_category``           one of the 24 actuarial categories (string or categorical)
``offence_free_months``        completed months follow-up -> assessment, 0 if negative, <= 36
need items                     see :data:`NEED_COLUMNS`: ProblemLevel / MotivationLevel scored
                               0/1/2, booleans 0/1, ``living_with_partner`` 1 iff
                               IN_RELATIONSHIP_LIVING_TOGETHER, ``past_*`` 1 iff that value is
                               in previousConvictions; an absent optional item is 0
=============================  ==============================================================

Examples
--------
>>> import pandas as pd
>>> from scipy.special import expit
>>> frame = pd.DataFrame({"female": [0], "age_at_followup": [30], "age_at_conviction": [30],
...     "age_at_first_sanction": [21], "n_sanctions": [2], "n_violent_sanctions": [2],
...     "offence_category": ["OTHER_OFFENCES"], "offence_free_months": [36]})
>>> terms, names = term_contributions(frame, "vrp", "static")
>>> terms.shape, names[0]
((1, 14), 'twoYearInterceptWeight')
>>> round(100 * float(expit(terms.sum(axis=1))[0]), 2)
2.32
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from riskassess.exceptions import FeatureError, UnseenCategoryError
from riskassess.instruments.arns._data import PREDICTORS, FormName, PredictorName, bands
from riskassess.instruments.arns._exact import ScoringFailure, derive_inputs
from riskassess.instruments.arns._kernel import CATEGORIES, iter_terms
from riskassess.instruments.arns._request import parse_request
from riskassess.instruments.arns._terms import (
    INPUT_COLUMNS,
    NEED_COLUMNS,
    NEED_SOURCES,
    TERMS,
)
from riskassess.instruments.arns._validation import STATIC_REQUIRED

__all__ = [
    "INPUT_COLUMNS",
    "NEED_COLUMNS",
    "NEED_SOURCES",
    "FrameReader",
    "band_of",
    "category_positions",
    "feature_names",
    "request_to_inputs",
    "required_columns",
    "term_contributions",
]


def _check(predictor: str, form: str) -> None:
    if predictor not in PREDICTORS or form not in ("static", "dynamic"):
        raise FeatureError(
            "predictor must be 'arp', 'vrp' or 'svrp' and form 'static' or 'dynamic', "
            f"got {predictor!r}, {form!r}"
        )


def feature_names(predictor: PredictorName, form: FormName) -> list[str]:
    """The service's ``featureValues`` keys of ``predictor``/``form``, without totalWeight.

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}
    form : {"static", "dynamic"}

    Returns
    -------
    list of str

    Examples
    --------
    >>> feature_names("arp", "static")[-2:]
    ['copasScore', 'copasScoreSquared']
    """
    _check(predictor, form)
    return [t.name for t in TERMS[predictor, form]]


@cache
def _required(predictor: str, form: str) -> tuple[str, ...]:
    used: set[str] = {"female"}
    for term in TERMS[predictor, form]:
        used.update(term.columns)
    return tuple(c for c in INPUT_COLUMNS if c in used)


def required_columns(predictor: PredictorName, form: FormName) -> list[str]:
    """The input columns ``predictor``/``form`` reads, in :data:`INPUT_COLUMNS` order.

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}
    form : {"static", "dynamic"}

    Returns
    -------
    list of str

    Examples
    --------
    >>> required_columns("arp", "static")
    ['female', 'age_at_followup', 'age_at_conviction', 'age_at_first_sanction', 'n_sanctions', 'offence_category', 'offence_free_months']
    >>> [c for c in required_columns("svrp", "dynamic") if c.startswith("past_")][:2]
    ['past_homicide', 'past_wounding_gbh']
    """  # noqa: E501
    _check(predictor, form)
    return list(_required(predictor, form))


def category_positions(column: pd.Series) -> np.ndarray:
    """Position of each value in the kernel's 24 categories; -1 for any other value.

    Parameters
    ----------
    column : pandas.Series
        Strings or a categorical.

    Returns
    -------
    ndarray of int

    Examples
    --------
    >>> category_positions(pd.Series(["OTHER_OFFENCES", "UNKNOWN", None])).tolist()[1:]
    [-1, -1]
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        uniques = pd.Index(column.cat.categories)
    else:
        codes, uniques = pd.factorize(column)  # one pass over the strings, -1 if missing
    lookup = _CATEGORY_INDEX.get_indexer(uniques)
    # codes of -1 (missing) read the appended -1
    positions: np.ndarray = np.append(lookup, -1).astype(np.intp)[codes]
    return positions


_CATEGORY_INDEX = pd.Index(CATEGORIES)


class FrameReader:
    """The cells of a frame, column by column; a small frame converted once as a block
    (reading a column of a DataFrame costs tens of microseconds, more than scoring it).

    Parameters
    ----------
    X : pandas.DataFrame
    name : str
        Who reads (for messages).

    Examples
    --------
    >>> reader = FrameReader(pd.DataFrame({"n": [1, 2], "offence_category": ["ARSON",
    ...                                    "OTHER_OFFENCES"]}), "demo")
    >>> reader.floats("n")[0].tolist(), (reader.categories()[0] >= 0).tolist()
    ([1.0, 2.0], [False, True])
    """

    def __init__(self, X: pd.DataFrame, name: str) -> None:
        self.X, self.name = X, name
        self.block: np.ndarray | None = None
        if len(X) <= _SMALL and not X.columns.duplicated().any():
            self.position = {c: j for j, c in enumerate(X.columns)}
            self.numeric = [isinstance(t, np.dtype) and t.kind in "biuf" for t in X.dtypes]
            self.block = X.to_numpy(dtype=object)

    def small_block(self, names: tuple[str, ...], low: np.ndarray, high: np.ndarray,
                    missing_ok: np.ndarray, *, n_history: int = 0
                    ) -> tuple[dict[str, np.ndarray], set[str]] | None:
        """The columns of a small frame when every one is numeric and holds whole
        numbers within its bounds (NaN where allowed), checked in one go, and those of
        ``names[n_history:]`` holding NaN; ``None``: read and check column by column."""
        if self.block is None:
            return None
        positions = [self.position[c] for c in names]
        if not all(self.numeric[j] for j in positions):
            return None
        values = self.block[:, positions].astype(np.float64)
        missing = np.isnan(values)
        if (missing & ~missing_ok).any():
            return None
        filled = np.where(missing, low, values)
        if ((filled < low) | (filled > high) | (filled != np.round(filled))).any():
            return None
        with_missing = np.flatnonzero(missing[:, n_history:].any(axis=0))
        return ({c: values[:, i] for i, c in enumerate(names)},
                {names[n_history + i] for i in with_missing})

    def plain_floats(self, column: str) -> np.ndarray:
        """The column as float64, unchecked (NaN where missing)."""
        return self.floats(column)[0]

    def floats(self, column: str) -> tuple[np.ndarray, bool]:
        """The column as float64, and whether its dtype already holds whole numbers."""
        if self.block is not None:
            j = self.position[column]
            if self.numeric[j]:
                return self.block[:, j].astype(np.float64), False
        series = self.X[column]
        dtype = series.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
            return series.to_numpy(dtype=np.float64), dtype.kind in "biu"
        try:
            return series.to_numpy(dtype=np.float64, na_value=np.nan), False
        except (TypeError, ValueError):
            bad = (pd.to_numeric(series, errors="coerce").isna() & series.notna()).to_numpy()
            raise FeatureError(f"{self.name}: column {column!r} must be numeric; rows "
                               f"{series.index[bad][:5].tolist()} are not") from None

    def categories(self) -> tuple[np.ndarray, np.ndarray]:
        """Category positions (-1: not one of the 24) and the cells of those not."""
        if self.block is not None:
            cells = self.block[:, self.position["offence_category"]]
            positions = np.array([_CATEGORY_POSITION.get(c, -1) if isinstance(c, str) else -1
                                  for c in cells], dtype=np.intp)
        else:
            column = self.X["offence_category"]
            positions = category_positions(column)
            cells = column.to_numpy(dtype=object) if (positions < 0).any() else \
                np.empty(0, dtype=object)
        return positions, cells[positions < 0] if len(cells) else cells



#: Frames with at most this many rows are read as one block of cells.
_SMALL = 16
_CATEGORY_POSITION = {c: i for i, c in enumerate(CATEGORIES)}


def term_contributions(
    frame: pd.DataFrame, predictor: PredictorName, form: FormName, *,
    zero_if_missing: Collection[str] = (),
) -> tuple[np.ndarray, list[str]]:
    """Each term's weight for every row, in the service's ``featureValues`` order.

    Parameters
    ----------
    frame : pandas.DataFrame
        At least :func:`required_columns` ``(predictor, form)``; numeric columns are read
        as float64 (booleans allowed), ``offence_category`` as strings or categorical.
    predictor : {"arp", "vrp", "svrp"}
    form : {"static", "dynamic"}
    zero_if_missing : collection of str, optional
        Columns whose missing values (NaN) count as 0, as the service reads an absent
        optional item (drug flags, ARP's motivation); other NaN inputs give NaN terms.

    Returns
    -------
    terms : ndarray of shape (n_rows, n_terms), float64
        ``terms.sum(axis=1)`` is the logit: ``scipy.special.expit`` of it is the
        probability (the intercept is the first column).
    names : list of str
        The term names (``featureValues`` keys without ``totalWeight``).

    Raises
    ------
    FeatureError
        A required column is missing.
    UnseenCategoryError
        An ``offence_category`` outside the 24 scored categories.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"female": [1, 0], "age_at_followup": [25, 40],
    ...     "age_at_conviction": [25, 39], "age_at_first_sanction": [15, 20],
    ...     "n_sanctions": [5, 1], "offence_category": ["THEFT_NON_MOTOR", "DRUNKENNESS"],
    ...     "offence_free_months": [0, 12]})
    >>> from riskassess.instruments.arns._data import form_coefficients
    >>> terms, names = term_contributions(frame, "arp", "static")
    >>> terms.shape, names[4], bool(terms[1, 4] == form_coefficients("arp", "static").float(
    ...     "first_sanction"))
    ((2, 11), 'firstSanctionWeight', True)
    """
    _check(predictor, form)
    missing = [c for c in _required(predictor, form) if c not in frame.columns]
    if missing:
        raise FeatureError(
            f"{predictor.upper()} {form}: missing input column(s) {missing}; "
            f"needs {list(_required(predictor, form))}"
        )
    columns: dict[str, np.ndarray] = {}
    reader = FrameReader(frame, "term_contributions")
    for name in _required(predictor, form):
        if name == "offence_category":
            continue
        values = reader.plain_floats(name)
        if name in zero_if_missing:
            absent = np.isnan(values)
            if absent.any():
                values = np.where(absent, 0.0, values)
        columns[name] = values
    positions, cells = reader.categories()
    if len(cells):
        absent = np.asarray(pd.isna(cells), dtype=bool)
        shown = sorted({str(c) for c in cells[~absent]})[:5] + (
            ["<missing>"] if absent.any() else [])
        raise UnseenCategoryError(
            f"column 'offence_category': {shown} not among the 24 actuarial categories "
            "(UNKNOWN and unmapped codes are refused by the service)"
        )
    terms = TERMS[predictor, form]
    out = np.zeros((len(frame), len(terms)), dtype=np.float64, order="F")
    for _ in iter_terms(columns, positions, predictor, terms, dynamic=form == "dynamic",
                        target=lambda j: out[:, j]):
        pass
    return out, [t.name for t in terms]


def band_of(predictor: PredictorName, percent_scores: Any) -> np.ndarray:
    """The service's bands of percent scores (0..100, normally already at 2 decimals).

    Parameters
    ----------
    predictor : {"arp", "vrp", "svrp"}
    percent_scores : array-like of float

    Returns
    -------
    ndarray of object
        "LOW", "MEDIUM", "HIGH" or "VERY_HIGH"; None where the service has no band: a
        score <= 0 for ARP / VRP (its UNEXPECTED_ERROR), a negative score, NaN or >= 100
        (the service clamps its own scores to 99.99 first).

    Examples
    --------
    >>> band_of("svrp", [0.0, 0.99, 1.0, 6.89, 6.9]).tolist()
    ['LOW', 'LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH']
    >>> band_of("arp", [0.0, 50.0, 99.99]).tolist()
    [None, 'MEDIUM', 'VERY_HIGH']
    """
    if predictor not in PREDICTORS:
        raise FeatureError(f"predictor must be 'arp', 'vrp' or 'svrp', got {predictor!r}")
    scores = np.asarray(percent_scores, dtype=np.float64)
    table = bands(predictor)
    out = np.full(scores.shape, None, dtype=object)
    for band in table:
        low = scores >= band.lower if band.lower_inclusive else scores > band.lower
        out[low & (scores < band.upper)] = band.name
    return out


def request_to_inputs(
    request: Mapping[str, Any], today: dt.date | None = None
) -> dict[str, float | str]:
    """The input columns of one service request, as :func:`score_request` derives them.

    Parameters
    ----------
    request : mapping
        A request body whose history fields are valid (see
        :func:`~riskassess.instruments.arns.score_request`).
    today : datetime.date, optional
        Stands in for a missing ``assessmentDate`` (default today).

    Returns
    -------
    dict of str to float or str
        Every column of :data:`INPUT_COLUMNS`: whole-year ages, counts, capped
        offence-free months, the category, every need item scored (absent ones 0);
        ``n_violent_sanctions`` is NaN when the request has none. Which form to use is
        the caller's (the service's ``type``).

    Raises
    ------
    RequestError
        JSON-type errors (as :func:`score_request`).
    FeatureError
        A history field needed for the columns is missing, the offence code is unmapped,
        or a date is on or before the birth date.

    Examples
    --------
    >>> import datetime as dt
    >>> x = request_to_inputs({"gender": "MALE", "dateOfBirth": "1991-07-17",
    ...     "dateOfCurrentConviction": "2021-08-05", "dateAtStartOfFollowup": "2021-12-12",
    ...     "totalNumberOfSanctionsForAllOffences": 2, "ageAtFirstSanction": 21,
    ...     "currentOffenceCode": "11618", "isUnemployed": True}, today=dt.date(2023, 1, 11))
    >>> x["age_at_followup"], x["offence_free_months"], x["unemployed"], x["offence_category"]
    (30.0, 12.0, 1.0, 'OTHER_OFFENCES')
    """
    parsed = parse_request(request, today=today)
    missing = [f for f in STATIC_REQUIRED["arp"] if parsed[f] is None]
    if missing:
        raise FeatureError(f"cannot derive ARNS input columns: missing {missing}")
    from riskassess.instruments.arns._data import offence_category

    try:
        offence_category(parsed["currentOffenceCode"])
    except ValueError as exc:
        raise FeatureError(f"cannot derive ARNS input columns: {exc}") from None
    try:
        derived = derive_inputs(parsed)
    except (ValueError, ScoringFailure) as exc:
        raise FeatureError(f"cannot derive ARNS input columns: {exc}") from None
    out: dict[str, float | str] = {}
    for name in INPUT_COLUMNS:
        value = derived[name]
        if name == "offence_category":
            out[name] = str(value)
        else:
            out[name] = float("nan") if value is None else float(value)
    return out
