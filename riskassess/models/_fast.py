"""FAST: choose the pairwise interactions worth a table (Lou, Caruana, Gehrke, Hooker 2013).

After the main effects are fitted, every candidate pair ``(a, b)`` is scored by how much
a very cheap two-dimensional model of the remaining error would gain: one cut on ``a``,
then on each side the best cut on ``b`` (and the same with the roles swapped), each of
the four cells given its own Newton step. The score of a cell set is the second-order
gain ``sum G_c^2 / (H_c + l2) - G^2 / (H + l2)``, where ``G`` and ``H`` are sums of the
per-row gradient and curvature of the loss at the main-effects fit. Only cumulative sums
of a two-dimensional histogram are needed, so every pair costs one pass over the rows and
``O(n_bins_a * n_bins_b)`` arithmetic; the top ``max_pairs`` pairs get a table.

The functions take per-row gradients and curvatures rather than labels, so any model
built from the same :class:`~riskassess.models._gam.TermSpec` tables can call them: the
logistic classifier passes ``w (y - p)`` and ``w p (1 - p)``; a survival model passes the
gradient and curvature of its own likelihood in the log-hazard (or log-odds) of each row.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> codes = {c: rng.integers(0, 4, 2000) for c in "abc"}
>>> residual = np.where((codes["a"] > 1) == (codes["b"] > 1), 0.3, -0.3)  # a x b only
>>> gradient = residual + rng.normal(0, 0.1, 2000)
>>> select_pairs(codes, {c: 4 for c in "abc"}, gradient, np.full(2000, 0.25), max_pairs=1)
[('a', 'b')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np

from riskassess.exceptions import ValidationInputError

__all__ = ["pair_gain", "rank_pairs", "select_pairs"]


def _side_best(g_low: np.ndarray, h_low: np.ndarray, g_all: np.ndarray, h_all: np.ndarray,
               l2: float, min_hessian: float) -> np.ndarray:
    """Best two-cell gain per row of cut candidates: cells ``low`` and ``all - low``."""
    g_high, h_high = g_all[:, None] - g_low, h_all[:, None] - h_low
    # a cell with too little curvature (too few rows) is not a cut a table could estimate;
    # its denominator is replaced by 1 only to keep the arithmetic quiet, then masked
    ok = (h_low >= min_hessian) & (h_high >= min_hessian)
    gain = (g_low ** 2 / np.where(ok, h_low + l2, 1.0)
            + g_high ** 2 / np.where(ok, h_high + l2, 1.0))
    gain = np.where(ok, gain, -np.inf)
    # with no admissible cut the side stays one cell
    whole = np.where(h_all + l2 > 0, g_all ** 2 / np.where(h_all + l2 > 0, h_all + l2, 1.0),
                     0.0)
    best = gain.max(axis=1, initial=-np.inf) if gain.shape[1] else np.full(len(g_all), -np.inf)
    return np.maximum(best, whole)


def _one_order(grad2: np.ndarray, hess2: np.ndarray, l2: float, min_hessian: float
               ) -> float:
    """Best gain of a cut on axis 0 followed by one cut on axis 1 on each side."""
    if grad2.shape[0] < 2:
        return -np.inf
    # cumulative over axis 0: row i holds the sums over bins 0..i of axis 0
    g_rows, h_rows = np.cumsum(grad2, axis=0)[:-1], np.cumsum(hess2, axis=0)[:-1]
    g_cols_total, h_cols_total = grad2.sum(axis=0), hess2.sum(axis=0)
    # then over axis 1: [i, j] = sums over (a <= i, b <= j); the last j is the whole side
    g_left, h_left = np.cumsum(g_rows, axis=1), np.cumsum(h_rows, axis=1)
    g_left_all, h_left_all = g_left[:, -1], h_left[:, -1]
    g_right = np.cumsum(g_cols_total)[None, :] - g_left
    h_right = np.cumsum(h_cols_total)[None, :] - h_left
    g_right_all, h_right_all = g_right[:, -1], h_right[:, -1]
    left = _side_best(g_left[:, :-1], h_left[:, :-1], g_left_all, h_left_all, l2, min_hessian)
    right = _side_best(g_right[:, :-1], h_right[:, :-1], g_right_all, h_right_all, l2,
                       min_hessian)
    ok = (h_left_all >= min_hessian) & (h_right_all >= min_hessian)
    total = np.where(ok, left + right, -np.inf)
    return float(total.max(initial=-np.inf))


def pair_gain(codes_a: np.ndarray, codes_b: np.ndarray, n_bins_a: int, n_bins_b: int,
              gradient: np.ndarray, hessian: np.ndarray, *, l2: float = 0.0,
              min_hessian: float = 1e-3) -> float:
    """Second-order gain of FAST's four-cell model of one pair over no split at all.

    Parameters
    ----------
    codes_a, codes_b : numpy.ndarray of int
        Bin code of every row on each axis (``0 <= code < n_bins``).
    n_bins_a, n_bins_b : int
        Number of bins of each axis.
    gradient, hessian : numpy.ndarray
        Per row, the negative gradient and the curvature of the loss with respect to the
        row's score at the main-effects fit (for the log-loss ``w (y - p)`` and
        ``w p (1 - p)``).
    l2 : float, default 0.0
        Ridge added to every cell's curvature.
    min_hessian : float, default 1e-3
        Least curvature a cell needs to count as a cut.

    Returns
    -------
    float
        Larger is a stronger interaction; ``0.0`` when no admissible cut exists.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.array([0, 0, 1, 1] * 50), np.array([0, 1, 0, 1] * 50)
    >>> xor = np.where(a == b, 0.5, -0.5)
    >>> pair_gain(a, b, 2, 2, xor, np.full(200, 0.25)) > pair_gain(
    ...     a, b, 2, 2, np.zeros(200), np.full(200, 0.25))
    True
    """
    flat = np.asarray(codes_a, dtype=np.int64) * n_bins_b + np.asarray(codes_b, dtype=np.int64)
    size = n_bins_a * n_bins_b
    grad2 = np.bincount(flat, gradient, minlength=size).reshape(n_bins_a, n_bins_b)
    hess2 = np.bincount(flat, hessian, minlength=size).reshape(n_bins_a, n_bins_b)
    parent = float(grad2.sum() ** 2 / (hess2.sum() + l2)) if hess2.sum() + l2 > 0 else 0.0
    best = max(_one_order(grad2, hess2, l2, min_hessian),
               _one_order(grad2.T, hess2.T, l2, min_hessian))
    return max(0.0, best - parent) if np.isfinite(best) else 0.0


def rank_pairs(codes: Mapping[str, np.ndarray], n_bins: Mapping[str, int],
               gradient: np.ndarray, hessian: np.ndarray, *,
               candidates: Sequence[tuple[str, str]] | None = None, l2: float = 0.0,
               min_hessian: float = 1e-3) -> list[tuple[tuple[str, str], float]]:
    """Every candidate pair with its FAST gain, strongest first (ties: input order).

    Parameters
    ----------
    codes : mapping of str to numpy.ndarray
        Per column, the bin code of every row.
    n_bins : mapping of str to int
        Per column, the number of bins.
    gradient, hessian : numpy.ndarray
        As in :func:`pair_gain`.
    candidates : sequence of (str, str), optional
        Pairs to score (default: every pair of columns of ``codes``, in order).
    l2, min_hessian : float
        As in :func:`pair_gain`.

    Returns
    -------
    list of ((str, str), float)

    Examples
    --------
    >>> import numpy as np
    >>> codes = {"a": np.array([0, 1] * 100), "b": np.array([0, 0, 1, 1] * 50)}
    >>> [pair for pair, _ in rank_pairs(codes, {"a": 2, "b": 2}, np.ones(200), np.ones(200))]
    [('a', 'b')]
    """
    gradient = np.asarray(gradient, dtype=np.float64)
    hessian = np.asarray(hessian, dtype=np.float64)
    columns = list(codes)
    n_rows = len(gradient)
    if len(hessian) != n_rows or any(len(codes[c]) != n_rows for c in columns):
        raise ValidationInputError(
            f"rank_pairs: gradient has {n_rows} rows, hessian {len(hessian)}, codes "
            f"{ {c: len(codes[c]) for c in columns} }; all must be equal")
    if not (np.all(np.isfinite(gradient)) and np.all(np.isfinite(hessian))
            and np.all(hessian >= 0)):
        raise ValidationInputError("rank_pairs: gradient must be finite and hessian finite "
                                   "and non-negative")
    pairs = list(combinations(columns, 2)) if candidates is None else [
        (str(a), str(b)) for a, b in candidates]
    unknown = sorted({c for p in pairs for c in p} - set(columns))
    if unknown:
        raise ValidationInputError(f"rank_pairs: candidates name columns {unknown} that "
                                   f"have no codes; columns are {columns}")
    scored = [((a, b), pair_gain(codes[a], codes[b], int(n_bins[a]), int(n_bins[b]),
                                 gradient, hessian, l2=l2, min_hessian=min_hessian))
              for a, b in pairs]
    # Gains equal to 9 significant digits count as a tie, broken by the candidates' order
    # (a stable sort). Exact ties are common on small data (several pairs isolating the
    # same few rows), and rounding differences in the main-effects fit (a weight of 2
    # against a repeated row) must not decide between them.
    return sorted(scored, key=lambda item: -float(f"{item[1]:.9g}"))


def select_pairs(codes: Mapping[str, np.ndarray], n_bins: Mapping[str, int],
                 gradient: np.ndarray, hessian: np.ndarray, *, max_pairs: int,
                 candidates: Sequence[tuple[str, str]] | None = None, l2: float = 0.0,
                 min_hessian: float = 1e-3) -> list[tuple[str, str]]:
    """The ``max_pairs`` pairs of largest FAST gain (pairs with no gain are never chosen).

    Parameters
    ----------
    codes, n_bins, gradient, hessian, candidates, l2, min_hessian
        As in :func:`rank_pairs`.
    max_pairs : int
        Most pairs returned (``0`` returns none).

    Returns
    -------
    list of (str, str)

    Examples
    --------
    >>> import numpy as np
    >>> codes = {"a": np.array([0, 1] * 100), "b": np.array([0, 0, 1, 1] * 50)}
    >>> select_pairs(codes, {"a": 2, "b": 2}, np.zeros(200), np.ones(200), max_pairs=3)
    []
    """
    if max_pairs < 0:
        raise ValidationInputError(f"select_pairs: max_pairs must be >= 0, got {max_pairs}")
    ranked = rank_pairs(codes, n_bins, gradient, hessian, candidates=candidates, l2=l2,
                        min_hessian=min_hessian)
    return [pair for pair, gain in ranked[:max_pairs] if gain > 0]
