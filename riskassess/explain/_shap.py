"""The only module that imports shap (lazily): Explanation objects and the fallback.

Models without a lookup-table form are explained by shap's own explainers, chosen by
model type, against an explicit background:

* linear classifiers (``coef_``, ``intercept_``): ``shap.LinearExplainer`` with an
  independent masker over the whole background: values on the log-odds scale;
* tree ensembles shap supports: ``shap.TreeExplainer(..., feature_perturbation=
  "interventional")`` on the model's raw output (log-odds for gradient boosting, the
  positive-class probability for forests and single trees), against at most 100
  background rows (a seeded sample of a larger background: shap's own limit);
* anything else: ``shap.Explainer`` (exact for up to 10 features, else permutation) on
  the log-odds ``decision_function`` (or the logit of ``predict_proba``).

Additivity against the model's own output is checked here too, to :data:`SHAP_TOLERANCE`
(shap computes in float32 in places, so 1e-9 is out of reach for its explainers).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskassess.exceptions import BackgroundError, FeatureError
from riskassess.explain._common import check_additivity, frame_data, instance_names
from riskassess.explain._template import MAX_TEMPLATE_ROWS, small_explanation

if TYPE_CHECKING:  # pragma: no cover
    import shap

__all__ = ["SHAP_TOLERANCE", "explain_with_shap", "make_explanation"]

#: Additivity tolerance for explanations computed by shap's explainers.
SHAP_TOLERANCE = 1e-6

#: shap's TreeExplainer subsamples larger backgrounds to 100 rows (and then its expected
#: value and values disagree slightly); we pass at most this many rows, sampled with a
#: fixed seed, so the explanation is reproducible and adds up.
_TREE_BACKGROUND = 100


def make_explanation(values: np.ndarray, base_values: np.ndarray | float, data: Any,
                     feature_names: Sequence[str] | None, output_name: str | None,
                     instance_names: Any = None) -> shap.Explanation:
    """Wrap arrays as a ``shap.Explanation`` (``output_names`` carries the horizon label)."""
    import shap

    if instance_names is not None and not isinstance(instance_names, str | list | np.ndarray):
        instance_names = None
    if isinstance(instance_names, str):
        instance_names = [instance_names]
    if np.ndim(values) == 1:  # one case: build a one-row explanation and slice it
        one = make_explanation(np.asarray(values)[None], np.reshape(base_values, (1,)),
                               None if data is None else np.asarray(data, dtype=object)[None],
                               feature_names, output_name, instance_names)
        return one[0]
    if (isinstance(values, np.ndarray) and values.ndim == 2
            and values.shape[0] <= MAX_TEMPLATE_ROWS and isinstance(base_values, np.ndarray)):
        # a case system's one case: a copy of a verified template of the same layout
        return small_explanation(values, base_values, data, feature_names, output_name,
                                 instance_names)
    large_object = (isinstance(data, np.ndarray) and data.dtype == object and data.ndim == 2
                    and data.shape[0] > _OBJECT_SCAN_LIMIT)
    explanation = shap.Explanation(
        values,
        base_values=base_values,
        # shap's slicer scans object arrays element by element (seconds per million
        # rows); a float placeholder of the same shape is tracked instead, then swapped
        data=np.zeros(data.shape) if large_object else data,
        feature_names=None if feature_names is None else list(feature_names),
        output_names=output_name,
        instance_names=instance_names,
    )
    if large_object:
        _swap_data(explanation, data)
    return explanation


#: Object-dtype data with more rows than this skips shap's per-element dimension scan.
_OBJECT_SCAN_LIMIT = 1000


def _swap_data(explanation: shap.Explanation, data: np.ndarray) -> None:
    """Put ``data`` (2-D, object) in place of the same-shaped placeholder, or set it."""
    placeholder = getattr(explanation._s, "_objects", {}).get("data")
    if placeholder is not None and getattr(placeholder, "max_dim", None) == 2:
        tracked = copy.copy(placeholder)  # a slicer Obj: already knows it has 2 dims
        tracked.o = data
        explanation._s.data = tracked  # slicer accepts a tracked object as it is
    if explanation.data is not data:  # slicer internals changed: the slow public route
        explanation.data = data


def _is_linear(model: Any) -> bool:
    coef = getattr(model, "coef_", None)
    return coef is not None and hasattr(model, "intercept_") and np.asarray(coef).ndim <= 2 \
        and np.asarray(coef).reshape(-1, np.shape(coef)[-1]).shape[0] == 1


class _Codec:
    """Numeric codes for shap's maskers (which need numbers), decoded for the model.

    Numeric columns pass through; any other column is factorised over the background and
    the cases together, and decoded back to its original values before scoring.
    """

    def __init__(self, names: list[str], *frames: pd.DataFrame) -> None:
        self.names = names
        self.uniques: dict[int, np.ndarray] = {}
        for j, name in enumerate(names):
            col = frames[0][name]
            if not (isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf"):
                both = pd.concat([f[name] for f in frames], ignore_index=True)
                _, uniques = pd.factorize(both, use_na_sentinel=False)
                self.uniques[j] = np.asarray(uniques, dtype=object)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), len(self.names)), dtype=np.float64)
        for j, name in enumerate(self.names):
            if j in self.uniques:
                index = pd.Index(self.uniques[j], dtype=object)
                out[:, j] = index.get_indexer(frame[name].astype(object))
            else:
                out[:, j] = frame[name].to_numpy(dtype=np.float64)
        return out

    def decode(self, a: np.ndarray) -> pd.DataFrame:
        cols = {name: (self.uniques[j][a[:, j].astype(np.intp)] if j in self.uniques
                       else a[:, j]) for j, name in enumerate(self.names)}
        return pd.DataFrame(cols)


def _log_odds_function(model: Any, codec: _Codec) -> Callable[[np.ndarray], np.ndarray]:
    if hasattr(model, "decision_function"):
        return lambda a: np.asarray(model.decision_function(codec.decode(a)), dtype=np.float64)

    def logit(a: np.ndarray) -> np.ndarray:
        p = np.clip(np.asarray(model.predict_proba(codec.decode(a)))[:, 1], 1e-15, 1 - 1e-15)
        return np.asarray(np.log(p / (1 - p)), dtype=np.float64)

    return logit


def _raw_output(model: Any, X: pd.DataFrame, tree: bool) -> tuple[np.ndarray, str]:
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X), dtype=np.float64), "log-odds"
    p = np.asarray(model.predict_proba(X), dtype=np.float64)[:, 1]
    if tree:
        return p, "probability"
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.log(p / (1 - p)), "log-odds"


def _positive_class(values: np.ndarray, base: Any) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(values, dtype=np.float64)
    base = np.asarray(base, dtype=np.float64)
    if values.ndim == 3:
        values = values[..., -1]
        base = base[..., -1] if base.ndim >= 1 and base.shape[-1] == 2 else base
    return values, np.broadcast_to(base.reshape(-1) if base.ndim else base,
                                   (values.shape[0],)).astype(np.float64)


def explain_with_shap(model: Any, X: pd.DataFrame, *, background: pd.DataFrame | None
                      ) -> shap.Explanation:
    """Explain a model without a lookup-table form with shap's explainers (see module doc)."""
    import shap
    from sklearn.utils.validation import check_is_fitted


    check_is_fitted(model)
    if background is None:
        raise BackgroundError(
            f"{type(model).__name__} is not a riskassess model and stores no background; "
            "pass background=<a DataFrame of representative cases, e.g. a sample of the "
            "training data>"
        )
    if not isinstance(X, pd.DataFrame) or not isinstance(background, pd.DataFrame):
        raise FeatureError("X and background must be pandas DataFrames with the model's "
                           "input columns")
    names = [str(c) for c in getattr(model, "feature_names_in_", X.columns)]
    missing = [c for c in names if c not in X.columns or c not in background.columns]
    if missing:
        raise FeatureError(f"missing column(s) {missing} in X or background; the model "
                           f"reads {names}")
    prediction, scale = _raw_output(model, X, tree=False)  # bad input raises here
    data, bg = X[names], background[names]
    if _is_linear(model):
        masker = shap.maskers.Independent(bg.to_numpy(dtype=np.float64), max_samples=len(bg))
        explainer = shap.LinearExplainer(model, masker)
        # shap's vectorised API (its docs' fast path), not the per-row __call__
        raw_values = explainer.shap_values(data.to_numpy(dtype=np.float64))
        values, base = _positive_class(raw_values, explainer.expected_value)
    else:
        try:
            tree_bg = bg if len(bg) <= _TREE_BACKGROUND else bg.sample(_TREE_BACKGROUND,
                                                                     random_state=0)
            tree = shap.TreeExplainer(model, data=tree_bg.to_numpy(dtype=np.float64),
                                      feature_perturbation="interventional",
                                      model_output="raw")
        except Exception:  # not a tree model shap understands: model-agnostic below
            tree = None
        if tree is not None:
            prediction, scale = _raw_output(model, X, tree=True)
            raw_values = tree.shap_values(data.to_numpy(dtype=np.float64),
                                          check_additivity=False)
            values, base = _positive_class(raw_values, tree.expected_value)
        else:
            codec = _Codec(names, bg, data)
            masker = shap.maskers.Independent(codec.encode(bg), max_samples=len(bg))
            agnostic = shap.Explainer(_log_odds_function(model, codec), masker,
                                      feature_names=names)
            raw = agnostic(codec.encode(data), silent=True)
            values, base = _positive_class(raw.values, raw.base_values)
    check_additivity(values, base, prediction, X.index, tolerance=SHAP_TOLERANCE)
    label = "risk" if scale == "log-odds" else "risk (probability scale)"
    return make_explanation(values, base, frame_data(X, names), names, label,
                            instance_names(X))


def shap_waterfall(explanation_row: Any, *, max_display: int = 10) -> Any:
    """Draw ``shap.plots.waterfall`` for one case without showing it; return the Axes."""
    import shap

    return shap.plots.waterfall(explanation_row, max_display=max_display, show=False)
