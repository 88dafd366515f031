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
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from threadpoolctl import threadpool_limits

from riskassess.exceptions import FormError

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
        Per axis: +1, -1 or 0 (a pair may be monotone along both of its axes).
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


def _slice_map(spec: TermSpec, ridge: float
               ) -> tuple[sp.csr_matrix, list[tuple[float | None, float | None]], sp.csr_matrix]:
    """Pair map with at most one monotone axis: the axis map along it, per slice of the other."""
    n0, n1 = spec.shape
    along = 1 if spec.monotone[1] else 0
    n_a, n_o = (n1, n0) if along == 1 else (n0, n1)
    t_a, b_a, q_a = _axis_map(n_a, spec.monotone[along], spec.ordered[along], 0.0, ridge)
    # beta (flattened row-major over (n0, n1)) from phi ordered [slice of other axis, along]
    t_blocks = sp.block_diag([t_a] * n_o, format="csr")  # index: o * n_a + a
    perm = np.arange(n0 * n1).reshape(n0, n1)
    order = perm.T.ravel() if along == 0 else perm.ravel()  # position of (o, a) in beta
    p = sp.csr_matrix((np.ones(n0 * n1), (order, np.arange(n0 * n1))), shape=(n0 * n1,) * 2)
    return (p @ t_blocks).tocsr(), b_a * n_o, sp.block_diag([q_a] * n_o, format="csr")


#: Most regular cells of a pair table monotone along both axes (its map is dense-ish).
BIMONOTONE_MAX_CELLS = 4096


def _bimonotone_map(spec: TermSpec, ridge: float
                    ) -> tuple[sp.csr_matrix, list[tuple[float | None, float | None]],
                               sp.csr_matrix]:
    """Pair map monotone along both axes: every slice monotone in each declared direction.

    The tables monotone along both axes form a polyhedral cone with more faces than
    dimensions, so (unlike one monotone axis) no change of variables turns them into
    simple bounds. The table is instead written as a non-negative combination of
    monotone building blocks, each an indicator of an "upper set" of the grid of regular
    bins: the quadrants ``{i >= a and j >= b}`` (these alone give the margins' steps and
    positive interactions) and the unions ``{i >= a or j >= b}`` (negative interactions
    on top of the margins), plus a free level. Every such combination is monotone along
    both axes exactly, so the constraint holds by construction under the solver's
    ``>= 0`` bounds; the set spans a large inner part of the cone (any additive monotone
    table, any table whose interaction is one-signed, and mixtures), not all of it. The
    missing-value row and column are monotone along their regular bins; their shared
    corner is free. A decreasing axis is handled by reading its bins in reverse order.
    """
    n0, n1 = spec.shape
    if not (spec.ordered[0] and spec.ordered[1]):
        raise FormError("a pairwise term can be monotone only along ordered (numeric) axes")
    k0, k1 = n0 - 1, n1 - 1  # regular bins; the last bin of each axis is for missing values
    if k0 * k1 > BIMONOTONE_MAX_CELLS:
        raise FormError(f"a pair table monotone along both axes may have at most "
                        f"{BIMONOTONE_MAX_CELLS} regular cells, got {k0} x {k1}; use fewer "
                        "interaction bins")
    i, j = np.divmod(np.arange(k0 * k1), k1)
    # positions in the increasing direction of each axis
    u = i if spec.monotone[0] > 0 else k0 - 1 - i
    v = j if spec.monotone[1] > 0 else k1 - 1 - j
    a, b = np.divmod(np.arange(k0 * k1), k1)
    quadrant = (u[:, None] >= a[None, 1:]) & (v[:, None] >= b[None, 1:])  # (0, 0) = level
    inner = (a >= 1) & (b >= 1)
    union = (u[:, None] >= a[None, inner]) | (v[:, None] >= b[None, inner])
    grid = sp.csr_matrix(np.hstack([np.ones((k0 * k1, 1)), quadrant, union]).astype(float))
    t_row, b_row, _ = _axis_map(n1, spec.monotone[1], True, 0.0, ridge)  # missing row of axis 0
    t_col, b_col, _ = _axis_map(n0, spec.monotone[0], True, 0.0, ridge)
    t_col, b_col = t_col[:k0, :k0], b_col[:k0]  # its corner belongs to the missing row
    blocks = sp.block_diag([grid, t_row, t_col], format="csr")
    # block rows are [regular cells (row-major), missing row, missing column]: put them in
    # the table's row-major order
    cell = np.arange(n0 * n1).reshape(n0, n1)
    position = np.concatenate([cell[:k0, :k1].ravel(), cell[k0, :], cell[:k0, k1]])
    reorder = sp.csr_matrix((np.ones(n0 * n1), (position, np.arange(n0 * n1))),
                            shape=(n0 * n1,) * 2)
    t = (reorder @ blocks).tocsr()
    bounds: list[tuple[float | None, float | None]] = [
        (None, None), *([(0.0, None)] * (grid.shape[1] - 1)), *b_row, *b_col]
    return t, bounds, (ridge * sp.identity(t.shape[1], format="csr")).tocsr()


def _term_map(spec: TermSpec, smoothing: float, ridge: float
              ) -> tuple[sp.csr_matrix, list[tuple[float | None, float | None]], sp.csr_matrix]:
    if len(spec.shape) == 1:
        return _axis_map(spec.shape[0], spec.monotone[0], spec.ordered[0], smoothing, ridge)
    if spec.monotone[0] and spec.monotone[1]:
        t, bounds, q = _bimonotone_map(spec, ridge)
    else:
        t, bounds, q = _slice_map(spec, ridge)
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
               warm_start_rows: int = 20_000, random_state: int = 0
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
        balance), then refined on all rows by ``max_iter // 200`` sweeps of cyclic
        block-Newton steps (one term at a time, exact per-term curvature, monotone
        bounds kept). This trades full convergence for speed on large data: on 100,000
        rows x 20 features the log-odds differ from the fully converged solution by at
        most 0.004 (root mean square 0.0004).

    Returns
    -------
    intercept, tables, n_iter
    """
    # the solvers' small dense algebra is slower with threaded BLAS (much slower on a
    # busy machine, where BLAS threads wait for cores): keep it single-threaded
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(specs, y, sample_weight, smoothing, ridge, max_iter, tol,
                    warm_start_rows, random_state)


def _fit(specs: list[TermSpec], y: np.ndarray, sample_weight: np.ndarray, smoothing: float,
         ridge: float, max_iter: int, tol: float, warm_start_rows: int, random_state: int
         ) -> tuple[float, list[np.ndarray], int]:
    theta0 = None
    if len(y) > warm_start_rows > 0:
        rng = np.random.default_rng(random_state)
        sub = np.sort(rng.choice(len(y), warm_start_rows, replace=False))
        scale = float(sample_weight.sum() / sample_weight[sub].sum())
        sub_specs = [TermSpec(s.shape, s.ordered, s.monotone, tuple(c[sub] for c in s.codes))
                     for s in specs]
        theta0 = _solve(sub_specs, y[sub], sample_weight[sub] * scale, smoothing, ridge,
                        max_iter, tol, None)[0]
    sizes = [int(np.prod(s.shape)) for s in specs]
    if theta0 is not None and max(sizes, default=0) <= 1000:
        theta, n_iter = _block_newton(specs, y, sample_weight, smoothing, ridge, theta0,
                                      max_sweeps=max(1, max_iter // 200), tol=tol)
    else:
        theta, n_iter, sizes = _solve(specs, y, sample_weight, smoothing, ridge, max_iter,
                                      tol, theta0)
    intercept, tables = _unpack(specs, theta, smoothing, ridge, sizes)
    return intercept, tables, n_iter


def _block_newton(specs: list[TermSpec], y: np.ndarray, w: np.ndarray, smoothing: float,
                  ridge: float, theta0: np.ndarray, max_sweeps: int, tol: float
                  ) -> tuple[np.ndarray, int]:
    """Cyclic block-Newton sweeps (one term at a time) from a good starting point.

    Each block step minimises the exact second-order model of the loss in that term's
    parameters (diagonal per-bin curvature mapped through ``T``) plus the penalty, under
    the monotone bounds; few passes over the data are needed, so large data fit fast.
    """
    theta = theta0.copy()
    maps = [_term_map(s, smoothing, ridge) for s in specs]
    sizes = [m[0].shape[1] for m in maps]
    starts = np.concatenate([[1], 1 + np.cumsum(sizes)]).astype(int)
    flat = [s.flat_codes for s in specs]
    tables = [np.asarray(m[0] @ theta[starts[i]:starts[i + 1]]) for i, m in enumerate(maps)]
    eta = np.full(len(y), theta[0])
    for i, codes in enumerate(flat):
        eta += tables[i][codes]
    dense = [(m[0].toarray(), m[2].toarray(), m[1]) for m in maps]
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):  # noqa: B007
        biggest = 0.0
        p = expit(eta)
        r = w * (p - y)
        step0 = r.sum() / max(float(np.sum(w * p * (1 - p))), 1e-12)
        theta[0] -= step0
        eta -= step0
        for i, codes in enumerate(flat):
            p = expit(eta)
            g_b = np.bincount(codes, w * (p - y), minlength=tables[i].size)
            h_b = np.bincount(codes, w * p * (1 - p), minlength=tables[i].size)
            t, q, bounds = dense[i]
            phi = theta[starts[i]:starts[i + 1]]
            hess = t.T @ (h_b[:, None] * t) + 2.0 * q
            grad = t.T @ g_b + 2.0 * q @ phi
            lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds]) - phi
            hi = np.array([np.inf if b[1] is None else b[1] for b in bounds]) - phi
            delta = _box_qp(hess, grad, lo, hi)
            theta[starts[i]:starts[i + 1]] = phi + delta
            change = t @ delta
            tables[i] = tables[i] + change
            eta += change[codes]
            biggest = max(biggest, float(np.max(np.abs(change), initial=0.0)))
        if biggest < tol * 10:
            break
    return theta, sweeps


def _box_qp(hess: np.ndarray, grad: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Minimise ``grad.x + x.H.x / 2`` subject to ``lo <= x <= hi`` (small, dense)."""
    hess = hess + 1e-10 * np.eye(len(grad))
    free = np.linalg.solve(hess, -grad)
    if np.all(free >= lo - 1e-15) and np.all(free <= hi + 1e-15):
        return np.clip(free, lo, hi)
    res = minimize(lambda x: (float(grad @ x + 0.5 * x @ hess @ x), grad + hess @ x),
                   np.clip(free, lo, hi), jac=True, method="L-BFGS-B",
                   bounds=list(zip(lo, hi, strict=True)),
                   options={"maxiter": 500, "ftol": 1e-14, "gtol": 1e-10})
    return np.asarray(res.x)


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

    polish = len(theta0) <= _POLISH_MAX_PARAMETERS
    # when Newton steps finish the job, L-BFGS-B need only get close: its long flat tail
    # of iterations is what the Newton steps replace
    ftol = tol * (1e2 if polish else 1e-3)
    res = minimize(scaled, theta0 / scale, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": max_iter, "ftol": ftol, "gtol": tol})
    theta = res.x * scale
    n_iter = int(res.nit)
    if polish:
        # L-BFGS-B stalls a few digits short of the optimum (its line search gives up on
        # a flat, ill-conditioned valley), and where it stalls depends on rounding: a
        # weight of 2 and a repeated row would then give tables differing by ~1e-5.
        # Newton steps on the exact Hessian finish the job, so the fit is the optimum of
        # the penalised likelihood (equal for equal data) and not an artefact of the path.
        design = _design(flat, sizes, len(y))
        theta, polish_steps = _newton_polish(objective, design, t_all, q_all, bounds,
                                             sample_weight, theta)
        n_iter += polish_steps
    return theta, n_iter, sizes


#: Largest problem (parameters) given Newton steps on a dense Hessian after L-BFGS-B.
_POLISH_MAX_PARAMETERS = 1500


def _design(flat: list[np.ndarray], sizes: list[int], n_rows: int) -> sp.csr_matrix:
    """Row-by-table-cell indicator matrix: one 1 per term per row."""
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    cols = np.concatenate([codes + offsets[i] for i, codes in enumerate(flat)]) \
        if flat else np.zeros(0, dtype=int)
    rows = np.tile(np.arange(n_rows), len(flat))
    return sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(n_rows, int(offsets[-1])))


def _newton_polish(objective: Any, design: sp.csr_matrix, t_all: sp.csr_matrix,
                   q_all: sp.csr_matrix, bounds: list[tuple[float | None, float | None]],
                   sample_weight: np.ndarray, theta: np.ndarray, max_steps: int = 30
                   ) -> tuple[np.ndarray, int]:
    """Projected Newton steps with backtracking on the penalised log-loss (small problems).

    The Hessian in ``(intercept, phi)`` is ``T' B' diag(w p (1 - p)) B T + 2 Q`` with ``B``
    the cell indicators (plus a column of ones) and ``T`` the map to the tables; ``B' W B``
    is formed first (sparse, one entry per pair of cells that share rows), so a step costs
    one pass over the rows whatever the number of parameters. Each step minimises the
    quadratic model over the parameters not held at a bound and is halved until the loss
    does not increase.
    """
    lo_b = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    hi_b = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    cells = sp.hstack([sp.csr_matrix(np.ones((design.shape[0], 1))), design], format="csr")
    to_cells = sp.block_diag([sp.identity(1), t_all], format="csr").toarray()
    penalty = sp.block_diag([sp.csr_matrix((1, 1)), q_all], format="csr").toarray()
    loss, grad = objective(theta)
    steps = 0
    for steps in range(1, max_steps + 1):  # noqa: B007
        p = expit(cells @ (to_cells @ theta))
        curvature = sp.diags(sample_weight * p * (1.0 - p))
        cell_hess = (cells.T @ curvature @ cells).toarray()
        hess = to_cells.T @ cell_hess @ to_cells + 2.0 * penalty
        # Projected Newton (Bertsekas 1982): a parameter sitting on its bound with the
        # gradient pushing outwards stays there; the others take the Newton step of the
        # reduced system, and the trial point is projected back into the bounds.
        at_lo = (theta <= lo_b + 1e-12) & (grad > 0)
        at_hi = (theta >= hi_b - 1e-12) & (grad < 0)
        free = ~(at_lo | at_hi)
        delta = np.zeros_like(theta)
        sub = hess[np.ix_(free, free)] + 1e-10 * np.eye(int(free.sum()))
        delta[free] = -np.linalg.solve(sub, grad[free])
        accepted = False
        for _ in range(30):
            trial = np.clip(theta + delta, lo_b, hi_b)
            t_loss, t_grad = objective(trial)
            if t_loss <= loss:
                accepted = True
                break
            delta = delta / 2.0
        if not accepted:
            break
        change = float(np.max(np.abs(trial - theta), initial=0.0))
        theta, loss, grad = trial, t_loss, t_grad
        if change < 1e-13 * max(1.0, float(np.max(np.abs(theta), initial=0.0))):
            break
    return theta, steps
