"""Sphinx configuration of the riskassess documentation.

Build it as CI does (warnings are errors)::

    pip install -e ".[docs]"
    sphinx-build -W --keep-going -b html docs /tmp/riskassess-docs

Pages are Markdown (MyST); the API reference is generated from the numpydoc docstrings
by autodoc + numpydoc. The case-record field table and the command-line help are
generated at build time by ``docs/_ext/riskassess_docs.py`` from the code itself, so
they cannot drift from it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))  # the checkout, also when riskassess is not installed

from riskassess import __version__  # noqa: E402

project = "riskassess"
author = "riskassess contributors"
copyright = "riskassess contributors; Apache-2.0"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "numpydoc",
    "riskassess_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- autodoc and numpydoc ------------------------------------------------------------
# Docstrings name numpy, pandas and scikit-learn types that have no target here: the
# build must not fail on a cross reference it cannot resolve (``nitpicky`` off) nor on
# numpydoc's style checks, only on real reST errors (bad markup, duplicate descriptions,
# modules that fail to import).
nitpicky = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc "Parameters" sections carry the types
autodoc_class_signature = "separated"
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False

# -- HTML ------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"riskassess {version}"
html_static_path: list[str] = []
html_show_sourcelink = False
