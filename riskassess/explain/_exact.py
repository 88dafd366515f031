"""Exact interventional SHAP values for transparent models, read from the compiled plan.

A transparent model's log-odds is ``intercept + sum_t term_t(x)``; its exact SHAP values
are per-cell shares precomputed by :meth:`riskassess.models.Plan.shap` (the formulas are
in :mod:`riskassess.models._plan`). This module turns them into the public results:

* :func:`shap_values`: the values and the base value as plain arrays (no
  ``shap.Explanation``): the fastest route, for pipelines and case systems;
* :func:`explain`: the same numbers wrapped in a ``shap.Explanation`` (any other
  scikit-learn classifier is explained by shap's own explainers, same call, same type).

``base + sum(values)`` equals the model's log-odds; this is checked on every call against
the model's own score.
"""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskassess.exceptions import (
    BackgroundError,
    ExplanationError,
    ExplanationInputError,
    FeatureError,
)
from riskassess.explain._common import (
    ADDITIVITY_TOLERANCE,
    check_additivity,
    frame_data,
    horizon_label,
    instance_names,
)
from riskassess.models import (
    SMALL_FRAME,
    CategoricalAxis,
    Plan,
    ShapTables,
    TransparentModel,
    frame_rows,
    inverse_link,
    plan_of,
)

if TYPE_CHECKING:  # pragma: no cover
    import shap

__all__ = ["ADDITIVITY_TOLERANCE", "BackgroundError", "ScoredValues", "explain",
           "horizon_label", "scored_values", "shap_values"]

# ----------------------------------------------------------------------------- public


def shap_values(model: Any, X: pd.DataFrame, *, background: pd.DataFrame | None = None
                ) -> tuple[np.ndarray, float]:
    """Exact SHAP values of a transparent model as plain arrays (no ``shap.Explanation``).

    The same numbers as :func:`explain`, without the cost of building an Explanation:
    the route for pipelines that only need the values, and for one case in a case system.

    Parameters
    ----------
    model : TransparentModel
        A fitted riskassess model or instrument.
    X : pandas.DataFrame or mapping
        Cases, with the model's input columns; or one case as ``{column: value}`` (the
        cheapest input for a case system: no frame is built).
    background : pandas.DataFrame, optional
        The reference population; defaults to the training distribution stored in the
        model (compiled once per background object either way).

    Returns
    -------
    values : numpy.ndarray of shape (n, n_features)
        Log-odds contributions, columns ``model.explained_features_``.
    base_value : float
        The background's mean log-odds; ``base_value + values.sum(1)`` is the log-odds.

    Raises
    ------
    FeatureError, UnseenCategoryError, BackgroundError, ExplanationError
        As :func:`explain`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 500).astype(float),
    ...                   "priors": rng.poisson(2, 500).astype(float)})
    >>> y = (rng.random(500) < 0.3 + 0.05 * X["priors"].clip(0, 8)).astype(int)
    >>> model = AdditiveRiskClassifier().fit(X, y)
    >>> values, base = shap_values(model, X.head(3))
    >>> values.shape
    (3, 2)
    >>> bool(np.allclose(base + values.sum(1), model.decision_function(X.head(3))))
    True
    """
    values, base, _ = _values(_require_transparent(model), X, background, with_data=False)
    return values, base


@dataclass(frozen=True)
class ScoredValues:
    """Scores, bands and exact SHAP values of many cases, from one reading of the frame.

    Returned by :func:`scored_values`. Bands are kept as numbers into ``band_labels``
    (a categorical column is built from them without a string per row); :attr:`band`
    gives the labels, as ``predict_band`` does.

    Attributes
    ----------
    probability : numpy.ndarray
        ``predict_proba(X)[:, 1]``, shape ``(n,)``.
    band_codes : numpy.ndarray
        Shape ``(n,)``: each row's band is ``band_labels[band_codes[i]]``.
    band_labels : tuple of str
        The labels ``band_codes`` number (the model's bands, lowest first, when read from
        its plan).
    values : numpy.ndarray
        SHAP values, shape ``(n, n_features)``, columns ``model.explained_features_``.
    base_value : float
        The background's mean log-odds (as :func:`shap_values`).

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.instruments import OGRS3
    >>> X = make_cohort(300, seed=0).features()
    >>> out = scored_values(OGRS3().fit(X), X)
    >>> out.values.shape, out.band_labels
    ((300, 5), ('low', 'medium', 'high', 'very high'))
    >>> out.band[:3].tolist() == [out.band_labels[k] for k in out.band_codes[:3]]
    True
    """

    probability: np.ndarray
    band_codes: np.ndarray
    band_labels: tuple[str, ...]
    values: np.ndarray
    base_value: float

    @functools.cached_property
    def band(self) -> np.ndarray:
        """``predict_band(X)``: the band label of every row (str), built on first use."""
        return np.asarray(self.band_labels, dtype=str)[self.band_codes]


def scored_values(model: Any, X: pd.DataFrame, *, background: pd.DataFrame | None = None
                  ) -> ScoredValues:
    """Probability, band and exact SHAP values of every row, the frame binned once.

    The same numbers as ``model.predict_proba(X)[:, 1]``, ``model.predict_band(X)`` and
    :func:`shap_values`, bit for bit, for the cost of one of them plus a few gathers:
    the three calls would each check the frame and bin every column again (binning is
    most of a transparent model's scoring). This is the batch-scoring route of
    :func:`riskassess.distributed.score_frame`.

    Parameters
    ----------
    model : TransparentModel
        A fitted riskassess model or instrument.
    X : pandas.DataFrame
        Cases, with the model's input columns.
    background : pandas.DataFrame, optional
        As :func:`shap_values`.

    Returns
    -------
    ScoredValues
        ``probability``, ``band_codes`` and ``band_labels`` (``band``: the labels),
        ``values``, ``base_value``.

    Raises
    ------
    FeatureError, UnseenCategoryError, BackgroundError, ExplanationError
        As :func:`explain`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskassess.models import AdditiveRiskClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 500).astype(float),
    ...                   "priors": rng.poisson(2, 500).astype(float)})
    >>> y = (rng.random(500) < 0.3 + 0.05 * X["priors"].clip(0, 8)).astype(int)
    >>> model = AdditiveRiskClassifier().fit(X, y)
    >>> out = scored_values(model, X)
    >>> out.values.shape, out.band[:2].tolist()
    ((500, 2), ['low', 'medium'])
    >>> bool((out.probability == model.predict_proba(X)[:, 1]).all())
    True
    >>> bool((out.band == model.predict_band(X)).all())
    True
    """
    model = _require_transparent(model)
    if not (type(X) is pd.DataFrame and len(X) > SMALL_FRAME
            and _plan_scores_everything(type(model))):
        # a few rows take the scalar routes; a class with its own scoring is asked itself
        values, base = shap_values(model, X, background=background)
        band = np.asarray(model.predict_band(X)).astype(str)
        labels, codes = np.unique(band, return_inverse=True)
        return ScoredValues(np.asarray(model.predict_proba(X), dtype=np.float64)[:, 1],
                            codes.reshape(-1), tuple(str(b) for b in labels), values, base)
    plan = plan_of(model)
    tables = plan.shap(background, model._background_preparer())
    frame = model._form_frame(X)  # the model's own checks: bad input raises its errors
    binned = plan.frame_binned(frame)
    columns = plan.linear_columns(frame)
    values = tables.values(binned, columns)
    # the score predict_proba computes (same terms, same order), for every row
    z = plan.binned_scores(plan.main, binned, frame, columns)
    rows = _checked_rows(len(frame))
    picked = slice(None) if rows is None else rows
    check_additivity(values[picked], np.full(len(z[picked]), tables.base_value), z[picked],
                     frame.index[picked])
    to_probability = inverse_link(model.link)
    probability = to_probability(z)
    band_probability = (probability if plan.band is plan.main else to_probability(
        plan.binned_scores(plan.band, binned, frame, columns)))
    return ScoredValues(probability, plan.bands.index(band_probability), plan.bands.labels,
                        values, tables.base_value)


def explain(model: Any, X: pd.DataFrame, *, background: pd.DataFrame | None = None,
            horizon: float | None = None) -> shap.Explanation:
    """Explain each row of ``X``: log-odds contributions that add up to the model's score.

    For a transparent model (the additive model, the scorecard, the instruments) the
    values are exact interventional SHAP values read from the compiled plan. Any other
    fitted scikit-learn classifier is explained by shap's own explainers (linear through
    ``LinearExplainer.shap_values``, tree-interventional, or model-agnostic), through the
    same call and with the same return type.

    Parameters
    ----------
    model : fitted estimator
        A riskassess model, or any scikit-learn classifier.
    X : pandas.DataFrame
        Cases to explain, with the model's input columns.
    background : pandas.DataFrame, optional
        The reference population ("the average case"). Defaults to the training
        distribution stored in the model; required when the model stores none (an
        instrument that was never fitted, or a model that is not a riskassess model).
    horizon : float, optional
        Years: explain the score at this horizon instead of the model's own. The values
        are the same (a horizon shares the model's tables); the base value moves by
        ``model.horizon_shift(horizon)``. For the time-to-event model
        (:class:`~riskassess.models.AdditiveSurvivalModel`, link ``"cloglog"``) any horizon
        up to the longest follow-up; values and base are log cumulative hazards.

    Returns
    -------
    shap.Explanation
        ``values`` (n, n_features) log-odds contributions, ``base_values`` (n,) the
        background's mean log-odds, ``data`` the explained values, ``feature_names`` the
        explained features, ``output_names`` what is explained (e.g. ``"2-year risk"``),
        ``instance_names`` the case ids of a frame of at most :data:`MAX_NAMED_ROWS`
        rows with a non-default index. ``base_values + values.sum(1)`` equals
        ``model.decision_function(X)``.

    Raises
    ------
    FeatureError, UnseenCategoryError
        Bad input columns, as from the model's ``predict``.
    BackgroundError
        No background given and none stored in the model.
    ExplanationError
        The explanation does not add up to the model's score (never silently returned).

    Examples
    --------
    >>> from riskassess.datasets import make_cohort
    >>> from riskassess.instruments import OGRS3
    >>> X = make_cohort(500, seed=0).features()
    >>> e = explain(OGRS3().fit(X), X.head(2))
    >>> e.feature_names
    ['copas_rate_at_index', 'sanction_history', 'age_at_follow_up', 'sex', 'index_offence']
    >>> bool(abs(e.base_values[0] + e.values[0].sum()
    ...          - OGRS3().fit(X).decision_function(X.head(1))[0]) < 1e-9)
    True
    """
    if not isinstance(model, TransparentModel):
        if horizon is not None:
            raise ExplanationInputError(f"horizon= needs a riskassess model; "
                                        f"{type(model).__name__} has one output")
        from riskassess.explain._shap import explain_with_shap

        return explain_with_shap(model, X, background=background)
    from riskassess.explain._shap import make_explanation

    values, base, data = _values(model, X, background, with_data=True)
    label = horizon_label(model)
    if horizon is not None:  # same tables, so same values: only the base moves
        base = base + model.horizon_shift(horizon)
        label = f"{float(horizon):g}-year risk"
    return make_explanation(values, np.full(len(values), base), data,
                            list(model.explained_features_), label,
                            instance_names(X) if isinstance(X, pd.DataFrame) else None)


def _require_transparent(model: Any) -> TransparentModel:
    if not isinstance(model, TransparentModel):
        raise ExplanationError(f"shap_values reads a riskassess model's tables; got "
                               f"{type(model).__name__} (use explain(), which hands other "
                               "classifiers to shap's explainers)")
    return model


def _values(model: TransparentModel, X: Any, background: pd.DataFrame | None, *,
            with_data: bool) -> tuple[np.ndarray, float, Any]:
    """``(values, base_value, data)``, additivity checked against the model's score."""
    plan = plan_of(model)
    tables = plan.shap(background, model._background_preparer())
    if isinstance(X, Mapping):  # one case as {column: value}: no frame needed
        missing = [c for c in plan.columns if c not in X]
        if missing:
            raise FeatureError(f"missing column(s) {missing}; the model reads "
                               f"{list(plan.columns)}")
        cells = [X[c] for c in plan.columns]
        small = _small_values(model, plan, tables, [cells], None, with_data)
        if small is not None:
            return small
        X = pd.DataFrame([cells], columns=list(plan.columns))
    if type(X) is pd.DataFrame and 0 < len(X) <= SMALL_FRAME and plan.scalar and \
            X.columns.tolist() == list(plan.columns):
        small = _small_values(model, plan, tables, frame_rows(X), X, with_data)
        if small is not None:
            return small
    frame = model._form_frame(X)  # the model's own checks: bad input raises its errors
    binned = plan.frame_binned(frame)  # look-ups: each share gathered in one pass
    columns = plan.linear_columns(frame)
    values = tables.values(binned, columns)
    index = frame.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(frame))
    rows = _checked_rows(len(frame))
    if rows is None:
        picked_codes = [b.codes for b in binned]
        picked_columns, picked = columns, frame
    else:
        picked_codes = [b.rows(rows) for b in binned]
        picked_columns = [None if c is None else c[rows] for c in columns]
        picked = frame.iloc[rows]
    if _keeps_library_scoring(type(model)):
        score = plan.scores(plan.main, picked_codes, picked, picked_columns)
    else:
        score = np.asarray(model.decision_function(
            picked if rows is None or not isinstance(X, pd.DataFrame) else X.iloc[rows]))
    check_additivity(values if rows is None else values[rows],
                     np.full(len(score), tables.base_value), score,
                     index if rows is None else index[rows])
    data = None
    if with_data:
        axes = {a.feature: (a, b.codes) for a, b in zip(plan.axes, binned, strict=True)
                if isinstance(a, CategoricalAxis)}
        whole = {a.feature: (b.points, b.index) for a, b in zip(plan.axes, binned, strict=True)
                 if b.points is not None}
        data = frame_data(frame, plan.outputs, axes, whole)
    return values, tables.base_value, data


#: Frames up to this many rows have every row's additivity checked; larger frames a
#: spread of CHECKED_ROWS rows. The values are exact by construction (the plan's tables are
#: the model's own, property-tested); the check guards against a model whose scoring has
#: drifted from its tables, which shows on any spread of rows, and checking all of a
#: million rows would cost a third of the explanation.
FULL_CHECK_ROWS = 65_536
CHECKED_ROWS = 8_192


def _checked_rows(n: int) -> np.ndarray | None:
    """Rows whose additivity is checked: ``None`` for all of them."""
    if n <= FULL_CHECK_ROWS:
        return None
    # evenly spread, first and last included, so neither end of the frame goes unchecked
    return np.unique(np.linspace(0, n - 1, CHECKED_ROWS).astype(np.intp))


def _small_values(model: TransparentModel, plan: Plan, tables: ShapTables,
                  cells_rows: list[list[Any]], X: pd.DataFrame | None, with_data: bool
                  ) -> tuple[np.ndarray, float, Any] | None:
    """The scalar route for a few rows of plain cells; ``None`` hands over to the frame.

    ``X`` is the frame the cells came from (``None`` for one case given as a mapping)."""
    values = np.empty((len(cells_rows), tables.n_outputs))
    library = _keeps_library_scoring(type(model))
    base = tables.base_value
    for i, cells in enumerate(cells_rows):
        read = plan.read_row(cells)
        if read is None:
            return None
        row, codes = read
        z = plan.row_score(plan.main, codes, row)
        if z is None:
            return None
        shares = tables.row_values(codes, row)
        if library:  # the additivity check in plain Python (numpy costs more for one row)
            total = base + math.fsum(shares)
            if not abs(total - z) <= ADDITIVITY_TOLERANCE:
                check_additivity(np.asarray([shares]), np.asarray([base]), np.asarray([z]),
                                 [i] if X is None else X.index[[i]])
        values[i] = shares
    if not library:
        frame = X if X is not None else pd.DataFrame(cells_rows, columns=list(plan.columns))
        check_additivity(values, np.full(len(values), base),
                         np.asarray(model.decision_function(frame)), frame.index)
    data = None
    if with_data:
        data = np.array([[None if _is_missing(v) else v for v in cells] for cells in
                         _plain_cells(cells_rows)], dtype=object)
    return values, base, data


def _plain_cells(rows: list[list[Any]]) -> list[list[Any]]:
    return [[v.item() if isinstance(v, np.generic) else v for v in r] for r in rows]


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


_LIBRARY_SCORING: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()
_PLAN_SCORING: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


def _keeps_library_scoring(cls: type) -> bool:
    """Whether the class scores exactly as its plan does (it does not override scoring);
    otherwise additivity is checked against the class's own ``decision_function``."""
    known = _LIBRARY_SCORING.get(cls)
    if known is None:
        known = _LIBRARY_SCORING[cls] = (
            getattr(cls, "decision_function", None) is TransparentModel.decision_function
            and getattr(cls, "_scores", None) is TransparentModel._scores)
    return known


def _plan_scores_everything(cls: type) -> bool:
    """Whether the class's probabilities and bands are exactly its plan's (it overrides
    none of the scoring methods), so :func:`scored_values` may read them from the plan."""
    known = _PLAN_SCORING.get(cls)
    if known is None:
        known = _PLAN_SCORING[cls] = _keeps_library_scoring(cls) and all(
            getattr(cls, name, None) is getattr(TransparentModel, name)
            for name in ("predict_proba", "predict_band", "_bands"))
    return known
