"""Penalised Cox (proportional hazards) fit of lookup tables, and its Breslow baseline.

The time-to-event model's log hazard ratio is ``f(x) = sum_t table_t[code_t(x)]``, the
same tables, monotone steps and smoothing penalty as the additive classifier (the map
``beta = T @ phi`` and penalty ``Q`` come from :mod:`riskassess.models._gam`). The tables
minimise the penalised negative Breslow partial log-likelihood::

    L(phi) = - sum_i w_i d_i f_i + sum_j D_j log S_j + phi' Q phi,
    S_j = sum_{k: t_k >= t_j} w_k exp(f_k),    D_j = sum_{i: t_i = t_j} w_i d_i,

over the distinct event times ``t_j`` (Breslow's handling of ties). Its gradient in
``f_k`` is ``w_k exp(f_k) H0(t_k) - w_k d_k`` with ``H0`` the Breslow cumulative hazard:
the gradient of a Poisson likelihood with offset ``log H0(t_k)``. So this one smooth,
convex problem is the fixed point of the "Poisson fit with offset, then Breslow
baseline" alternation, reached directly with L-BFGS-B (bounds give the monotone
constraints) and no person-period expansion: one evaluation is a sort-free pass over
the rows (they are sorted by time once) plus per-bin sums.

Examples
--------
>>> import numpy as np
>>> time = np.array([5.0, 8.0, 8.0, 20.0]); event = np.array([1.0, 1.0, 0.0, 1.0])
>>> days, cumhaz = breslow(time, event, np.ones(4), np.zeros(4))
>>> days.tolist(), np.round(cumhaz, 4).tolist()   # Nelson-Aalen when f = 0
([5.0, 8.0, 20.0], [0.25, 0.5833, 1.5833])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from riskassess.models._gam import TermSpec, _term_map

__all__ = ["breslow", "fit_cox_tables"]


class _RiskSets:
    """Rows sorted by time once; the Breslow sums for any scores ``f`` in O(n)."""

    def __init__(self, time: np.ndarray, event: np.ndarray, weight: np.ndarray) -> None:
        self.order = np.argsort(time, kind="stable")
        t_sorted = time[self.order]
        self.times, first, self.group = np.unique(t_sorted, return_index=True,
                                                  return_inverse=True)
        self.first = first
        wd = (weight * event)[self.order]
        self.deaths = np.bincount(self.group, wd, minlength=len(self.times))
        self.has_death = self.deaths > 0
        self.weight_sorted = weight[self.order]

    def log_risk_sums(self, f: np.ndarray) -> tuple[np.ndarray, float]:
        """``log S`` at every distinct time, computed stably (shifted by ``max f``)."""
        shift = float(np.max(f)) if f.size else 0.0
        risk = self.weight_sorted * np.exp(f[self.order] - shift)
        # reverse cumulative sum: S at a time is the sum over rows still at risk (t_k >= t)
        at_risk = np.cumsum(risk[::-1])[::-1][self.first]
        with np.errstate(divide="ignore"):
            return np.log(at_risk), shift

    def cumhaz(self, f: np.ndarray) -> np.ndarray:
        """Breslow ``H0`` at every distinct time (for ``exp(f)``, not shifted)."""
        log_s, shift = self.log_risk_sums(f)
        jumps = np.zeros(len(self.times))
        jumps[self.has_death] = self.deaths[self.has_death] * np.exp(
            -(log_s[self.has_death] + shift))
        out: np.ndarray = np.cumsum(jumps)
        return out

    def loss_and_score(self, f: np.ndarray, w: np.ndarray, d: np.ndarray
                       ) -> tuple[float, np.ndarray]:
        """Negative partial log-likelihood and its gradient in ``f``."""
        log_s, shift = self.log_risk_sums(f)
        loss = float(np.sum(self.deaths[self.has_death] * (log_s[self.has_death] + shift))
                     - np.sum(w * d * f))
        jumps = np.zeros(len(self.times))
        jumps[self.has_death] = self.deaths[self.has_death] * np.exp(
            -(log_s[self.has_death] + shift))
        h_rows = np.empty(len(f))
        h_rows[self.order] = np.cumsum(jumps)[self.group]
        return loss, w * np.exp(f) * h_rows - w * d


def breslow(time: np.ndarray, event: np.ndarray, weight: np.ndarray, f: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Breslow cumulative baseline hazard at the distinct event times.

    Parameters
    ----------
    time, event, weight : numpy.ndarray
        Follow-up times, event indicators (0/1) and row weights.
    f : numpy.ndarray
        Every row's log hazard ratio.

    Returns
    -------
    days, cumhaz : numpy.ndarray
        The distinct times at which an event happened and ``H0`` just after each.
    """
    sets = _RiskSets(np.asarray(time, dtype=np.float64), np.asarray(event, dtype=np.float64),
                     np.asarray(weight, dtype=np.float64))
    cumhaz = sets.cumhaz(np.asarray(f, dtype=np.float64))
    return sets.times[sets.has_death], cumhaz[sets.has_death]


def fit_cox_tables(specs: list[TermSpec], time: np.ndarray, event: np.ndarray,
                   sample_weight: np.ndarray, *, smoothing: float, ridge: float,
                   max_iter: int = 1000, tol: float = 1e-9
                   ) -> tuple[list[np.ndarray], int]:
    """Fit every table by penalised partial likelihood; returns ``(tables, n_iter)``.

    A Cox model has no intercept (the baseline hazard absorbs it); the tables' levels
    are pinned by the ridge penalty and centred by the caller.

    Parameters
    ----------
    specs : list of TermSpec
        The tables (as for :func:`riskassess.models._gam.fit_tables`).
    time, event, sample_weight : numpy.ndarray
        Follow-up in days, event indicators 0/1, row weights (a weight of 2 equals a
        repeated row: the loss is a weighted sum and ties are handled by Breslow's rule).
    smoothing, ridge : float
        Penalty weights, on the summed (not mean) partial log-likelihood.
    max_iter, tol : int, float
        L-BFGS-B stopping rules.

    Examples
    --------
    >>> import numpy as np
    >>> from riskassess.models._gam import TermSpec
    >>> rng = np.random.default_rng(0)
    >>> group = rng.integers(0, 2, 400)
    >>> time = rng.exponential(1.0 / np.exp(0.7 * group)) * 365 + 1
    >>> spec = TermSpec(shape=(3,), ordered=(False,), monotone=(0,), codes=(group,))
    >>> tables, _ = fit_cox_tables([spec], time, np.ones(400), np.ones(400),
    ...                            smoothing=0.0, ridge=1e-6)
    >>> bool(abs((tables[0][1] - tables[0][0]) - 0.7) < 0.2)   # log hazard ratio
    True
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(specs, np.asarray(time, dtype=np.float64),
                    np.asarray(event, dtype=np.float64),
                    np.asarray(sample_weight, dtype=np.float64), smoothing, ridge,
                    max_iter, tol)


def _fit(specs: list[TermSpec], time: np.ndarray, event: np.ndarray, w: np.ndarray,
         smoothing: float, ridge: float, max_iter: int, tol: float
         ) -> tuple[list[np.ndarray], int]:
    maps = [_term_map(s, smoothing, ridge) for s in specs]
    t_all = sp.block_diag([m[0] for m in maps], format="csr")
    q_all = sp.block_diag([m[2] for m in maps], format="csr")
    t_t = t_all.T.tocsr()
    bounds: list[tuple[float | None, float | None]] = []
    for m in maps:
        bounds += m[1]
    sizes = [int(np.prod(s.shape)) for s in specs]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    flat = [s.flat_codes for s in specs]
    sets = _RiskSets(time, event, w)

    def objective(phi: np.ndarray) -> tuple[float, np.ndarray]:
        beta = t_all @ phi
        f = np.zeros(len(time))
        for i, codes in enumerate(flat):
            f += beta[offsets[i]:offsets[i + 1]][codes]
        qphi = q_all @ phi
        loss, score = sets.loss_and_score(f, w, event)
        g_beta = np.empty(offsets[-1])
        for i, codes in enumerate(flat):
            g_beta[offsets[i]:offsets[i + 1]] = np.bincount(codes, score, minlength=sizes[i])
        return loss + float(phi @ qphi), t_t @ g_beta + 2.0 * qphi

    # Diagonal preconditioning by the curvature at the start (f = 0): a cell's curvature
    # is its rows' expected events, sum of w_k H0(t_k) with H0 the Nelson-Aalen estimate.
    h0 = np.empty(len(time))
    h0[sets.order] = sets.cumhaz(np.zeros(len(time)))[sets.group]
    h_beta = np.empty(offsets[-1])
    for i, codes in enumerate(flat):
        h_beta[offsets[i]:offsets[i + 1]] = np.bincount(codes, w * h0, minlength=sizes[i])
    diag = np.asarray(t_all.multiply(t_all).T @ h_beta).ravel() + 2.0 * q_all.diagonal()
    scale = 1.0 / np.sqrt(diag + 1e-12)

    def scaled(psi: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = objective(psi * scale)
        return loss, grad * scale

    scaled_bounds = [(None if lo is None else lo / s, None if hi is None else hi / s)
                     for (lo, hi), s in zip(bounds, scale, strict=True)]
    res = minimize(scaled, np.zeros(len(scale)), jac=True, method="L-BFGS-B",
                   bounds=scaled_bounds,
                   options={"maxiter": max_iter, "ftol": tol, "gtol": tol * 100,
                            "maxcor": 20})
    phi = res.x * scale
    beta = t_all @ phi
    tables = [np.asarray(beta[offsets[i]:offsets[i + 1]]).reshape(s.shape)
              for i, s in enumerate(specs)]
    return tables, int(res.nit)
