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
unit ("19.6 years"; the Copas rate "-0.13", no unit). ``<horizon risk>`` comes from the
explanation's ``output_names`` (``"2-year risk"`` when the model has a horizon, or
``"risk"``), and ``<n>`` is the change in percentage points rounded half up; below 0.5 it
reads "less than 1 percentage point". Percentage points use the secant method of
:func:`~riskassess.explain.to_probability`, so all of a case's changes add up to its
probability minus the average case's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from riskassess.exceptions import ExplanationInputError
from riskassess.features import FEATURES

if TYPE_CHECKING:  # pragma: no cover
    import shap

__all__ = ["Reason", "reasons", "secant_slope", "to_probability"]

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
    spec = FEATURES.get(feature)
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


def reasons(explanation_row: Any, top: int | None = 3) -> list[Reason]:
    """The largest contributions to one case's risk, as reasons an officer can read out.

    Parameters
    ----------
    explanation_row : shap.Explanation
        One case of an explanation from :func:`~riskassess.explain.explain`
        (``explanation[i]``), on the log-odds scale.
    top : int or None, default 3
        How many reasons; ``None`` for every feature that moves the risk.

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
    """  # noqa: E501
    if top is not None and top < 1:
        raise ExplanationInputError(f"top must be a positive number of reasons or None, got {top}")
    values, z0, data, names, label = _row(explanation_row)
    probability_scale = label.endswith(_PROBABILITY_SCALE)  # shap's forests: no link
    label = label.removesuffix(_PROBABILITY_SCALE)
    slope = 1.0 if probability_scale else float(secant_slope(np.asarray(z0),
                                                              np.asarray(values.sum())))
    order = sorted((i for i in range(len(values)) if values[i] != 0),
                   key=lambda i: (-abs(values[i]), i))
    out: list[Reason] = []
    for i in order[:top]:
        value = _plain_value(data[i])
        value_text, unit = _value_text(names[i], value)
        change = 100.0 * slope * float(values[i])
        direction: Literal["raises", "lowers"] = "raises" if values[i] > 0 else "lowers"
        text = (f"{_label(names[i])}: {value_text}. {direction.capitalize()} the {label} "
                f"by {_amount(change)} compared with the average case.")
        out.append(Reason(feature=names[i], value=value, value_text=value_text, unit=unit,
                          contribution=float(values[i]), change=change,
                          direction=direction, text=text))
    return out


def _expit(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def secant_slope(z0: np.ndarray, dz: np.ndarray) -> np.ndarray:
    """``(sigmoid(z0 + dz) - sigmoid(z0)) / dz``; ``sigmoid'`` at the midpoint for tiny dz."""
    z0, dz = np.asarray(z0, dtype=np.float64), np.asarray(dz, dtype=np.float64)
    p0, p = _expit(z0), _expit(z0 + dz)
    mid = _expit(z0 + dz / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(np.abs(dz) > 1e-6, (p - p0) / dz, mid * (1 - mid))
    return out


def to_probability(explanation: shap.Explanation) -> shap.Explanation:
    """Convert log-odds contributions to probability contributions (secant method).

    Each contribution is scaled by the same per-case factor, the slope of the logistic
    curve between the base log-odds ``z0`` and the case's log-odds ``z``::

        dp_i = phi_i * (sigmoid(z) - sigmoid(z0)) / (z - z0)

    (the derivative ``sigmoid'`` at the midpoint when ``z`` is within 1e-6 of ``z0``).
    Signs and ranking are kept and the contributions add up exactly to the change in
    probability: ``sigmoid(z0) + sum(dp) == sigmoid(z)``.

    Parameters
    ----------
    explanation : shap.Explanation
        On the log-odds scale, as returned by :func:`explain` (one row or many).

    Returns
    -------
    shap.Explanation
        ``values`` in probability units, ``base_values`` the base probability.

    Examples
    --------
    >>> import numpy as np, shap
    >>> e = shap.Explanation(np.array([[1.0, -0.5]]), base_values=np.array([0.0]))
    >>> p = to_probability(e)
    >>> bool(np.isclose(p.base_values[0] + p.values.sum(), 1 / (1 + np.exp(-0.5))))
    True
    """
    from riskassess.explain._shap import make_explanation

    values = np.asarray(explanation.values, dtype=np.float64)
    z0 = np.asarray(explanation.base_values, dtype=np.float64)
    slope = secant_slope(z0, values.sum(axis=-1))
    dp = values * np.asarray(slope)[..., None]
    p0 = _expit(z0)
    output = explanation.output_names
    return make_explanation(dp, p0, explanation.data, explanation.feature_names,
                            output if isinstance(output, str) else None,
                            explanation.instance_names)
