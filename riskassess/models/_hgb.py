"""Compile a HistGradientBoostingClassifier whose trees use one feature (or one pair) each.

With ``interaction_cst`` keeping every feature alone (or in pairs), a boosted model is a
sum of functions of one feature (or of one pair), and each is a step function with steps
at the thresholds the trees use. So the booster is exactly an :class:`AdditiveForm`:
collect every feature's thresholds, probe the booster's own ``decision_function`` at one
point per bin (the threshold itself, a point above the last one, and NaN), and
difference out the constant. Categorical features (``categorical_features``) are probed
at each category of the training frame.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.ensemble import HistGradientBoostingClassifier
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.integers(18, 70, 500).astype(float),
...                   "priors": rng.poisson(2, 500).astype(float)})
>>> y = (rng.random(500) < 1 / (1 + np.exp(0.05 * (X["age"] - 35)))).astype(int)
>>> hgb = HistGradientBoostingClassifier(max_iter=30, interaction_cst="no_interactions",
...                                      max_leaf_nodes=3).fit(X, y)
>>> form = form_from_hist_gradient_boosting(hgb, X)
>>> bool(np.allclose(form.decision_function(X), hgb.decision_function(X), atol=1e-12))
True
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from riskassess.exceptions import FeatureError, FormError
from riskassess.models._terms import AdditiveForm, CategoricalAxis, NumericAxis, TableTerm

__all__ = ["form_from_hist_gradient_boosting"]


def _internal_to_original(booster: Any) -> np.ndarray:
    """Column index in the input of every feature index used inside the trees.

    With ``categorical_features="from_dtype"`` the booster's preprocessor puts the
    categorical columns first.
    """
    pre = getattr(booster, "_preprocessor", None)
    if pre is None:
        return np.arange(booster.n_features_in_)
    masks = [np.asarray(cols, bool) for name, _, cols in pre.transformers_
             if name != "remainder"]
    return np.concatenate([np.flatnonzero(m) for m in masks])


def _tree_features(booster: Any, perm: np.ndarray) -> list[set[int]]:
    out = []
    for (pred,) in booster._predictors:
        nodes = pred.nodes
        used = nodes["feature_idx"][~nodes["is_leaf"].astype(bool)]
        out.append({int(perm[f]) for f in used})
    return out


def _groups(used: list[set[int]]) -> list[tuple[int, ...]]:
    """Connected components of features that share a tree; each must have <= 2 features."""
    parent: dict[int, int] = {}

    def find(a: int) -> int:
        while parent.setdefault(a, a) != a:
            a = parent[a]
        return a

    for feats in used:
        fs = sorted(feats)
        for f in fs:
            find(f)
        for a, b in itertools.pairwise(fs):
            parent[find(a)] = find(b)
    comps: dict[int, list[int]] = {}
    for f in parent:
        comps.setdefault(find(f), []).append(f)
    groups = [tuple(sorted(c)) for c in comps.values()]
    big = [g for g in groups if len(g) > 2]
    if big:
        raise FormError(f"trees combine more than two features {big}; fit the booster with "
                        "interaction_cst='no_interactions' or pairs only")
    return sorted(groups)


def form_from_hist_gradient_boosting(booster: Any, X: pd.DataFrame | None = None
                                     ) -> AdditiveForm:
    """An :class:`AdditiveForm` whose log-odds equal ``booster.decision_function``.

    Parameters
    ----------
    booster : sklearn.ensemble.HistGradientBoostingClassifier
        Fitted, binary, every tree using one feature or one pair of features.
    X : pandas.DataFrame, optional
        Training frame: gives the categories of categorical features and the training
        counts of every table cell (``TableTerm.counts``, the explanation background);
        tables are then centred on their training mean. Required when the booster
        has categorical features.

    Returns
    -------
    AdditiveForm
        Equal to the booster's raw predictions up to floating-point rounding (~1e-15).

    Raises
    ------
    riskassess.exceptions.FormError
        Multiclass booster, or a tree using more than two features (a ``ValueError``).
    riskassess.exceptions.FeatureError
        Categorical features without ``X`` (a ``ValueError``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 300).astype(float)})
    >>> y = (rng.random(300) < 1 / (1 + np.exp(0.05 * (X["age"] - 35)))).astype(int)
    >>> hgb = HistGradientBoostingClassifier(max_iter=10, max_leaf_nodes=3).fit(X, y)
    >>> form = form_from_hist_gradient_boosting(hgb, X)
    >>> form.term_names
    ['age']
    >>> bool(np.allclose(form.decision_function(X), hgb.decision_function(X), atol=1e-12))
    True
    """
    check_is_fitted(booster)
    if getattr(booster, "n_trees_per_iteration_", 1) != 1:
        raise FormError("only binary HistGradientBoostingClassifier can be compiled")
    names = (list(map(str, booster.feature_names_in_)) if hasattr(booster, "feature_names_in_")
             else [f"x{i}" for i in range(booster.n_features_in_)])
    is_cat = np.zeros(len(names), bool) if booster.is_categorical_ is None \
        else np.asarray(booster.is_categorical_)
    if is_cat.any() and X is None:
        raise FeatureError("the booster has categorical features: pass its training frame X")
    perm = _internal_to_original(booster)
    used = _tree_features(booster, perm)
    groups = _groups(used)
    thresholds: dict[int, set[float]] = {}
    for (pred,) in booster._predictors:
        nodes = pred.nodes
        split = ~nodes["is_leaf"].astype(bool) & ~nodes["is_categorical"].astype(bool)
        for f, t in zip(nodes["feature_idx"][split], nodes["num_threshold"][split], strict=True):
            thresholds.setdefault(int(perm[f]), set()).add(float(t))
    axes: dict[int, NumericAxis | CategoricalAxis] = {}
    reps: dict[int, list[Any]] = {}
    for g in groups:
        for f in g:
            if is_cat[f] and X is not None:  # X is required (checked above) when is_cat
                col = X[names[f]]
                cats = (list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype)
                        else sorted(col.dropna().unique().tolist()))
                axes[f] = CategoricalAxis(names[f], tuple(str(c) for c in cats))
                reps[f] = [*cats, np.nan]
            else:
                t = sorted(thresholds.get(f, set()))
                axes[f] = NumericAxis(names[f], tuple(t))
                top = (t[-1] + max(1.0, abs(t[-1]))) if t else 0.0
                reps[f] = [*t, top, np.nan]
    base = _base_row(names, is_cat, X)
    ref = float(_raw(booster, base)[0])
    terms: list[TableTerm] = []
    intercept = ref
    for g in groups:
        grid = list(itertools.product(*(range(len(reps[f])) for f in g)))
        probe = pd.concat([base] * len(grid), ignore_index=True)
        for pos, f in enumerate(g):
            values = [reps[f][idx[pos]] for idx in grid]
            probe[names[f]] = pd.Series(values, dtype=base[names[f]].dtype)
        raw = _raw(booster, probe)
        # the base row sits in some cell of this group: subtract the constant
        base_idx = tuple(_cell(axes[f], base) for f in g)
        shape = tuple(axes[f].n_bins for f in g)
        table = np.asarray(raw, dtype=np.float64).reshape(shape)
        table = table - table[base_idx]
        counts = None
        if X is not None:
            codes = [axes[f].codes(X) for f in g]
            flat = codes[0] if len(g) == 1 else codes[0] * shape[1] + codes[1]
            counts = np.bincount(flat, minlength=table.size).reshape(shape).astype(float)
            shift = float(np.sum(counts * table) / max(counts.sum(), 1.0))
            table = table - shift
            intercept += shift
        terms.append(TableTerm(" x ".join(names[f] for f in g), tuple(axes[f] for f in g),
                               table, counts))
    return AdditiveForm(intercept=intercept, terms=tuple(terms))


def _cell(axis: NumericAxis | CategoricalAxis, base: pd.DataFrame) -> int:
    return int(axis.codes(base)[0])


def _base_row(names: list[str], is_cat: np.ndarray, X: pd.DataFrame | None) -> pd.DataFrame:
    """One probe row: the first training row if given, else zeros."""
    if X is not None:
        row = X[names].iloc[:1].reset_index(drop=True)
        return row.astype({n: np.float64 for n, c in zip(names, is_cat, strict=True) if not c})
    return pd.DataFrame([np.zeros(len(names))], columns=names)


def _raw(booster: Any, frame: pd.DataFrame) -> np.ndarray:
    """The booster's log-odds, given a frame only if it was fitted on one."""
    if hasattr(booster, "feature_names_in_"):
        return np.asarray(booster.decision_function(frame), dtype=np.float64)
    return np.asarray(booster.decision_function(frame.to_numpy(np.float64)), dtype=np.float64)
