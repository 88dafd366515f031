"""Vectorised Poisson bootstrap on sufficient statistics.

The Poisson bootstrap gives every case an independent Poisson(1) weight per replicate
(Hanley & MacGibbon 2006; Chamandy et al. 2012). The AUC, the Brier score and the
observed/expected ratio of a probability score depend on the data only through the number
of positive and negative cases at each distinct score value (a *cell*), and a sum of
independent Poisson(1) weights is Poisson(count). So drawing one Poisson(count) weight per
cell *is* the case-level Poisson bootstrap, exactly, at a cost of cells x replicates
instead of cases x replicates; the AUC of a replicate is a rank statistic computed with one
cumulative sum over the distinct score values.

Cells holding a single case (all of them for continuous scores) draw their Poisson(1)
weight from 16 random bits (inverse CDF at 16-bit resolution, by vectorised
comparisons): each probability is within 2**-16 of the exact Poisson(1) probability.
Larger cells use ``numpy.random.Generator.poisson``. The AUC of a replicate is computed
in integer arithmetic (exact); probability sums (Brier score, observed/expected) in
float32 blocks added up in float64 (relative error below 1e-6).

Counts by (group, predicted class, outcome) and by (group, band, outcome) are
bootstrapped the same way: error rates, PPV, selection and observed rates are functions
of those counts.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> s = rng.random(500); y = (rng.random(500) < s).astype(np.int8)
>>> boot = score_bootstrap(y, s, n_bootstrap=200, seed=1)
>>> boot.auc.shape
(200,)
>>> bool(abs(np.median(boot.auc) - 0.75) < 0.1)
True
"""

from __future__ import annotations

import importlib.util
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import poisson

from riskassess.exceptions import ValidationInputError

__all__ = ["CellLayout", "ProgressArg", "ScoreBootstrap", "cell_poisson", "count_bootstrap",
           "percentile_interval", "score_bootstrap"]

#: ``None`` = a tqdm bar when stderr is a terminal; ``True``/``False`` force it on/off; a
#: callable is called as ``progress(done, total)`` after every chunk of replicates. The
#: bar needs tqdm (``pip install "riskassess[progress]"``); without it there is no bar.
ProgressArg = bool | Callable[[int, int], None] | None

_NO_TQDM = ('progress=True: no progress bar is shown because tqdm is not installed '
            '(pip install "riskassess[progress]")')

_BLOCK = 2048

_LUT: np.ndarray = np.searchsorted(
    poisson.cdf(np.arange(20), 1.0), (np.arange(65536) + 0.5) / 65536.0, side="right"
).astype(np.float64)

#: 16-bit thresholds: a Poisson(1) draw is the number of them its 16 random bits reach
#: (the same values as ``_LUT[bits]``).
_THRESHOLDS: tuple[int, ...] = tuple(
    int(v) for v in np.flatnonzero(np.diff(_LUT)) + 1
)


@dataclass(frozen=True)
class ScoreBootstrap:
    """Replicates of the whole-sample statistics (one value per replicate)."""

    auc: np.ndarray
    brier: np.ndarray
    observed_expected: np.ndarray
    n_cells: int


def _poisson_one(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` Poisson(1) draws as uint8, from 16 random bits each.

    The value is the number of thresholds in :data:`_THRESHOLDS` the 16 bits reach, i.e.
    ``_LUT[bits]``, computed with a few vectorised comparisons instead of a gather.
    """
    raw = rng.bit_generator.random_raw((size + 3) // 4)
    return poisson_from_bits(raw.view(np.uint16)[:size])


def poisson_from_bits(bits: np.ndarray) -> np.ndarray:
    """Poisson(1) value (uint8) of each 16-bit uniform integer: ``_LUT[bits]``."""
    acc = np.zeros(bits.shape, dtype=np.uint8)
    hit = np.empty(bits.shape, dtype=bool)
    for threshold in _THRESHOLDS:
        np.greater_equal(bits, threshold, out=hit)
        acc += hit
    return acc


def cell_poisson(rng: np.random.Generator, counts: np.ndarray, reps: int) -> np.ndarray:
    """Poisson(count) weight per cell and replicate, shape ``(reps, len(counts))``.

    uint8 when every cell holds one case (continuous scores: a quarter of the memory
    traffic of float32), int64 otherwise.
    """
    ones = counts == 1
    n_ones = int(ones.sum())
    if n_ones == len(counts):
        return _poisson_one(rng, reps * n_ones).reshape(reps, n_ones)
    out = np.empty((reps, len(counts)), dtype=np.int64)
    if n_ones:
        out[:, ones] = _poisson_one(rng, reps * n_ones).reshape(reps, n_ones)
    out[:, ~ones] = rng.poisson(counts[~ones].astype(np.float64),
                                size=(reps, len(counts) - n_ones))
    return out


def percentile_interval(reps: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates, ignoring undefined (NaN) ones."""
    finite = reps[np.isfinite(reps)]
    if finite.size < 10:
        return math.nan, math.nan
    lo, hi = np.percentile(finite, [50.0 * (1 - level), 50.0 * (1 + level)])
    return float(lo), float(hi)


def _bar_class() -> Any:
    """The tqdm bar to draw with, or None when tqdm (the ``progress`` extra) is absent.

    ``tqdm.auto`` draws a widget in Jupyter, which needs ipywidgets; without it, it warns
    "IProgress not found" on every bar, so the plain text bar is used instead.
    """
    if importlib.util.find_spec("tqdm") is None:
        return None
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm


def _progress_bar(progress: ProgressArg, total: int) -> Callable[[int], None]:
    if callable(progress) and not isinstance(progress, bool):
        done = [0]

        def call(k: int) -> None:
            done[0] += k
            progress(done[0], total)

        return call
    enabled = sys.stderr.isatty() if progress is None else bool(progress)
    if not enabled:
        return lambda k: None
    bar_class = _bar_class()
    if bar_class is None:
        # a bar is a convenience: without tqdm the bootstrap runs the same, without one
        # (a note only when the caller asked for a bar explicitly, and once)
        if progress is True:
            warnings.warn(_NO_TQDM, stacklevel=4)
        return lambda k: None
    bar = bar_class(total=total, desc="bootstrap", unit="rep", leave=False)

    def update(k: int) -> None:
        bar.update(k)
        if bar.n >= total:
            bar.close()

    return update


def score_bootstrap(
    y: np.ndarray,
    s: np.ndarray,
    *,
    n_bootstrap: int,
    seed: int,
    progress: ProgressArg = False,
    chunk_cells: int = 2_000_000,
) -> ScoreBootstrap:
    """Poisson-bootstrap replicates of AUC, Brier score and observed/expected ratio.

    Parameters
    ----------
    y : ndarray of {0, 1}
        Outcomes.
    s : ndarray of float
        Predicted probabilities (any real scores for the AUC alone).
    n_bootstrap : int
        Number of replicates.
    seed : int
        Seed of the random generator.
    progress : None, bool or callable
        See :data:`ProgressArg`.
    chunk_cells : int
        Replicates are drawn in chunks of about this many cells (memory bound).
    """
    cells = CellLayout.from_scores(y, s)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_bootstrap, chunk_cells // max(1, cells.n_cells)))
    auc = np.empty(n_bootstrap)
    brier = np.empty(n_bootstrap)
    oe = np.empty(n_bootstrap)
    tick = _progress_bar(progress, n_bootstrap)
    for start in range(0, n_bootstrap, chunk):
        r = min(chunk, n_bootstrap - start)
        sl = slice(start, start + r)
        auc[sl], brier[sl], oe[sl] = cells.statistics(cell_poisson(rng, cells.counts, r))
        tick(r)
    return ScoreBootstrap(auc=auc, brier=brier, observed_expected=oe, n_cells=cells.n_cells)


@dataclass(frozen=True)
class CellLayout:
    """Cases grouped into (distinct score, outcome) cells, in score order.

    At a tied score the negative cell comes first: the running sum of negative weights at
    a positive cell then counts the tied negatives in full, and ``tie`` (index of every
    positive cell directly preceded by a negative cell of the same score) lets
    :meth:`statistics` take half of them back off.
    """

    counts: np.ndarray
    is_pos: np.ndarray
    p: np.ndarray
    tie: np.ndarray
    row_cell: np.ndarray
    design: np.ndarray = field(init=False, repr=False)
    neg_mask: np.ndarray = field(init=False, repr=False)
    design_lo: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pos = self.is_pos.astype(np.float64)
        design = np.column_stack([
            pos, 1.0 - pos, self.p, np.where(self.is_pos, (1.0 - self.p) ** 2, self.p**2)
        ])
        object.__setattr__(self, "design", design)
        object.__setattr__(self, "neg_mask", (~self.is_pos).astype(np.uint8))
        object.__setattr__(self, "design_lo", design.astype(np.float32))

    @property
    def n_cells(self) -> int:
        """Number of non-empty cells."""
        return len(self.counts)

    @classmethod
    def from_scores(cls, y: np.ndarray, s: np.ndarray) -> CellLayout:
        """Build the cells of outcomes ``y`` and scores ``s``."""
        levels, inverse = np.unique(s, return_inverse=True)
        full = 2 * inverse + y.astype(np.int64)  # cell id among 2 x (distinct scores)
        all_counts = np.bincount(full, minlength=2 * len(levels))
        keep = all_counts > 0
        new_id = np.cumsum(keep) - 1
        lev = np.repeat(np.arange(len(levels)), 2)[keep]
        is_pos = np.tile(np.array([False, True]), len(levels))[keep]
        tie = np.flatnonzero(is_pos[1:] & ~is_pos[:-1] & (lev[1:] == lev[:-1])) + 1
        return cls(all_counts[keep].astype(np.int64), is_pos, levels[lev], tie,
                   new_id[full])

    def _linear_sums(self, w: np.ndarray) -> np.ndarray:
        """``w @ design`` in float32 blocks of 2048 cells, the blocks summed in float64.

        Each block's sum has relative error about 1e-7 at most; summing blocks in float64
        keeps that bound for a million cells (a plain float32 product does not).
        """
        if w.dtype != np.uint8:  # large cells: float64 throughout (few cells, cheap)
            return np.asarray(w.astype(np.float64) @ self.design)
        w = w.astype(np.float32)  # whole numbers below 2**24: exact
        d = self.design_lo
        b = _BLOCK
        nb = w.shape[1] // b
        m = nb * b
        out = self.design[m:].T @ w[:, m:].T.astype(np.float64)  # (4, r) tail
        if nb:
            part = np.matmul(w[:, :m].reshape(len(w), nb, b).transpose(1, 0, 2),
                             d[:m].reshape(nb, b, -1))
            out = out + part.sum(axis=0, dtype=np.float64).T
        return np.asarray(out.T)

    def statistics(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """AUC, Brier score and observed/expected for each row of cell weights ``w``.

        ``w`` (replicates x cells) holds whole numbers. The AUC is computed in integer
        arithmetic, exactly; the probability sums in float32 blocks added up in float64
        (relative error below 1e-6).
        """
        w = np.asarray(w)
        if w.dtype.kind not in "ui":
            if not np.array_equal(w, np.round(w)):
                raise ValidationInputError("cell weights must be whole numbers")
            w = w.astype(np.int64)
        # uint8 weights are at most 8: products below * pos stay under 64 * cells
        small = w.dtype == np.uint8 and 64 * len(self.counts) < 2**31
        acc = np.int32 if small else np.int64
        sums = self._linear_sums(w)  # positives, negatives, sum of p, sum of sq. errors
        neg = w * self.neg_mask
        below = np.cumsum(neg, axis=1, dtype=acc)  # negative weight at or below each cell
        pos = w - neg
        t = self.tie
        ties = np.einsum("ij,ij->i", pos[:, t], neg[:, t - 1], dtype=np.int64)
        np.multiply(below, pos, out=below)
        numer2 = 2 * below.sum(axis=1, dtype=np.int64) - ties  # twice the U statistic
        with np.errstate(invalid="ignore", divide="ignore"):
            return (numer2 / (2.0 * sums[:, 0] * sums[:, 1]),
                    sums[:, 3] / (sums[:, 0] + sums[:, 1]),
                    sums[:, 0] / sums[:, 2])


def count_bootstrap(
    counts: np.ndarray, *, n_bootstrap: int, seed: int
) -> np.ndarray:
    """Poisson replicates of a small count array: shape ``(n_bootstrap, *counts.shape)``."""
    rng = np.random.default_rng(seed)
    flat = counts.reshape(-1).astype(np.float64)
    return rng.poisson(flat, size=(n_bootstrap, flat.size)).astype(np.float64).reshape(
        (n_bootstrap, *counts.shape)
    )
