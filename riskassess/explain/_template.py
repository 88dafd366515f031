"""Small ``shap.Explanation`` objects built from a verified template (one case in microseconds).

Building a ``shap.Explanation`` runs shap's and slicer's shape inference on every field:
about 0.06-0.09 ms even for one row, as much as the rest of a one-case explanation. A case
system explains one case at a time with the same model, so every explanation it asks for
has the same layout: the same shapes, feature names and output name; only the numbers,
the explained values and the case id change.

:func:`small_explanation` builds the first explanation of each layout the ordinary way
and keeps it as a template. Later explanations of that layout are copies of the
template's slicer state with the arrays swapped in: the same object shap would build,
without re-deriving the layout. Before a template is used, a copy is compared with a
freshly built explanation field by field (including slicer's internal dimensions and
alias look-up); if anything differs (a different shap or slicer version, an unusual
input), that layout is always built the ordinary way. Templates never share mutable
state with the explanations copied from them.

Examples
--------
>>> import numpy as np
>>> values, base = np.array([[0.4, -0.1]]), np.array([-1.0])
>>> data = np.array([[3.0, 25.0]])
>>> first = small_explanation(values, base, data, ["priors", "age"], "risk", ["c1"])
>>> again = small_explanation(values * 2, base, data, ["priors", "age"], "risk", ["c2"])
>>> again.values, again.instance_names, again.feature_names
(array([[ 0.8, -0.2]]), ['c2'], ['priors', 'age'])
>>> first.values  # the template is not changed by its copies
array([[ 0.4, -0.1]])
>>> float(again[0, "age"].values)
-0.2
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import shap

__all__ = ["MAX_TEMPLATE_ROWS", "small_explanation"]

#: Explanations of at most this many rows go through a template.
MAX_TEMPLATE_ROWS = 16

#: Layouts remembered (the oldest is forgotten first).
_MAX_TEMPLATES = 128

_SCALARS = (str, int, float, bool, np.generic)

# layout -> verified template, or None: "build this layout the ordinary way"
_TEMPLATES: dict[tuple[Any, ...], Any] = {}


def _build(values: np.ndarray, base_values: np.ndarray, data: np.ndarray | None,
           feature_names: list[str] | None, output_name: str | None,
           instance_names: list[str] | None) -> shap.Explanation:
    import shap

    return shap.Explanation(values, base_values=base_values, data=data,
                            feature_names=feature_names, output_names=output_name,
                            instance_names=instance_names)


def _layout(values: Any, base_values: Any, data: Any, feature_names: Any,
            output_name: Any, instance_names: Any) -> tuple[Any, ...] | None:
    """The template key of these arguments, or ``None`` when they need the ordinary build."""
    if not (type(values) is np.ndarray and values.ndim == 2 and values.dtype == np.float64
            and 0 < values.shape[0] <= MAX_TEMPLATE_ROWS):
        return None
    n, p = values.shape
    if not (type(base_values) is np.ndarray and base_values.shape == (n,)
            and base_values.dtype == np.float64):
        return None
    if data is not None:
        if not (type(data) is np.ndarray and data.shape == (n, p)):
            return None
        if data.dtype == object:  # every cell a scalar (slicer infers shapes from cells)
            for cell in data.flat:
                if not (cell is None or isinstance(cell, _SCALARS)):
                    return None
        elif data.dtype.kind not in "biuf":
            return None
    if feature_names is not None and not (
            type(feature_names) is list and len(feature_names) == p
            and all(type(f) is str for f in feature_names)):
        return None
    if output_name is not None and type(output_name) is not str:
        return None
    if instance_names is not None and not (
            type(instance_names) is list and len(instance_names) == n
            and all(type(i) is str for i in instance_names)):
        return None
    return (n, p, None if data is None else data.dtype.str,
            None if feature_names is None else tuple(feature_names), output_name,
            instance_names is not None)


def _twin(tracked: Any, o: Any) -> Any:
    """A copy of a slicer ``Obj``/``Alias`` holding ``o`` (its own ``dim`` list)."""
    twin = object.__new__(type(tracked))
    twin.__dict__.update(tracked.__dict__)
    twin.dim = list(tracked.dim)
    twin.o = o
    return twin


_IMMUTABLE = (str, int, float, bool, type(None))


def _copy(template: shap.Explanation, values: np.ndarray, base_values: np.ndarray,
          data: np.ndarray | None, instance_names: list[str] | None) -> shap.Explanation:
    """A copy of ``template`` carrying these arrays; shares no mutable state with it.

    Fields holding ``None`` or a string (unused fields, the output name) are shared:
    slicer replaces a tracked field on assignment, never changes one in place.
    """
    from slicer.slicer_internal import AliasLookup

    old = template._s
    state = dict(old.__dict__)
    swapped = {"values": values, "base_values": base_values, "data": data}
    objects = {}
    for key, tracked in old._objects.items():
        if key in swapped:
            objects[key] = _twin(tracked, swapped[key])
            state[key] = swapped[key]
        elif isinstance(tracked.o, _IMMUTABLE):
            objects[key] = tracked
        else:
            objects[key] = _twin(tracked, copy.deepcopy(tracked.o))
            state[key] = objects[key].o
    aliases = {}
    for key, alias in old._aliases.items():
        if key == "instance_names" and instance_names is not None:
            aliases[key] = _twin(alias, list(instance_names))
        else:
            aliases[key] = _twin(alias, list(alias.o) if type(alias.o) is list
                                 else copy.deepcopy(alias.o))
    state.update(_objects=objects, _aliases=aliases, _anon=list(old._anon),
                 _alias_lookup=AliasLookup(aliases))
    s = object.__new__(type(old))
    s.__dict__.update(state)
    out = object.__new__(type(template))
    out.__dict__.update(template.__dict__)
    out.op_history = []
    out._s = s
    return out


def _same(a: Any, b: Any) -> bool:
    """Whether two values are equal, arrays element-wise (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        return all(_same(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)) \
            if a.dtype == object else bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(
            _same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return False


def _tracked_equal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.keys() == b.keys() and all(
        type(a[k]) is type(b[k]) and a[k].dim == b[k].dim and a[k].max_dim == b[k].max_dim
        and _same(a[k].o, b[k].o) for k in a)


def _equivalent(copied: shap.Explanation, built: shap.Explanation) -> bool:
    """Whether a template copy is the object shap builds from the same arguments."""
    x, y = copied.__dict__, built.__dict__
    if x.keys() != y.keys() or any(not _same(x[k], y[k]) for k in x if k != "_s"):
        return False
    s, t = copied._s, built._s
    if s.__dict__.keys() != t.__dict__.keys() or s._max_dim != t._max_dim:
        return False
    if not (_tracked_equal(s._objects, t._objects) and _tracked_equal(s._aliases, t._aliases)
            and len(s._anon) == len(t._anon)):
        return False
    if s._alias_lookup.__dict__ != t._alias_lookup.__dict__:
        return False
    public = [k for k in s.__dict__ if not k.startswith("_")]
    return all(_same(s.__dict__[k], t.__dict__[k]) for k in public)


def _template(key: tuple[Any, ...], values: np.ndarray, base_values: np.ndarray,
              data: np.ndarray | None, feature_names: list[str] | None,
              output_name: str | None, instance_names: list[str] | None) -> Any:
    """Build, verify and remember the template of a layout (``None``: not usable)."""
    template = _build(values.copy(), base_values.copy(), None if data is None else data.copy(),
                      None if feature_names is None else list(feature_names), output_name,
                      None if instance_names is None else list(instance_names))
    try:
        trial = _copy(template, values, base_values, data, instance_names)
        usable = _equivalent(trial, _build(values, base_values, data, feature_names,
                                           output_name, instance_names))
    except Exception:  # slicer internals changed: build the ordinary way
        usable = False
    if len(_TEMPLATES) >= _MAX_TEMPLATES:
        _TEMPLATES.pop(next(iter(_TEMPLATES)))
    _TEMPLATES[key] = template if usable else None
    return _TEMPLATES[key]


def small_explanation(values: np.ndarray, base_values: np.ndarray, data: np.ndarray | None,
                      feature_names: Sequence[str] | None, output_name: str | None,
                      instance_names: Sequence[str] | None = None) -> shap.Explanation:
    """``shap.Explanation(values, base_values=..., ...)``, through a template when it can.

    Parameters
    ----------
    values : numpy.ndarray of shape (n, p)
        Contributions; ``n <= MAX_TEMPLATE_ROWS`` rows take the template route.
    base_values : numpy.ndarray of shape (n,)
    data : numpy.ndarray of shape (n, p) or None
        The explained values.
    feature_names : list of str or None
    output_name : str or None
        ``output_names`` of the explanation (what is explained, e.g. ``"2-year risk"``).
    instance_names : list of str or None
        One name per row (the case ids).

    Returns
    -------
    shap.Explanation
        Equal, field by field, to the explanation shap builds from these arguments. The
        arrays are used as given, not copied (as ``shap.Explanation`` does).

    Examples
    --------
    >>> import numpy as np
    >>> e = small_explanation(np.array([[0.5]]), np.array([-2.0]), None, ["age"], None)
    >>> e.base_values + e.values.sum(axis=1)
    array([-1.5])
    """
    names = None if feature_names is None else list(feature_names)
    cases = None if instance_names is None else list(instance_names)
    key = _layout(values, base_values, data, names, output_name, cases)
    if key is None:
        return _build(values, base_values, data, names, output_name, cases)
    template = _TEMPLATES[key] if key in _TEMPLATES else _template(
        key, values, base_values, data, names, output_name, cases)
    if template is None:
        return _build(values, base_values, data, names, output_name, cases)
    return _copy(template, values, base_values, data, cases)
