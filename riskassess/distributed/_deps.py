"""Lazy access to the optional ``riskassess[dask]`` dependencies.

``riskassess.distributed`` imports without dask installed; the first function that
needs dask calls :func:`require_dask`, which names the extra to install when it is
missing.

Examples
--------
>>> dd = require_dask()
>>> dd.__name__
'dask.dataframe'
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["EXTRA_HINT", "current_client", "require_dask"]

#: What to install for this subpackage.
EXTRA_HINT = "pip install 'riskassess[dask]'  (dask[dataframe], distributed, pyarrow)"


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(
            f"riskassess.distributed needs the optional package {name.split('.')[0]!r}, "
            f"which is not installed ({exc}); install the extra: {EXTRA_HINT}"
        ) from exc


def require_dask() -> ModuleType:
    """Import and return ``dask.dataframe`` (and check pyarrow is there).

    Raises
    ------
    ImportError
        Naming the ``riskassess[dask]`` extra when dask or pyarrow is missing.

    Examples
    --------
    >>> dd = require_dask()
    >>> dd.__name__
    'dask.dataframe'
    >>> "riskassess[dask]" in EXTRA_HINT  # what the ImportError tells you to install
    True
    """
    _import("pyarrow")
    return _import("dask.dataframe")


def current_client(client: Any = None) -> Any:
    """The given ``distributed.Client``, else the current one, else ``None``.

    ``None`` means "use dask's default scheduler" (threads in this process), so code
    works the same with or without a cluster.
    """
    if client is not None:
        return client
    try:
        distributed = importlib.import_module("distributed")
    except ImportError:
        return None
    try:
        return distributed.get_client()
    except ValueError:  # no client has been started
        return None
