"""Penalised, monotone-constrained logistic fit of lookup tables (the additive solver).

Every term is a table indexed by bin codes (one or two axes, last bin of each axis for
missing values). The log-odds of row ``i`` is ``b + sum_t table_t[code_ti]``. The tables
are written as ``beta = T @ phi`` with simple bounds on ``phi``:

* numeric axis, monotone +1 / -1: ``phi`` holds a level and the step between successive
  bins (steps bounded ``>= 0`` / ``<= 0``), so the table is monotone *exactly*;
* smoothness: a ridge penalty on the differences of successive steps (second differences
  of the shape, as in P-splines) with weight ``smoothing``, plus a small ridge with weight
  ``ridge`` on every parameter (identifiability, shrinkage of rare categories).

The penalised negative log-likelihood is convex and smooth; it is minimised with
L-BFGS-B (bounds give the monotone constraints). Gradients are per-bin sums
(:func:`numpy.bincount`), so one evaluation costs a few passes over the codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit

__all__ = ["TermSpec", "fit_tables"]


@dataclass(frozen=True)
class TermSpec:
    """One table to fit.

    Parameters
    ----------
    shape : tuple of int
        Table shape; the last index of every axis is the missing-value bin.
    ordered : tuple of bool
        Per axis: whether bins are ordered (numeric), so smoothness applies.
    monotone : tuple of int
        Per axis: +1, -1 or 0. At most one axis of a two-axis term may be monotone.
    codes : tuple of numpy.ndarray
        Per axis, the bin code of every training row.
    """

    shape: tuple[int, ...]
    ordered: tuple[bool, ...]
    monotone: tuple[int, ...]
    codes: tuple[np.ndarray, ...]

    @property
    def flat_codes(self) -> np.ndarray:
        if len(self.shape) == 1:
            return self.codes[0]
        return self.codes[0] * self.shape[1] + self.codes[1]


def _diff(n: int, order: int) -> sp.csr_matrix:
    """Finite-difference operator of the given order on ``n`` points."""
    d = sp.identity(n, format="csr")
    for _ in range(order):
        d = (d[1:] - d[:-1]).tocsr()
    return d


def _axis_map(n_bins: int, monotone: int, ordered: bool, smoothing: float, ridge: float
              ) -> tuple[sp.csr_matrix, list[tuple[float | None, float | None]], sp.csr_matrix]:
    """Map ``phi -> beta`` for one axis, the bounds on ``phi`` and the penalty ``Q``."""
    k = n_bins - 1  # regular bins; the last one is the missing bin
    if not ordered:
        t = sp.identity(n_bins, format="csr")
        return t, [(None, None)] * n_bins, (ridge * sp.identity(n_bins)).tocsr()
    # phi = [level, step_1..step_{k-1}, missing]
    lower = np.tril(np.ones((k, k)))
    t = sp.block_diag([sp.csr_matrix(lower), sp.identity(1)], format="csr")
    step_bound: tuple[float | None, float | None] = (
        (0.0, None) if monotone > 0 else (None, 0.0) if monotone < 0 else (None, None)
    )
    bounds = [(None, None), *([step_bound] * (k - 1)), (None, None)]
    q = ridge * sp.identity(n_bins, format="csr")
    if k - 1 >= 2:
        d = _diff(k - 1, 1)
        dd = sp.hstack([sp.csr_matrix((d.shape[0], 1)), d, sp.csr_matrix((d.shape[0], 1))])
        q = q + smoothing * (dd.T @ dd)
    return t.tocsr(), bounds, sp.csr_matrix(q)


def _term_map(spec: TermSpec, smoothing: float, ridge: float
              ) -> tuple[sp.csr_matrix, list[tuple[float | None, float | None]], sp.csr_matrix]:
    if len(spec.shape) == 1:
        return _axis_map(spec.shape[0], spec.monotone[0], spec.ordered[0], smoothing, ridge)
    n0, n1 = spec.shape
    if spec.monotone[0] and spec.monotone[1]:
        raise ValueError("a pairwise term may be monotone along one axis only")
    # parameters along the monotone axis (or axis 0) use the axis map, per slice of the other
    along = 1 if spec.monotone[1] else 0
    n_a, n_o = (n1, n0) if along == 1 else (n0, n1)
    t_a, b_a, q_a = _axis_map(n_a, spec.monotone[along], spec.ordered[along], 0.0, ridge)
    # beta (flattened row-major over (n0, n1)) from phi ordered [slice of other axis, along]
    t_blocks = sp.block_diag([t_a] * n_o, format="csr")  # index: o * n_a + a
    perm = np.arange(n0 * n1).reshape(n0, n1)
    order = perm.T.ravel() if along == 0 else perm.ravel()  # position of (o, a) in beta
    p = sp.csr_matrix((np.ones(n0 * n1), (order, np.arange(n0 * n1))), shape=(n0 * n1,) * 2)
    t = (p @ t_blocks).tocsr()
    bounds = b_a * n_o
    q = sp.block_diag([q_a] * n_o, format="csr")
    # smoothness on beta along every ordered axis (regular bins only)
    for axis, (n, ordered) in enumerate(zip(spec.shape, spec.ordered, strict=True)):
        if not ordered or n - 1 < 3:
            continue
        other = spec.shape[1 - axis]
        d = _diff(n - 1, 2)
        d = sp.hstack([d, sp.csr_matrix((d.shape[0], 1))])
        eye = sp.identity(other)
        dop = sp.kron(d, eye) if axis == 0 else sp.kron(eye, d)
        dphi = dop @ t
        q = q + smoothing * (dphi.T @ dphi)
    return t, bounds, sp.csr_matrix(q)


def fit_tables(specs: list[TermSpec], y: np.ndarray, sample_weight: np.ndarray, *,
               smoothing: float, ridge: float, max_iter: int = 1000, tol: float = 1e-7,
               warm_start_rows: int = 50_000, random_state: int = 0
               ) -> tuple[float, list[np.ndarray], int]:
    """Fit the intercept and every table; returns ``(intercept, tables)``.

    Parameters
    ----------
    specs : list of TermSpec
        The tables.
    y : numpy.ndarray
        Labels 0/1.
    sample_weight : numpy.ndarray
        Row weights (the loss is a weighted sum, so weight 2 equals a repeated row).
    smoothing, ridge : float
        Penalty weights (see the module docstring).
    max_iter, tol : int, float
        L-BFGS-B stopping rules.
    warm_start_rows : int
        With more rows than this, the problem is first solved on a random subsample of
        this size (weights scaled up to the full total, so the penalty keeps its
        balance) and the full problem starts from that solution: far fewer passes over
        the full data.

    Returns
    -------
    intercept, tables, n_iter
    """
    theta0 = None
    if len(y) > warm_start_rows > 0:
        rng = np.random.default_rng(random_state)
        sub = np.sort(rng.choice(len(y), warm_start_rows, replace=False))
        scale = float(sample_weight.sum() / sample_weight[sub].sum())
        sub_specs = [TermSpec(s.shape, s.ordered, s.monotone, tuple(c[sub] for c in s.codes))
                     for s in specs]
        theta0 = _solve(sub_specs, y[sub], sample_weight[sub] * scale, smoothing, ridge,
                        max_iter, tol, None)[0]
    theta, n_iter, sizes = _solve(specs, y, sample_weight, smoothing, ridge, max_iter, tol,
                                  theta0)
    return _unpack(specs, theta, smoothing, ridge, sizes) + (n_iter,)


def _unpack(specs: list[TermSpec], theta: np.ndarray, smoothing: float, ridge: float,
            sizes: list[int]) -> tuple[float, list[np.ndarray]]:
    maps = [_term_map(s, smoothing, ridge) for s in specs]
    t_all = sp.block_diag([m[0] for m in maps], format="csr") if maps else sp.csr_matrix((0, 0))
    beta = t_all @ theta[1:]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    tables = [beta[offsets[i]:offsets[i + 1]].reshape(s.shape) for i, s in enumerate(specs)]
    return float(theta[0]), tables


def _solve(specs: list[TermSpec], y: np.ndarray, sample_weight: np.ndarray, smoothing: float,
           ridge: float, max_iter: int, tol: float, theta0: np.ndarray | None
           ) -> tuple[np.ndarray, int, list[int]]:
    maps = [_term_map(s, smoothing, ridge) for s in specs]
    t_all = sp.block_diag([m[0] for m in maps], format="csr") if maps else sp.csr_matrix((0, 0))
    q_all = sp.block_diag([m[2] for m in maps], format="csr") if maps else sp.csr_matrix((0, 0))
    t_t = t_all.T.tocsr()
    bounds: list[tuple[float | None, float | None]] = [(None, None)]
    for m in maps:
        bounds += m[1]
    sizes = [int(np.prod(s.shape)) for s in specs]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    flat = [s.flat_codes for s in specs]
    yw = y * sample_weight
    total = float(sample_weight.sum())
    base = float(np.clip(yw.sum() / total, 1e-6, 1 - 1e-6))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        phi = theta[1:]
        beta = t_all @ phi
        eta = np.full(len(y), theta[0])
        for i, codes in enumerate(flat):
            eta += beta[offsets[i]:offsets[i + 1]][codes]
        qphi = q_all @ phi
        loss = float(sample_weight @ np.logaddexp(0.0, eta) - yw @ eta + phi @ qphi)
        r = sample_weight * expit(eta) - yw
        g_beta = np.empty(offsets[-1])
        for i, codes in enumerate(flat):
            g_beta[offsets[i]:offsets[i + 1]] = np.bincount(codes, r, minlength=sizes[i])
        grad = np.empty_like(theta)
        grad[0] = r.sum()
        grad[1:] = t_t @ g_beta + 2.0 * qphi
        return loss, grad

    if theta0 is None:
        theta0 = np.zeros(1 + t_all.shape[1])
        theta0[0] = np.log(base / (1 - base))
    # diagonal preconditioning: scale every parameter by its curvature at the start
    h_beta = np.empty(offsets[-1])
    for i, codes in enumerate(flat):
        h_beta[offsets[i]:offsets[i + 1]] = np.bincount(codes, sample_weight,
                                                        minlength=sizes[i])
    h_beta *= base * (1 - base)
    diag = np.asarray(t_all.multiply(t_all).T @ h_beta).ravel() + 2.0 * q_all.diagonal()
    scale = 1.0 / np.sqrt(np.concatenate([[total * base * (1 - base)], diag]) + 1e-12)

    def scaled(psi: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = objective(psi * scale)
        return loss, grad * scale

    res = minimize(scaled, theta0 / scale, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": max_iter, "ftol": tol * 1e-3, "gtol": tol})
    res.x = res.x * scale
    return res.x, int(res.nit), sizes
