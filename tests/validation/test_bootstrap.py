"""The cell Poisson bootstrap equals the case-level Poisson bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson
from sklearn.metrics import brier_score_loss, roc_auc_score

from riskassess.validation._bootstrap import (
    _LUT,
    CellLayout,
    cell_poisson,
    count_bootstrap,
    percentile_interval,
    poisson_from_bits,
    score_bootstrap,
)
from riskassess.validation._metrics import delong_variance


def test_lookup_table_is_poisson_one_to_16_bits() -> None:
    values, freq = np.unique(_LUT, return_counts=True)
    pmf = poisson.pmf(values.astype(int), 1.0)
    assert np.all(np.abs(freq / 65536 - pmf) <= 2.0**-16)
    # the tail the table cannot reach has probability below the table's resolution
    assert poisson.sf(values.max(), 1.0) < 2.0**-16


def test_comparison_draws_equal_the_lookup_table() -> None:
    bits = np.arange(65536, dtype=np.uint16)
    np.testing.assert_array_equal(poisson_from_bits(bits), _LUT)


def test_single_case_cells_draw_poisson_one() -> None:
    rng = np.random.default_rng(0)
    w = cell_poisson(rng, np.ones(200_000, dtype=np.int64), 1)
    values, freq = np.unique(w, return_counts=True)
    pmf = poisson.pmf(values.astype(int), 1.0)
    # 200k draws: each frequency within 5 standard errors of the Poisson(1) probability
    assert np.all(np.abs(freq / w.size - pmf) < 5 * np.sqrt(pmf * (1 - pmf) / w.size))


@settings(max_examples=25)
@given(st.integers(0, 10_000), st.integers(2, 8))
def test_cell_statistics_equal_weighted_case_statistics(seed: int, levels: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    s = rng.integers(0, levels, n) / levels  # ties on purpose
    y = (rng.random(n) < 0.3 + 0.4 * s).astype(np.int8)
    if y.min() == y.max():
        return
    cells = CellLayout.from_scores(y, s)
    w = rng.poisson(1.0, n).astype(float)  # one case-level Poisson replicate
    cell_w = np.bincount(cells.row_cell, weights=w, minlength=cells.n_cells)[None, :]
    a, brier, oe = cells.statistics(cell_w)
    assert a[0] == pytest.approx(roc_auc_score(y, s, sample_weight=w), abs=1e-9)
    assert brier[0] == pytest.approx(brier_score_loss(y, s, sample_weight=w), abs=1e-9)
    assert oe[0] == pytest.approx((w * y).sum() / (w * s).sum(), rel=1e-9)


def test_unit_weights_reproduce_the_sample() -> None:
    rng = np.random.default_rng(3)
    s = rng.random(500)
    y = (rng.random(500) < s).astype(np.int8)
    cells = CellLayout.from_scores(y, s)
    a, brier, _ = cells.statistics(cells.counts[None, :].astype(float))
    assert a[0] == pytest.approx(roc_auc_score(y, s))
    assert brier[0] == pytest.approx(brier_score_loss(y, s))


def test_bootstrap_spread_agrees_with_delong() -> None:
    rng = np.random.default_rng(4)
    s = rng.random(3000)
    y = (rng.random(3000) < s).astype(np.int8)
    boot = score_bootstrap(y, s, n_bootstrap=600, seed=0)
    _, var = delong_variance(y, s)
    assert np.std(boot.auc) == pytest.approx(np.sqrt(var), rel=0.15)


def test_bootstrap_is_reproducible_and_seed_dependent() -> None:
    rng = np.random.default_rng(5)
    s = rng.random(400)
    y = (rng.random(400) < s).astype(np.int8)
    a = score_bootstrap(y, s, n_bootstrap=50, seed=1).auc
    b = score_bootstrap(y, s, n_bootstrap=50, seed=1, chunk_cells=1000).auc
    c = score_bootstrap(y, s, n_bootstrap=50, seed=2).auc
    np.testing.assert_array_equal(a, score_bootstrap(y, s, n_bootstrap=50, seed=1).auc)
    assert not np.array_equal(a, c)
    assert b.shape == a.shape


def test_progress_callable_sees_every_replicate() -> None:
    seen: list[tuple[int, int]] = []
    s = np.linspace(0, 1, 100)
    y = (s > 0.5).astype(np.int8)
    score_bootstrap(y, s, n_bootstrap=30, seed=0, chunk_cells=1000,
                    progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (30, 30) and len(seen) > 1


def test_count_bootstrap_means_match_counts() -> None:
    counts = np.array([[5, 50], [500, 0]])
    reps = count_bootstrap(counts, n_bootstrap=4000, seed=0)
    assert reps.shape == (4000, 2, 2)
    np.testing.assert_allclose(reps.mean(axis=0), counts, rtol=0.05, atol=0.1)


def test_percentile_interval_needs_enough_finite_replicates() -> None:
    lo, hi = percentile_interval(np.array([np.nan] * 50 + [0.5] * 5), 0.95)
    assert np.isnan(lo) and np.isnan(hi)
