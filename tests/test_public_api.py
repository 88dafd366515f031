"""Pin the public surface: the names architecture.md promises, and nothing removed silently."""

from __future__ import annotations

import importlib

import pytest

import riskassess as ra

CONTRACT = {
    "riskassess": ["Case", "Person", "Sanction", "IndexOffence", "assess", "Assessment",
                   "FinalDecision", "OverrideReason", "DecisionLog", "features", "datasets",
                   "models", "instruments", "explain", "decisions", "validation", "testing",
                   "exceptions"],
    "riskassess.features": ["build_features", "build_features_from_tables", "FEATURES",
                            "CASE_FEATURES", "monotone_defaults", "check_no_protected",
                            "outcomes_from_cases"],
    "riskassess.datasets": ["make_cohort", "load_compas", "Cohort"],
    "riskassess.models": ["AdditiveRiskClassifier", "ScorecardClassifier",
                          "RiskBands", "save_model", "load_model", "model_fingerprint",
                          "AdditiveForm", "AdditiveSurvivalModel"],
    "riskassess.explain": ["explain", "reasons", "Reason", "to_probability"],
    "riskassess.validation": ["validate", "group_error_rates", "ValidationReport",
                              "model_card", "disparity_ratios", "intersectional_groups",
                              "decision_curve", "net_benefit", "time_dependent_auc",
                              "censored_brier_score", "integrated_brier_score",
                              "calibration_at_horizon", "kaplan_meier"],
    "riskassess.testing": ["cases", "case_dicts", "bad_case_dicts", "assert_calibrated",
                           "assert_monotone", "assert_additive_explanations",
                           "assert_group_gap_within", "assert_no_protected_inputs",
                           "assert_disparity_ratio_within", "assert_net_benefit_above_defaults",
                           "assert_time_dependent_auc_at_least", "assert_calibrated_at_horizon",
                           "assert_brier_score_at_most"],
    "riskassess.decisions": ["assess", "Assessment", "FinalDecision", "OverrideReason",
                             "DecisionLog", "override_rates", "override_outcomes",
                             "Countersignature", "CountersignaturePolicy", "DEFAULT_POLICY",
                             "Representation", "Contest", "reassessment_change",
                             "override_accuracy", "override_drift", "countersignature_rates",
                             "challenge_rates"],
    "riskassess.instruments": ["OGRS3", "ARP", "VRP", "SVRP", "arns_inputs"],
    "riskassess.transparency": ["atrs_record", "AtrsRecord", "ATRS_FIELDS",
                                "explanation_pack", "ExplanationPack",
                                "equality_impact_assessment",
                                "data_protection_impact_assessment"],
}


@pytest.mark.parametrize("module", sorted(CONTRACT))
def test_contract_names_are_exported(module: str) -> None:
    mod = importlib.import_module(module)
    exported = set(getattr(mod, "__all__", []))
    missing = [n for n in CONTRACT[module] if n not in exported]
    assert not missing, f"{module}.__all__ lacks {missing}"
    for name in CONTRACT[module]:
        assert getattr(mod, name) is not None


def test_every_name_in_dunder_all_resolves() -> None:
    for name in ra.__all__:
        if name == "distributed":
            continue  # optional extra; resolves lazily and needs riskassess[dask]
        assert getattr(ra, name) is not None, name


def test_exceptions_subclass_builtins() -> None:
    from riskassess import exceptions as ex

    assert issubclass(ex.FeatureError, ValueError)
    assert issubclass(ex.AuditLogError, RuntimeError)
    assert issubclass(ex.ExplanationError, ArithmeticError)
    for name in ex.__all__:
        assert issubclass(getattr(ex, name), ex.RiskAssessError), name


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = ra.nope


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, riskassess; print('shap' in sys.modules, "
            "'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"], "import riskassess must not import shap or matplotlib"
