"""Plots of a model and of single cases (the only module importing matplotlib, lazily).

* :func:`shape_plot` -- a feature's contribution to the log-odds, bin by bin, straight
  from the model's tables (one line per partner bin for a pairwise term);
* :func:`plot_interaction` -- a heat map of a pairwise interaction table;
* :func:`importance_plot` -- mean absolute contribution per feature over an explanation;
* :func:`waterfall` -- shap's own waterfall for one case;
* :func:`case_bar` -- a compact bar chart of one case's largest contributions.

Each function draws on ``ax`` (a new figure when omitted) and returns the Axes.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np, shap
>>> e = shap.Explanation(np.array([[0.5, -0.2], [0.1, 0.3]]), base_values=np.zeros(2),
...                      data=np.array([[3, 40.0], [0, 22.0]]),
...                      feature_names=["previous_sanctions", "age"])
>>> ax = importance_plot(e)
>>> [t.get_text() for t in ax.get_yticklabels()]  # most important first (at the top)
['previous_sanctions', 'age']
>>> import matplotlib.pyplot as plt
>>> plt.close("all")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from riskassess.exceptions import ExplanationInputError
from riskassess.models import LinearTerm, TableTerm

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["case_bar", "importance_plot", "plot_interaction", "shape_plot", "waterfall"]

_RAISES, _LOWERS = "#c0392b", "#2471a3"


def _axes(ax: Axes | None, size: tuple[float, float] = (6.0, 3.5)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size)
    return new


def _centred(term: TableTerm) -> np.ndarray:
    if term.counts is None or term.counts.sum() <= 0:
        return term.table
    return term.table - float((term.table * term.counts).sum() / term.counts.sum())


def shape_plot(model: Any, feature: str, *, ax: Axes | None = None,
               xlim: tuple[float, float] | None = None) -> Axes:
    """Plot how ``feature`` moves the log-odds, from the model's lookup tables.

    Parameters
    ----------
    model : fitted riskassess model
        Anything with a ``form_`` (:class:`~riskassess.models._terms.AdditiveForm`).
    feature : str
        An input column read by some term.
    ax : matplotlib Axes, optional
    xlim : (float, float), optional
        Range drawn for a linear term (default: its mean +- 1).

    Returns
    -------
    matplotlib Axes
        One bar per bin for a shape function (centred on the training mean when the
        term stores counts); one line per bin of the partner feature for a pairwise
        term; a straight line for a linear term.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from riskassess.models._terms import AdditiveForm, NumericAxis
    >>> class M:
    ...     form_ = AdditiveForm(0.0, (TableTerm("age", (NumericAxis("age", (25.0,)),),
    ...                                          np.array([0.4, -0.1, 0.0])),))
    >>> len(shape_plot(M(), "age").patches)
    3
    """
    form = model.form_
    terms = [t for t in form.terms if feature in t.features]
    if not terms:
        raise ExplanationInputError(f"no term of the model reads {feature!r}; it reads "
                                    f"{form.features}")
    ax = _axes(ax)
    for term in terms:
        if isinstance(term, LinearTerm):
            centre = term.mean if term.mean is not None else 0.0
            lo, hi = xlim if xlim is not None else (centre - 1.0, centre + 1.0)
            x = np.linspace(lo, hi, 50)
            ax.plot(x, term.coef * (x - centre), label=term.name)
            ax.set_xlabel(feature)
            continue
        table = _centred(term)
        if len(term.axes) == 1:
            labels = term.axes[0].labels()
            ax.bar(np.arange(len(labels)), table,
                   color=[_RAISES if v > 0 else _LOWERS for v in table], label=term.name)
            ax.set_xticks(np.arange(len(labels)), labels, rotation=45, ha="right")
            continue
        mine = term.features.index(feature)
        other = term.axes[1 - mine]
        labels = term.axes[mine].labels()
        grid = table if mine == 0 else table.T
        for j, lab in enumerate(other.labels()):
            ax.plot(np.arange(len(labels)), grid[:, j], marker="o",
                    label=f"{other.feature} = {lab}")
        ax.set_xticks(np.arange(len(labels)), labels, rotation=45, ha="right")
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_ylabel("contribution to log-odds")
    ax.set_title(feature)
    if len(terms) > 1 or any(len(t.features) == 2 for t in terms):
        ax.legend(fontsize="small")
    return ax


def plot_interaction(model: Any, term: str | tuple[str, str], *, ax: Axes | None = None,
                     show_missing: bool = False) -> Axes:
    """Heat map of a pairwise interaction table: its contribution to the log-odds per cell.

    The table is drawn as fitted, centred on the training mean of the term (as the
    model's explanations read it), red where the pair raises the risk and blue where it
    lowers it, on a colour scale symmetric about 0. Only the pair's own table is drawn:
    the two features' main effects are separate terms (see :func:`shape_plot`).

    Parameters
    ----------
    model : fitted riskassess model
        Anything with a ``form_`` holding two-axis :class:`~riskassess.models.TableTerm`.
    term : str or (str, str)
        The term's name (``"age x priors_count"``) or its pair of features (either order).
    ax : matplotlib Axes, optional
    show_missing : bool, default False
        Also draw the missing-value row and column.

    Returns
    -------
    matplotlib Axes
        Rows are the bins of the term's first feature, columns those of the second.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from riskassess.models._terms import AdditiveForm, NumericAxis
    >>> age, priors = NumericAxis("age", (25.0,)), NumericAxis("priors", (2.5,))
    >>> pair = TableTerm("age x priors", (age, priors), np.array(
    ...     [[0.2, -0.2, 0.0], [-0.1, 0.1, 0.0], [0.0, 0.0, 0.0]]))
    >>> class M:
    ...     form_ = AdditiveForm(0.0, (pair,))
    >>> ax = plot_interaction(M(), ("priors", "age"))
    >>> ax.get_xlabel(), ax.get_ylabel(), ax.images[0].get_array().shape
    ('priors', 'age', (2, 2))
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    form = model.form_
    pairs = [t for t in form.terms if isinstance(t, TableTerm) and len(t.axes) == 2]
    wanted = [t for t in pairs if (t.name == term if isinstance(term, str)
                                   else set(t.features) == set(term))]
    if not wanted:
        raise ExplanationInputError(f"the model has no pairwise term {term!r}; its pairwise "
                                    f"terms are {[t.name for t in pairs]}")
    chosen = wanted[0]
    table = _centred(chosen)
    rows, cols = (axis.labels() for axis in chosen.axes)
    if not show_missing:  # the last bin of each axis holds missing values
        table, rows, cols = table[:-1, :-1], rows[:-1], cols[:-1]
    ax = _axes(ax, size=(6.0, 5.0))
    # a scale symmetric about 0, so white means "no change" and colours compare across cells
    limit = float(np.max(np.abs(table), initial=0.0)) or 1.0
    image = ax.imshow(table, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                      origin="lower")
    ax.set_yticks(np.arange(len(rows)), rows)
    ax.set_xticks(np.arange(len(cols)), cols, rotation=45, ha="right")
    ax.set_ylabel(chosen.axes[0].feature)
    ax.set_xlabel(chosen.axes[1].feature)
    ax.set_title(chosen.name)
    ax.figure.colorbar(image, ax=ax, label="contribution to log-odds")
    return ax


def importance_plot(explanation: Any, X: Any = None, *, background: Any = None,
                    top: int | None = None, ax: Axes | None = None) -> Axes:
    """Horizontal bars of mean absolute contribution per feature (largest at the top).

    Parameters
    ----------
    explanation : shap.Explanation or fitted model
        Many cases, e.g. ``explain(model, X_test)``; or a model, explained on ``X``.
    X : pandas.DataFrame, optional
        Cases to explain when a model is given.
    background : pandas.DataFrame, optional
        Passed to :func:`~riskassess.explain.explain` when a model is given.
    top : int, optional
        Show only the ``top`` most important features.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        If a model is given without ``X``, or the explanation is of a single case.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np, shap
    >>> e = shap.Explanation(np.array([[0.5, -0.2, 0.0], [0.1, 0.3, 0.05]]),
    ...                      base_values=np.array([-0.4, -0.4]),
    ...                      data=np.array([[3, 40.0, 1], [0, 22.0, 0]]),
    ...                      feature_names=["previous_sanctions", "age", "breach"])
    >>> ax = importance_plot(e, top=2)
    >>> [t.get_text() for t in ax.get_yticklabels()]  # mean |0.5|, |0.1| vs |-0.2|, |0.3|
    ['previous_sanctions', 'age']
    >>> [round(float(bar.get_width()), 2) for bar in ax.patches]
    [0.3, 0.25]
    >>> importance_plot(e[0])
    Traceback (most recent call last):
    ...
    riskassess.exceptions.ExplanationInputError: importance needs many cases, got values ...
    >>> plt.close("all")
    """
    if not hasattr(explanation, "values") or not hasattr(explanation, "base_values"):
        if X is None:
            raise ExplanationInputError("importance of a model needs cases: "
                                        "importance_plot(model, X)")
        from riskassess.explain._exact import explain

        explanation = explain(explanation, X, background=background)
    values = np.abs(np.asarray(explanation.values, dtype=np.float64))
    if values.ndim != 2:
        raise ExplanationInputError("importance needs many cases, got values of shape "
                                    f"{values.shape}")
    names = list(explanation.feature_names or [f"feature {i}" for i in range(values.shape[1])])
    mean = values.mean(axis=0)
    order = np.argsort(-mean, kind="stable")[:top]
    ax = _axes(ax)
    ax.barh(np.arange(len(order))[::-1], mean[order], color="#566573")
    ax.set_yticks(np.arange(len(order))[::-1], [names[i] for i in order])
    ax.set_xlabel("mean |contribution to log-odds|")
    return ax


def waterfall(explanation_row: Any, *, max_display: int = 10) -> Axes:
    """shap's waterfall plot of one case (``explanation[i]``), not shown, returned.

    Parameters
    ----------
    explanation_row : shap.Explanation
        One case, ``explanation[i]``.
    max_display : int, default 10
        Most features drawn; the rest are summed into one bar.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np, shap
    >>> e = shap.Explanation(np.array([[0.5, -0.2, 0.0], [0.1, 0.3, 0.05]]),
    ...                      base_values=np.array([-0.4, -0.4]),
    ...                      data=np.array([[3, 40.0, 1], [0, 22.0, 0]]),
    ...                      feature_names=["previous_sanctions", "age", "breach"])
    >>> ax = waterfall(e[0])
    >>> [t.get_text() for t in ax.get_yticklabels()][:3]  # "value = feature", smallest first
    ['1 = breach', '40 = age', '3 = previous_sanctions']
    >>> plt.close("all")
    """
    from riskassess.explain._shap import shap_waterfall

    return shap_waterfall(explanation_row, max_display=max_display)


def case_bar(explanation_row: Any, *, top: int = 6, ax: Axes | None = None) -> Axes:
    """A compact chart of one case: its largest contributions, in percentage points.

    Bars are the probability-scale contributions of :func:`~riskassess.explain.
    to_probability` (red raises risk, blue lowers it), labelled ``feature = value``; the
    title gives the average case's and this case's probability.

    Parameters
    ----------
    explanation_row : shap.Explanation
        One case, ``explanation[i]``, on the log-odds scale.
    top : int, default 6
        Number of bars.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np, shap
    >>> e = shap.Explanation(np.array([[0.5, -0.2, 0.0], [0.1, 0.3, 0.05]]),
    ...                      base_values=np.array([-0.4, -0.4]),
    ...                      data=np.array([[3, 40.0, 1], [0, 22.0, 0]]),
    ...                      feature_names=["previous_sanctions", "age", "breach"])
    >>> ax = case_bar(e[0])  # zero contributions (breach) get no bar
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['previous_sanctions = 3.0', 'age = 40.0']
    >>> [round(float(bar.get_width()), 1) for bar in ax.patches]  # percentage points
    [12.3, -4.9]
    >>> ax.get_title()
    'average case 40% → this case 48%'
    >>> plt.close("all")
    """
    from riskassess.explain._probability import to_probability

    prob = to_probability(explanation_row)
    dp = 100.0 * np.asarray(prob.values, dtype=np.float64).reshape(-1)
    names = list(explanation_row.feature_names or [f"feature {i}" for i in range(len(dp))])
    data = explanation_row.data
    values = [None] * len(dp) if data is None else list(np.asarray(data, dtype=object).ravel())
    order = [i for i in np.argsort(-np.abs(dp), kind="stable") if dp[i] != 0][:top]
    ax = _axes(ax, (6.0, 0.45 * max(len(order), 1) + 1.2))
    y = np.arange(len(order))[::-1]
    ax.barh(y, [dp[i] for i in order],
            color=[_RAISES if dp[i] > 0 else _LOWERS for i in order])
    ax.set_yticks(y, [f"{names[i]} = {values[i]}" for i in order])
    ax.axvline(0.0, color="grey", linewidth=0.8)
    ax.set_xlabel("change in risk (percentage points)")
    base = float(np.asarray(prob.base_values).reshape(-1)[0])
    case = base + float(dp.sum()) / 100.0
    ax.set_title(f"average case {100 * base:.0f}% \u2192 this case {100 * case:.0f}%")
    return ax
