"""Link functions: how a model's additive score becomes a probability.

Every :class:`~riskassess.models.TransparentModel` declares its link in the class
attribute ``link``; prediction, bands, assessments and explanation records read it through
:func:`inverse_link`, so no route special-cases a model. Two links exist:

* ``"logit"`` (classifiers, instruments): the score is the log-odds,
  ``p = 1 / (1 + exp(-z))``;
* ``"cloglog"`` (the time-to-event model): the score is the log cumulative hazard,
  ``p = 1 - exp(-exp(z))`` (complementary log-log).

Examples
--------
>>> import numpy as np
>>> float(inverse_link("logit")(np.array([0.0]))[0])
0.5
>>> z = link_function("cloglog")(np.array([0.3]))
>>> bool(np.isclose(inverse_link("cloglog")(z)[0], 0.3))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.special import expit, logit

from riskassess.exceptions import FormError

__all__ = ["LINKS", "Link", "inverse_link", "link_function"]

#: The names a model's ``link`` attribute may take.
Link = Literal["logit", "cloglog"]
LINKS: tuple[str, ...] = ("logit", "cloglog")


def _inverse_cloglog(z: npt.ArrayLike) -> np.ndarray:
    # -expm1(-exp(z)) keeps full precision for small probabilities, where 1 - exp(-x)
    # would cancel to a few digits
    out: np.ndarray = -np.expm1(-np.exp(np.asarray(z, dtype=np.float64)))
    return out


def _cloglog(p: npt.ArrayLike) -> np.ndarray:
    out: np.ndarray = np.log(-np.log1p(-np.asarray(p, dtype=np.float64)))
    return out


def _expit(z: npt.ArrayLike) -> np.ndarray:
    out: np.ndarray = expit(np.asarray(z, dtype=np.float64))
    return out


def _logit(p: npt.ArrayLike) -> np.ndarray:
    out: np.ndarray = logit(np.asarray(p, dtype=np.float64))
    return out


_INVERSE: dict[str, Callable[[npt.ArrayLike], np.ndarray]] = {
    "logit": _expit, "cloglog": _inverse_cloglog}
_FORWARD: dict[str, Callable[[npt.ArrayLike], np.ndarray]] = {
    "logit": _logit, "cloglog": _cloglog}


def _check(name: str) -> str:
    if name not in _INVERSE:
        raise FormError(f"unknown link {name!r}; known links are {list(LINKS)}")
    return name


def inverse_link(name: str) -> Callable[[npt.ArrayLike], np.ndarray]:
    """Score -> probability for the link ``name`` (``"logit"`` or ``"cloglog"``).

    Raises
    ------
    FormError
        An unknown link name.

    Examples
    --------
    >>> import numpy as np
    >>> p = inverse_link("cloglog")(np.log(np.array([np.log(2.0)])))
    >>> bool(np.isclose(p[0], 0.5))   # cumulative hazard log 2 -> probability one half
    True
    """
    return _INVERSE[_check(name)]


def link_function(name: str) -> Callable[[npt.ArrayLike], np.ndarray]:
    """Probability -> score for the link ``name`` (the inverse of :func:`inverse_link`).

    Examples
    --------
    >>> import numpy as np
    >>> float(link_function("logit")(np.array([0.5]))[0])
    0.0
    """
    return _FORWARD[_check(name)]
