"""The float64 terms of ARP / VRP / SVRP for whole columns, with the form chosen per row.

NOTICE: Coefficients and offence mapping from ministryofjustice/hmpps-arns-risk-actuarial-api,
MIT licence, Crown Copyright; see riskassess/data/hmpps/LICENSE-hmpps-arns.txt.

One kernel behind :func:`~riskassess.instruments.arns.term_contributions` (one form for
every row) and the models (STATIC or DYNAMIC per row). Every term is written as
``feature(x) * coefficient`` where only the coefficient depends on the row's group (form
and sex), except the two polynomials (Horner's rule with the group's coefficients) and the
offence category (a look-up per form). So each term is computed once for all rows, with
no gathering of rows and no masked ufuncs (``np.where`` and ``where=`` cost 10 to 20
times a plain multiplication on mixed rows): a coefficient that varies between the groups
present is read per row from a 4-entry table (``[static male, static female, dynamic
male, dynamic female]``). The bits are those of the single-form computation: ``x * 1.0``
and ``x * c`` chosen per row are the same roundings as ``c`` or ``x * c`` for one form.

A term the row's form does not have gets coefficient 0 there, so its feature must be
finite on those rows: the models pass need items with "not recorded" as 0 (those rows
are STATIC, or the item is optional and counts as 0).

Examples
--------
>>> import numpy as np
>>> cols = {"female": np.array([0.0]), "age_at_followup": np.array([30.0]),
...         "age_at_conviction": np.array([30.0]), "age_at_first_sanction": np.array([21.0]),
...         "n_sanctions": np.array([2.0]), "offence_free_months": np.array([36.0])}
>>> out = np.zeros((1, 11))
>>> written = list(iter_terms(cols, np.array([CATEGORIES.index("OTHER_OFFENCES")]), "arp",
...                            TERMS["arp", "static"], dynamic=False, target=lambda j: out[:, j]))
>>> len(written), bool(out[0, 0] == form_coefficients("arp", "static").float("intercept"))
(11, True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import numpy as np

from riskassess.exceptions import FormError
from riskassess.instruments.arns._data import form_coefficients
from riskassess.instruments.arns._terms import TERMS, Term

__all__ = ["CATEGORIES", "TERMS", "iter_terms"]

#: The 24 actuarial categories in the order of the category codes the kernel reads.
CATEGORIES: tuple[str, ...] = tuple(sorted(form_coefficients("arp", "static")
                                           .offence_categories))

_FORMS = ("static", "dynamic")
_SEXES = ("male", "female")


def _coefficient(predictor: str, form: str, term: Term, sex: str) -> float:
    """The term's coefficient in ``form`` for ``sex`` (0.0 if the form has no such term)."""
    if term not in TERMS[predictor, form]:
        return 0.0
    coefs = form_coefficients(predictor, form).coefficients
    value = float(coefs[term.coef.format(sex=sex)])
    return term.value * value if term.kind == "linear" else value


def _padded(rows: list[tuple[float, ...]]) -> np.ndarray:
    """Polynomial coefficients c_1..c_K per group, zero-padded to the longest (a leading
    zero in Horner's rule adds nothing: (0 + 0) * x = 0), shape (K, groups)."""
    width = max(len(r) for r in rows)
    return np.array([list(r) + [0.0] * (width - len(r)) for r in rows]).T


@cache
def _tables(predictor: str) -> dict[str, Any]:
    """Per term of the DYNAMIC list (a superset of the STATIC one): its 4-group table."""
    out: dict[str, Any] = {}
    for term in TERMS[predictor, "dynamic"]:
        if term.kind == "age":
            rows = []
            for form in _FORMS:
                c = form_coefficients(predictor, form)
                rows += [tuple(map(float, c.age_male)), tuple(map(float, c.age_female))]
            out[term.name] = _padded(rows)
        elif term.kind == "ofm":
            rows = []
            for form in _FORMS:
                c = form_coefficients(predictor, form)
                rows += [tuple(map(float, c.offence_free_months))] * 2
            out[term.name] = _padded(rows)
        elif term.kind == "offence":
            out[term.name] = np.array([[float(form_coefficients(predictor, form)
                                              .offence_categories[k]) for k in CATEGORIES]
                                       for form in _FORMS])
        else:
            out[term.name] = np.array([_coefficient(predictor, form, term, sex)
                                       for form in _FORMS for sex in _SEXES])
    return out


@cache
def _names(predictor: str, form: int) -> frozenset[str]:
    return frozenset(t.name for t in TERMS[predictor, _FORMS[form]])


def _boosts(predictor: str) -> tuple[float, float]:
    c = form_coefficients(predictor, "static")
    return float(c.copas_boost), float(c.violent_rate_boost or 0)


class _Rows:
    """Which of the four groups (form x sex) the rows fall in, read lazily."""

    def __init__(self, female: np.ndarray, dynamic: np.ndarray | bool) -> None:
        self.female = female
        self.dynamic = dynamic
        if isinstance(dynamic, bool | np.bool_):
            forms = [int(dynamic)]
        else:
            forms = [f for f, present in ((0, not dynamic.all()), (1, bool(dynamic.any())))
                     if present]
        sexes = [s for s, present in ((0, not female.all()), (1, bool(female.any())))
                 if present]
        forms, sexes = forms or [0], sexes or [0]  # no rows: any group will do
        self.forms = forms
        self.present = [2 * f + s for f in forms for s in sexes]
        self._group: np.ndarray | None = None
        self._dynamic_float: np.ndarray | None = None

    @property
    def group(self) -> np.ndarray:
        """Row groups 0..3 (2 * dynamic + female) as indices, built on first use."""
        if self._group is None:
            g = self.female.astype(np.intp)
            if not isinstance(self.dynamic, bool | np.bool_):
                g += 2 * self.dynamic
            elif self.dynamic:
                g += 2
            self._group = g
        return self._group

    def coefficient(self, table: np.ndarray) -> np.ndarray | float:
        """The table's value per row: a float when every group present shares it."""
        values = {float(table[g]) for g in self.present}
        if len(values) == 1:
            return values.pop()
        picked: np.ndarray = table[self.group]  # fancy indexing: cheaper than np.take
        return picked

    def multiply(self, feature: np.ndarray, table: np.ndarray, out: np.ndarray) -> None:
        """``feature`` times the row's coefficient, into ``out``."""
        if table[0] == table[1] == 0.0 and table[2] == table[3] and \
                not isinstance(self.dynamic, bool | np.bool_):
            # a DYNAMIC-only term on mixed rows: times 1.0 or 0.0 is exact, and cheaper
            # than reading a coefficient per row (the feature is finite on STATIC rows)
            np.multiply(feature, table[2], out=out)
            if self._dynamic_float is None:
                self._dynamic_float = self.dynamic.astype(np.float64)
            out *= self._dynamic_float
            return
        np.multiply(feature, self.coefficient(table), out=out)

    def form_index(self) -> np.ndarray | int:
        if isinstance(self.dynamic, bool | np.bool_):
            return int(self.dynamic)
        return self.dynamic.astype(np.intp)


def _masked(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values`` where ``mask``, else 0, by a multiplication (NaN/inf-safe fallback)."""
    out: np.ndarray = values * mask
    if not np.isfinite(out.sum()):  # a non-finite value outside the mask (unchecked input)
        out = np.where(mask, values, 0.0)
    return out


def _horner(coefficients: np.ndarray, rows: _Rows, x: np.ndarray, out: np.ndarray) -> None:
    """``sum_k c_k x**k`` (no constant) with each row's group coefficients, into ``out``:
    the same operations in the same order as for one group."""
    out[...] = 0.0
    for k in range(coefficients.shape[0] - 1, -1, -1):
        np.add(out, rows.coefficient(coefficients[k]), out=out)
        np.multiply(out, x, out=out)


def iter_terms(columns: Mapping[str, np.ndarray], categories: np.ndarray, predictor: str,
               terms: tuple[Term, ...], *, dynamic: np.ndarray | bool,
               target: Callable[[int], np.ndarray]) -> Iterator[int]:
    """Write each term's weight for every row into ``target(j)`` (j = position in
    ``terms``) and yield j once it is written; a term none of the rows' forms has is
    skipped (it is 0 for every row). A caller may reuse one buffer for every term and
    add it up between two steps.

    Parameters
    ----------
    columns : mapping of str to ndarray of float64
        The input columns the terms read (never written to).
    categories : ndarray of int
        Position of each row's offence category in :data:`CATEGORIES`.
    predictor : {"arp", "vrp", "svrp"}
    terms : tuple of Term
        ``TERMS[predictor, form]`` of either form.
    dynamic : bool or ndarray of bool
        The form of every row, or of each row.
    target : callable
        ``target(j)`` returns the float64 array of shape ``(n_rows,)`` to write term j to.

    Yields
    ------
    int
    """
    tables = _tables(predictor)
    female = columns["female"] != 0
    rows = _Rows(female, dynamic)
    copas_boost, violent_boost = _boosts(predictor)
    cache: dict[str, np.ndarray] = {}

    def career() -> np.ndarray:
        if "career" not in cache:
            cache["career"] = columns["age_at_conviction"] - columns["age_at_first_sanction"]
        return cache["career"]

    for j, term in enumerate(terms):
        table = tables[term.name]
        kind = term.kind
        if kind == "age":
            _horner(table, rows, columns["age_at_followup"], target(j))
            yield j
            continue
        if kind == "ofm":
            _horner(table, rows, columns["offence_free_months"], target(j))
            yield j
            continue
        if kind == "offence":
            form = rows.form_index()
            if isinstance(form, int):
                np.take(table[form], categories, out=target(j))
            else:
                np.take(table.ravel(), categories + len(CATEGORIES) * form, out=target(j))
            yield j
            continue
        if not any(term.name in _names(predictor, f) for f in rows.forms):
            continue  # a need term on STATIC rows only: 0
        out = target(j)
        if kind == "intercept":
            out[...] = rows.coefficient(table)
            yield j
            continue
        feature: Any
        if kind == "female":
            feature = female
        elif kind == "equals":
            feature = columns[term.columns[0]] == term.value
        elif kind == "linear":
            feature = columns[term.columns[0]]
        elif kind == "product":
            feature = columns[term.columns[0]] * columns[term.columns[1]]
        elif kind == "any":
            feature = np.zeros(len(female), dtype=bool)
            for name in term.columns:
                feature |= columns[name] != 0
        elif kind == "gap":
            feature = _masked(career(), columns["n_sanctions"] == 2)
        elif kind in ("copas", "violent_rate"):
            if kind == "copas":
                count, boost, threshold = columns["n_sanctions"], copas_boost, 3
            else:
                count, boost, threshold = columns["n_violent_sanctions"], violent_boost, 1
            # the ratio of inactive rows (fewer sanctions) is never used: clipping their
            # count to 1 keeps its log finite so that multiplying by the mask gives 0
            with np.errstate(divide="ignore", invalid="ignore"):
                log = np.log(np.maximum(count, 1.0) / (career() + boost))
            if term.value != 1:
                log **= term.value
            feature = _masked(log, count >= threshold)
        else:  # pragma: no cover - the table has no other kind
            raise FormError(f"unknown term kind {kind!r}")
        rows.multiply(feature, table, out)
        yield j
