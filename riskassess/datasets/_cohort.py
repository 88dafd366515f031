"""The :class:`Cohort` result of :func:`riskassess.datasets.make_cohort`.

Private to :mod:`riskassess.datasets` (which re-exports :class:`Cohort`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskassess.datasets._needs import need_dicts
from riskassess.datasets._truth import true_log_odds, true_risk_from
from riskassess.exceptions import DatasetArgumentError
from riskassess.features import FeatureTable, build_features_from_tables

__all__ = ["Cohort"]


@dataclass(frozen=True)
class Cohort:
    """A synthetic cohort: the case tables, need items, outcomes and the true risk.

    Attributes
    ----------
    people, sanctions, assessments : pandas.DataFrame
        Layouts of :data:`riskassess.features.TABLE_COLUMNS`, one assessment per person,
        plus the Home Office offence codes: ``sanctions.offence_code`` and
        ``assessments.index_offence_code`` (``Categorical`` of five-digit strings, each
        consistent with the row's OGRS3 category and violent flag).
        ``sanctions.person_id`` is a ``Categorical`` over the people's ids.
    outcomes : pandas.DataFrame
        Index ``case_id``. ``follow_up_years`` (float: start of follow-up to
        ``censor_date``, 0 when follow-up has not started by then);
        ``reoffend_1y``, ``reoffend_2y``, ``violent_1y``, ``violent_2y``,
        ``serious_violent_1y``, ``serious_violent_2y`` (``Int8``, ``<NA>`` when the
        follow-up is shorter than the horizon); ``true_p_1y``, ``true_p_2y``,
        ``true_p_violent_1y``, ... (the true probabilities); ``time`` (days from
        ``follow_up_start`` to the first proven reoffence, or to ``censor_date``; NaN
        when follow-up has not started by ``censor_date``) and ``event`` (bool);
        ``censor_date``, ``reoffence_date`` and ``conviction_date`` (the reoffence's
        offence and conviction dates, ``NaT`` unless ``event``).
    needs : pandas.DataFrame
        The OASys need items as recorded (``Int8``, ``<NA>`` = not recorded), index
        ``case_id``, columns :data:`riskassess.datasets.NEED_COLUMNS`.
    true_needs : pandas.DataFrame
        The same items' true values (int8, never missing): the true risk reads these.
    seed, id_offset : int
        What generated it.

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> cohort = make_cohort(300, seed=0)
    >>> len(cohort.people), list(cohort.outcomes.columns[:5])
    (300, ['follow_up_years', 'reoffend_1y', 'reoffend_2y', 'true_p_1y', 'true_p_2y'])
    >>> censored = cohort.outcomes["reoffend_2y"].isna()  # censored: never counted as 0
    >>> bool((cohort.outcomes.loc[censored, "follow_up_years"] < 2).all())
    True
    >>> next(cohort.cases()).case_id
    'C0000001'
    """

    people: pd.DataFrame
    sanctions: pd.DataFrame
    assessments: pd.DataFrame
    outcomes: pd.DataFrame
    needs: pd.DataFrame
    true_needs: pd.DataFrame
    seed: int
    id_offset: int
    # the FeatureTable make_cohort built from these very tables (for the outcomes)
    _built: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    def features(self) -> pd.DataFrame:
        """Features of every case, built from the tables (the vectorised path).

        Examples
        --------
        >>> from riskassess.datasets import make_cohort
        >>> make_cohort(20, seed=0).features().shape[0]
        20
        """
        return self.feature_table().features

    def feature_table(self) -> FeatureTable:
        """The full :class:`riskassess.features.FeatureTable` of the tables.

        :func:`make_cohort` builds it once, to draw the outcomes; it is reused while the
        cohort holds the same table objects (edit copies of the tables, not the tables).

        Examples
        --------
        >>> from riskassess.datasets import make_cohort
        >>> make_cohort(20, seed=0).feature_table().dropped_events
        0
        """
        if self._built is not None:
            people, sanctions, assessments, table = self._built
            if (people is self.people and sanctions is self.sanctions
                    and assessments is self.assessments):
                return table
        return build_features_from_tables(self.people, self.sanctions, self.assessments)

    def true_log_odds(self, features: pd.DataFrame, horizon: int = 2) -> pd.Series:
        """The true log-odds at 1 or 2 years (see :func:`true_log_odds`), need part included.

        ``features`` are this cohort's features (same rows, same order).

        Examples
        --------
        >>> from riskassess.datasets import make_cohort
        >>> c = make_cohort(30, seed=2)
        >>> p = 1 / (1 + np.exp(-c.true_log_odds(c.features(), 1)))
        >>> bool(np.allclose(p, c.outcomes["true_p_1y"]))
        True
        """
        return true_log_odds(features, horizon, needs=self.true_needs.loc[features.index])

    def true_risk(self, years: float) -> pd.Series:
        """The true probability of a first proven reoffence within ``years`` years.

        Parameters
        ----------
        years : float
            Horizon in years (0 gives 0). 1 and 2 give ``true_p_1y`` and ``true_p_2y``.

        Returns
        -------
        pandas.Series
            Index ``case_id``.

        Raises
        ------
        DatasetArgumentError
            ``years`` is negative or not a finite number.

        Examples
        --------
        >>> from riskassess.datasets import make_cohort
        >>> c = make_cohort(40, seed=0)
        >>> bool(np.allclose(c.true_risk(2), c.outcomes["true_p_2y"]))
        True
        >>> bool((c.true_risk(0.5) <= c.true_risk(1)).all())
        True
        """
        if isinstance(years, bool) or not isinstance(years, int | float | np.number) \
                or not np.isfinite(years) or years < 0:
            raise DatasetArgumentError(
                f"years must be a finite number >= 0 (a horizon in years), got {years!r}")
        p_one = self.outcomes["true_p_1y"].to_numpy()
        return pd.Series(true_risk_from(p_one, float(years)), index=self.outcomes.index,
                         name=f"true_risk_{years:g}y")

    def cases(self) -> Iterator[Any]:
        """Each assessment as a validated :class:`riskassess.cases.Case` (slow: small n).

        Examples
        --------
        >>> from riskassess.datasets import make_cohort
        >>> next(make_cohort(3, seed=0).cases()).index_offence.offence_code is not None
        True
        """
        from riskassess.cases import Case

        for data in self.case_dicts():
            yield Case.model_validate(data)

    def case_dicts(self) -> Iterator[dict[str, Any]]:
        """Each assessment as a JSON-like case dict (what a case system would send).

        The dict carries the offence codes, the need items as recorded (``needs``
        absent when none is), ``follow_up_end`` (the censoring date, when follow-up has
        started by then) and ``reoffence_date`` (the first proven reoffence's offence
        date, rounded up to a whole day, when ``event``).

        Examples
        --------
        >>> from riskassess.datasets import make_cohort
        >>> sorted(next(make_cohort(3, seed=0).case_dicts()))[:4]
        ['assessment_date', 'case_id', 'follow_up_end', 'follow_up_start']
        """
        P, S, A = self.people, self.sanctions, self.assessments
        codes = np.asarray(S["person_id"].cat.codes) if len(S) else np.zeros(0, np.int64)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(P) + 1))
        iso = {c: A[c].dt.strftime("%Y-%m-%d").to_numpy() for c in
               ("assessment_date", "index_date", "follow_up_start")}
        dob = P["date_of_birth"].dt.strftime("%Y-%m-%d").to_numpy()
        s_date = S["date"].dt.strftime("%Y-%m-%d").to_numpy()
        a_disp, s_disp = A["index_disposal"].tolist(), S["disposal"].tolist()
        s_kind, s_off, s_viol = S["kind"].tolist(), S["offence"].tolist(), S["violent"].tolist()
        s_code, a_code = S["offence_code"].tolist(), A["index_offence_code"].tolist()
        needs = need_dicts(self.needs)
        follow = self.outcomes
        ends = _iso_or_none(follow["censor_date"].where(follow["follow_up_years"] > 0))
        reoffences = _iso_or_none(follow["reoffence_date"])
        for i in range(len(A)):
            rows = order[bounds[i]:bounds[i + 1]]
            index_offence = {
                "date": iso["index_date"][i], "offence": A["index_offence"].iat[i],
                "kind": A["index_kind"].iat[i], "disposal": _code_or_none(a_disp[i]),
                "violent": bool(A["index_violent"].iat[i]), "offence_code": a_code[i],
            }
            need, weapon = needs[i]
            if weapon is not None:
                index_offence["weapon"] = weapon
            case: dict[str, Any] = {
                "case_id": A["case_id"].iat[i],
                "person": {"person_id": P["person_id"].iat[i], "date_of_birth": dob[i],
                           "sex": P["sex"].iat[i]},
                "assessment_date": iso["assessment_date"][i],
                "index_offence": index_offence,
                "sanctions": [
                    {"date": s_date[r], "kind": s_kind[r], "disposal": _code_or_none(s_disp[r]),
                     "offence": s_off[r], "violent": bool(s_viol[r]),
                     "offence_code": s_code[r]}
                    for r in rows
                ],
                "follow_up_start": iso["follow_up_start"][i],
            }
            if need is not None:
                case["needs"] = need
            if ends[i] is not None:
                case["follow_up_end"] = ends[i]
            if reoffences[i] is not None:
                case["reoffence_date"] = reoffences[i]
            yield case


def _iso_or_none(dates: pd.Series) -> list[str | None]:
    """``YYYY-MM-DD`` per date, None where the date is missing (NaT formats as NaN)."""
    return [t if isinstance(t, str) else None
            for t in dates.dt.strftime("%Y-%m-%d").tolist()]


def _code_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
