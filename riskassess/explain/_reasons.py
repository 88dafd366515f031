"""Plain-English reasons for one case, read from its explanation.

Wording (stable; tests pin it)::

    <Label>: <value>. <Raises|Lowers> the <horizon risk> by <n> percentage point(s)
    compared with the average case.

``<Label>`` is the feature's short :attr:`~riskassess.features.FeatureSpec.label` from
:data:`riskassess.features.FEATURES` ("Previous sanctions", "Offence-free time"; for an
undocumented column, its name). ``<value>`` is read as an officer would say it: category
codes by their readable label (``drug_possession_supply`` -> "drug possession/supply",
``repeat_offender`` -> "repeat offender"), flags as yes / no, counts as bare numbers,
other numbers to 3 significant figures (or the feature's ``decimals``) with their spoken
unit ("19.6 years"; the Copas rate "-0.13", no unit). A feature the catalogue gives a
phrasing (:attr:`~riskassess.features.FeatureSpec.phrase`) is read from the inputs behind
it when the explanation row or ``case_features`` has them: the Copas rate as "7 previous
sanctions in the 12 years since the first", an ARP / VRP / SVRP term (whose own value is
a log-odds weight) as the input it weighs ("Unemployed: yes", "Age at the start of
follow-up, by sex: 34 years, male"); with no input to read, a term is named without a
value. The exact value and contribution stay on the :class:`Reason`; only
``value_text`` and ``text`` are worded. ``<horizon risk>`` comes from the
explanation's ``output_names`` (``"2-year risk"`` when the model has a horizon, or
``"risk"``), and ``<n>`` is the change in percentage points rounded half up; below 0.5 it
reads "less than 1 percentage point". Percentage points use the secant method of
:func:`~riskassess.explain.to_probability`, so all of a case's changes add up to its
probability minus the average case's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from riskassess.exceptions import ExplanationInputError
from riskassess.explain._probability import secant_slope
from riskassess.features import FEATURES, FeatureSpec, spec_of

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = ["Reason", "reasons"]

#: Suffix of ``output_names`` for explanations already in probability units.
_PROBABILITY_SCALE = " (probability scale)"


class Reason(BaseModel):
    """One reason: a feature's value and how much it moves this case's risk.

    Examples
    --------
    >>> r = Reason(feature="age", value=23, value_text="23 years", unit="years",
    ...            contribution=0.4, change=9.7, direction="raises",
    ...            text="Age: 23 years. Raises the risk by 10 percentage points compared "
    ...                 "with the average case.")
    >>> r.direction
    'raises'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    feature: str = Field(description="Model input column.")
    value: bool | int | float | str | None = Field(
        description="The case's value of the feature (None when missing).")
    value_text: str = Field(
        description="The value as read out: a category by its label, a number with its "
                    "spoken unit (counts bare: the label says what is counted).")
    unit: str = Field(description="Unit of the value from the feature catalogue ('' if none).")
    contribution: float = Field(description="Contribution to the log-odds (SHAP value).")
    change: float = Field(
        description="Signed change in risk, percentage points, against the average case.")
    direction: Literal["raises", "lowers"] = Field(description="Whether it raises risk.")
    text: str = Field(description="The reason in plain English.")


def _label(feature: str) -> str:
    """The short name read out: the catalogue label, else the start of the meaning."""
    spec = spec_of(feature)
    if spec is not None and spec.label:
        return spec.label
    text = spec.meaning if spec is not None else feature.replace("_", " ")
    text = _strip_trailing_parenthetical(text.strip()).split(":")[0].strip()
    return text[:1].upper() + text[1:]


def _strip_trailing_parenthetical(text: str) -> str:
    """Drop a final ``( ... )`` (nested parentheses allowed)."""
    if not text.endswith(")"):
        return text
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return text[:i].rstrip() if i > 0 else text
    return text


def _number(v: float, decimals: int | None = None) -> str:
    if decimals is not None:
        text = f"{v:.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _plain_value(v: Any) -> bool | int | float | str | None:
    if v is None or (isinstance(v, float | np.floating) and math.isnan(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v)
    return str(v)


def _value_text(feature: str, value: bool | int | float | str | None) -> tuple[str, str]:
    """(the value as read out, the catalogue unit)."""
    spec = FEATURES.get(feature)
    unit = spec.unit if spec is not None else ""
    kind = spec.kind if spec is not None else "numeric"
    if value is None:
        return "not recorded", unit
    if kind == "binary" and not isinstance(value, str) and value in (0, 1):
        return ("yes" if value else "no"), unit
    if isinstance(value, str):
        return (spec.value_label(value) if spec is not None else value), unit
    if unit == "years":
        # whole years: an officer reads out "33 years", and an exact age together with the
        # assessment date would give away the date of birth (data minimisation)
        value = math.floor(float(value))
        text = _number(float(value), 0)
    else:
        text = _number(float(value), spec.decimals if spec is not None else None)
    spoken = "" if kind == "count" else unit
    if spec is not None and spec.spoken_unit is not None:
        spoken = spec.spoken_unit
    if not spoken:
        return text, unit
    if float(value) == 1 and spoken.endswith("s") and " per " not in spoken:
        spoken = spoken[:-1]
    return f"{text} {spoken}", unit


_Context = Mapping[str, Any]


def _known(context: _Context, *names: str) -> list[float] | None:
    """The numeric values of ``names`` in the context, or None if any is missing."""
    out = []
    for name in names:
        v = _plain_value(context.get(name))
        if v is None or isinstance(v, str):
            return None
        out.append(float(v))
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _whole_years(years: float) -> str:
    # whole years rounded down, as every duration an officer reads (data minimisation);
    # 1e-9 absorbs the rounding of a duration derived back from a logarithm
    n = math.floor(years + 1e-9)
    return "less than a year" if n < 1 else _plural(n, "year")


def _sanctions_over_career(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    return _sanctions_in_years(value, context, "since the first", career="career_length")


def _sanctions_in_years(rate: Any, context: _Context, span: str, *,
                        career: str | None = None) -> str | None:
    """The phrase "n previous sanctions in the N years <span>"; None if n or N is unknown.

    The years come from the ``career`` input when the context has it, else from the
    rate: copas_rate = ln((1 + n) / (10 + career)), so with n known the career is
    derivable from the rate itself and the phrase needs no input the explanation lacks.
    """
    known = _known(context, "previous_sanctions")
    if known is None:
        return None
    n = int(known[0])
    if n == 0:
        return "no previous sanctions"
    given = _known(context, career) if career is not None else None
    years = given[0] if given is not None else _career_from_rate(rate, n)
    if years is None:
        return None
    return f"{_plural(n, 'previous sanction')} in the {_whole_years(years)} {span}"


def _career_from_rate(rate: Any, n: int) -> float | None:
    if not isinstance(rate, int | float) or not math.isfinite(rate):
        return None
    return max((1 + n) / math.exp(rate) - 10, 0.0)


def _sanctions_to_index(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    return _sanctions_in_years(value, context, "from the first to the current offence")


def _arns_career(context: _Context) -> tuple[int, float] | None:
    known = _known(context, *("n_sanctions", "age_at_conviction", "age_at_first_sanction"))
    if known is None:
        return None
    return int(known[0]), known[1] - known[2]


def _sanctions_to_conviction(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    known = _arns_career(context)
    if known is None:
        return None
    n, career = known
    if n < 3:  # the rate terms apply from 3 sanctions on (docs/arns.md, section 2)
        return f"{_plural(n, 'sanction')} in all (the rate counts from 3)"
    return (f"{n} sanctions, the current one included, in the {_whole_years(career)} "
            "from the first to the current conviction")


def _violent_to_conviction(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    known = _arns_career(context)
    violent = _known(context, "n_violent_sanctions")
    if known is None or violent is None:
        return None
    v = int(violent[0])
    if v == 0:
        return "no violent sanctions"
    return (f"{_plural(v, 'violent sanction')} in the {_whole_years(known[1])} from the "
            "first sanction to the current conviction")


def _age_and_sex(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    known = _known(context, "age_at_followup", "female")
    if known is None:
        return None
    return f"{_whole_years(known[0])}, {'female' if known[1] else 'male'}"


def _career(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    known = _arns_career(context)
    return None if known is None else _whole_years(known[1])


def _months(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    known = _known(context, *spec.reads)
    if known is None:
        return None
    months = int(known[0])
    # the instrument counts at most 36 months: more reads the same
    return "36 months or more" if months >= 36 else _plural(months, "month")


def _offence_group(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    group = _plain_value(context.get(spec.reads[0]))
    return None if group is None else str(group).lower().replace("_", " ")


def _flag(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    # a term that applies only when its condition holds is non-zero exactly then, so the
    # explanation's own value answers "does it apply?" without the input
    if not isinstance(value, int | float):
        return None
    return "yes" if value != 0 else "no"


def _level(spec: FeatureSpec, value: Any, context: _Context) -> str | None:
    level = _known(context, spec.reads[0]) if spec.reads else None
    if level is not None:
        return spec.value_label(str(int(level[0])))
    if not isinstance(value, int | float):
        return None
    # weight times level: zero is the lowest level; non-zero is one of the others
    labels = [text for _, text in spec.value_labels]
    if value == 0:
        return labels[0] if labels else None
    return labels[1] if len(labels) == 2 else (" or ".join(labels[1:]) or None)


#: Phrasings named by :attr:`FeatureSpec.phrase`; each returns None when it lacks an input.
_PHRASES: dict[str, Callable[[FeatureSpec, Any, _Context], str | None]] = {
    "sanctions_over_career": _sanctions_over_career,
    "sanctions_to_index": _sanctions_to_index,
    "sanctions_to_conviction": _sanctions_to_conviction,
    "violent_to_conviction": _violent_to_conviction,
    "age_and_sex": _age_and_sex,
    "career": _career,
    "months": _months,
    "offence_group": _offence_group,
    "flag": _flag,
    "any": _flag,
    "level": _level,
}


def _spoken(feature: str, value: bool | int | float | str | None,
            context: _Context) -> tuple[str | None, str]:
    """(the value as read out, or None to name the feature alone; the catalogue unit)."""
    spec = spec_of(feature)
    if spec is not None and spec.phrase:
        phrase = _PHRASES.get(spec.phrase)  # an unknown name reads the value as it is
        text = None if phrase is None else phrase(spec, value, context)
        if text is not None:
            return text, spec.unit
    if spec is not None and spec.source == "arns":
        # the term's own value is a log-odds weight: read the input it weighs, or nothing
        read = _plain_value(context.get(spec.reads[0])) if spec.reads else None
        if read is None:
            return None, spec.unit
        text, _ = _value_text(spec.reads[0], read)
        return text, spec.unit
    return _value_text(feature, value)


def _amount(points: float) -> str:
    n = math.floor(abs(points) + 0.5)
    if n == 0:
        return "less than 1 percentage point"
    return "1 percentage point" if n == 1 else f"{n} percentage points"


def _row(explanation_row: Any) -> tuple[np.ndarray, float, list[Any], list[str], str]:
    values = np.asarray(explanation_row.values, dtype=np.float64)
    base = np.asarray(explanation_row.base_values, dtype=np.float64).reshape(-1)
    if values.ndim == 2 and values.shape[0] == 1:
        values = values[0]
    if values.ndim != 1 or base.size != 1:
        raise ExplanationInputError(
            f"reasons() explains one case: pass explanation[i]; got values of shape "
            f"{np.shape(explanation_row.values)}"
        )
    data = explanation_row.data
    row_data = [None] * len(values) if data is None else list(np.asarray(data,
                                                                         dtype=object).ravel())
    names = explanation_row.feature_names
    feature_names = ([f"feature {i}" for i in range(len(values))] if names is None
                     else [str(f) for f in names])
    output = explanation_row.output_names
    label = output if isinstance(output, str) and output else "risk"
    return values, float(base[0]), row_data, feature_names, label


def reasons(explanation_row: Any, top: int | None = 3, *,
            case_features: Mapping[str, Any] | None = None,
            link: str = "logit") -> list[Reason]:
    """The largest contributions to one case's risk, as reasons an officer can read out.

    Parameters
    ----------
    explanation_row : shap.Explanation
        One case of an explanation from :func:`~riskassess.explain.explain`
        (``explanation[i]``), on the log-odds scale.
    top : int or None, default 3
        How many reasons; ``None`` for every feature that moves the risk.
    case_features : mapping of str to value, optional
        The case's inputs beyond the explained features (e.g.
        :func:`riskassess.features.case_feature_row`, or a row of
        :func:`riskassess.instruments.arns_inputs`), read only to word a reason ("7
        previous sanctions in the 12 years since the first"); the explained values win
        where both have a column.
    link : {"logit", "cloglog"}, default "logit"
        The scale the values add up on (the model's ``link``): log-odds, or the
        complementary log-log of a time-to-event model (log cumulative hazard).
        Percentage points are read through this link's curve.

    Returns
    -------
    list of Reason
        Largest absolute contribution first, risk-raising and risk-lowering alike;
        features contributing exactly 0 are left out.

    Examples
    --------
    >>> import numpy as np, shap
    >>> e = shap.Explanation(np.array([[np.log(3), -0.1]]), base_values=np.zeros(1),
    ...                      data=np.array([[7, 30.0]]), output_names="2-year risk",
    ...                      feature_names=["previous_sanctions", "age"])
    >>> for r in reasons(e[0]):
    ...     print(r.text)
    Previous sanctions: 7. Raises the 2-year risk by 25 percentage points compared with the average case.
    Age: 30 years. Lowers the 2-year risk by 2 percentage points compared with the average case.

    The Copas rate read from the sanction count and the career it summarises:

    >>> e = shap.Explanation(np.array([[0.5]]), base_values=np.zeros(1),
    ...                      data=np.array([[np.log(8 / 22)]]), output_names="2-year risk",
    ...                      feature_names=["copas_rate"])
    >>> print(reasons(e[0], case_features={"previous_sanctions": 7})[0].value_text)
    7 previous sanctions in the 12 years since the first
    """  # noqa: E501
    if top is not None and top < 1:
        raise ExplanationInputError(f"top must be a positive number of reasons or None, got {top}")
    values, z0, data, names, label = _row(explanation_row)
    context: dict[str, Any] = dict(case_features or {})
    context.update(zip(names, (_plain_value(d) for d in data), strict=True))
    probability_scale = label.endswith(_PROBABILITY_SCALE)  # shap's forests: no link
    label = label.removesuffix(_PROBABILITY_SCALE)
    slope = 1.0 if probability_scale else float(secant_slope(
        np.asarray(z0), np.asarray(values.sum()), link=link))
    order = sorted((i for i in range(len(values)) if values[i] != 0),
                   key=lambda i: (-abs(values[i]), i))
    out: list[Reason] = []
    for i in order[:top]:
        value = _plain_value(data[i])
        spoken, unit = _spoken(names[i], value, context)
        change = 100.0 * slope * float(values[i])
        direction: Literal["raises", "lowers"] = "raises" if values[i] > 0 else "lowers"
        named = _label(names[i]) if spoken is None else f"{_label(names[i])}: {spoken}"
        value_text = "" if spoken is None else spoken
        text = (f"{named}. {direction.capitalize()} the {label} "
                f"by {_amount(change)} compared with the average case.")
        out.append(Reason(feature=names[i], value=value, value_text=value_text, unit=unit,
                          contribution=float(values[i]), change=change,
                          direction=direction, text=text))
    return out
