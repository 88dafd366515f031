"""Home Office offence codes for synthetic sanctions, consistent with their OGRS3 category.

Private to :mod:`riskassess.datasets`. NOTICE: offence mapping from
ministryofjustice/hmpps-arns-risk-actuarial-api, MIT licence, Crown Copyright; see
riskassess/data/hmpps/LICENSE-hmpps-arns.txt (read through :mod:`riskassess._hmpps`).

Each synthetic sanction already has an OGRS3 category and a violent flag; its code is
drawn uniformly from the *pool* of codes that a case record accepts next to that
category and flag (:func:`riskassess.cases.Case` refuses a code whose actuarial group
is not compatible with the stated category, or whose ``isViolentSanction`` flag differs):

* most categories: the codes whose actuarial group maps to the category by default
  (:func:`riskassess._hmpps.ogrs3_category`) with the same violent flag;
* ``soliciting`` and ``theft_from_vehicles`` are no group's default, so their pools are
  the compatible codes whose description says so (prostitution / soliciting; stealing
  from vehicles).

Examples
--------
>>> import numpy as np
>>> from riskassess._hmpps import offence_category
>>> from riskassess.vocabulary import OffenceCategory
>>> categories = [m.value for m in OffenceCategory]
>>> rng = np.random.default_rng(0)
>>> offence = np.array([categories.index("robbery")])
>>> code = draw_offence_codes(rng, offence, np.array([True]))[0]
>>> offence_category(OFFENCE_CODES[code])
('ACQUISITIVE_VIOLENCE', True)
"""

from __future__ import annotations

from functools import cache

import numpy as np

from riskassess._hmpps import compatible_ogrs3_categories, hmpps_json, ogrs3_category
from riskassess.exceptions import DatasetArgumentError
from riskassess.vocabulary import OffenceCategory

__all__ = ["OFFENCE_CODES", "draw_offence_codes"]

_CATEGORIES = [m.value for m in OffenceCategory]


def _described(description: str, words: tuple[str, ...]) -> bool:
    text = description.lower()
    return any(word in text for word in words)


# categories no actuarial group maps to by default: pick their codes by description
_BY_DESCRIPTION: dict[str, tuple[str, ...]] = {
    "soliciting": ("prostitution", "soliciting"),
    "theft_from_vehicles": ("stealing from vehicles",),
}


@cache
def _pools() -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    """The scored codes (sorted), and the pools: flat positions, each pool's start and size.

    Pools are indexed ``2 * category position + violent``; a code can sit in two pools
    (e.g. a stealing-from-vehicles code is also a vehicle-related theft). The order is
    fixed (sorted codes), so a seed gives the same codes on every machine.
    """
    mapping = hmpps_json("actuarial-mapping.json")
    scored = sorted(code for code, entry in mapping.items()
                    if entry["actuarialCategory"] != "UNKNOWN")  # the service refuses UNKNOWN
    pools: list[list[int]] = [[] for _ in range(2 * len(_CATEGORIES))]
    for position, code in enumerate(scored):
        entry = mapping[code]
        group = str(entry["actuarialCategory"])
        violent = bool(entry["flags"]["isViolentSanction"])
        description = str(entry.get("categoryDescription", ""))
        for category in sorted(c.value for c in compatible_ogrs3_categories(group)):
            words = _BY_DESCRIPTION.get(category)
            chosen = (_described(description, words) if words is not None
                      else category == ogrs3_category(group).value)
            if chosen:
                pools[2 * _CATEGORIES.index(category) + int(violent)].append(position)
    sizes = np.array([len(p) for p in pools], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    flat = np.array([position for pool in pools for position in pool], dtype=np.int32)
    return tuple(scored), flat, starts, sizes


#: Every code HMPPS's service scores (sorted); :func:`draw_offence_codes` returns
#: positions in this tuple.
OFFENCE_CODES: tuple[str, ...] = _pools()[0]


def draw_offence_codes(rng: np.random.Generator, offence: np.ndarray,
                       violent: np.ndarray) -> np.ndarray:
    """One code per sanction, uniform over its (category, violent) pool (vectorised).

    Parameters
    ----------
    rng : numpy.random.Generator
    offence : numpy.ndarray of int
        Positions in :class:`~riskassess.vocabulary.OffenceCategory`.
    violent : numpy.ndarray of bool

    Returns
    -------
    numpy.ndarray of int32
        Positions in :data:`OFFENCE_CODES`.

    Raises
    ------
    DatasetArgumentError
        A (category, violent) pair with no code (the generator never draws one).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> drawn = draw_offence_codes(rng, np.array([0, 0]), np.array([True, True]))
    >>> drawn.dtype, drawn.shape
    (dtype('int32'), (2,))
    """
    _, flat, starts, sizes = _pools()
    pool = 2 * np.asarray(offence, dtype=np.int64) + np.asarray(violent, dtype=np.int64)
    size = sizes[pool]
    if size.size and int(size.min()) == 0:
        empty = int(pool[np.argmin(size)])
        raise DatasetArgumentError(
            f"no offence code is both {_CATEGORIES[empty // 2]!r} and "
            f"violent={bool(empty % 2)} in HMPPS's mapping")
    # floor(u * size) < size always (u < 1), so every draw stays inside its pool
    within = (rng.random(pool.size) * size).astype(np.int64)
    return flat[starts[pool] + within]
