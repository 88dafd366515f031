"""The table solver: the large-data path (subsample warm start + block Newton)."""

from __future__ import annotations

import numpy as np

from riskassess.models._gam import TermSpec, fit_tables


def test_large_data_path_matches_full_solver():
    rng = np.random.default_rng(0)
    n = 3000
    a = rng.integers(0, 30, n)
    b = rng.integers(0, 4, n)
    logit = 0.8 * np.tanh((a - 12) / 6) + 0.3 * (b == 2)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    specs = [TermSpec((31,), (True,), (1,), (a,)), TermSpec((5,), (False,), (0,), (b,))]
    w = np.ones(n)
    full = fit_tables(specs, y, w, smoothing=10.0, ridge=1.0, warm_start_rows=0)
    fast = fit_tables(specs, y, w, smoothing=10.0, ridge=1.0, warm_start_rows=500)
    eta_full = full[0] + full[1][0][a] + full[1][1][b]
    eta_fast = fast[0] + fast[1][0][a] + fast[1][1][b]
    assert np.max(np.abs(eta_full - eta_fast)) < 0.02
    assert np.all(np.diff(fast[1][0][:-1]) >= 0)  # monotone bounds kept
