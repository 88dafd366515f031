"""The public surface of riskassess.explain is pinned; shap/matplotlib stay lazy."""

from __future__ import annotations

import subprocess
import sys

import riskassess.explain as rx


def test_public_names():
    assert sorted(rx.__all__) == ["ADDITIVITY_TOLERANCE", "BackgroundError", "Reason",
                                  "ScoredValues", "explain", "horizon_label", "reasons",
                                  "scored_values", "shap_values", "to_probability"]
    assert issubclass(rx.BackgroundError, ValueError)


def test_importing_explain_does_not_import_shap_or_matplotlib():
    code = ("import sys, riskassess.explain, riskassess.explain.plot; "
            "print('shap' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
