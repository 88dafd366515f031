"""scikit-learn citizenship: parametrize_with_checks, with every deviation listed and why.

OGRS3 reads named columns from a DataFrame, so most generic checks (random numeric
arrays) cannot run on it; tests/models/test_instrument_contract.py holds their
DataFrame-based equivalents.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import __version__ as _sklearn_version_text
from sklearn.base import clone
from sklearn.utils import shuffle
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.fixes import parse_version

from riskassess.instruments import OGRS3
from riskassess.models import AdditiveRiskClassifier, ScorecardClassifier

#: The fitted models pass every check (a zero sample weight removes the row exactly, and
#: the solver finishes with Newton steps, so integer weights equal repeated rows).
FITTED_DEVIATIONS: dict[str, str] = {}

_NEEDS_FRAME = (
    "OGRS3 is the published instrument: it reads the named build_features columns "
    "(copas_rate_at_index, sanction_history, age_at_follow_up, sex, index_offence) from a "
    "DataFrame and refuses a generic numeric array with a FeatureError"
)
_NO_FIT = (
    "OGRS3 needs no fitting (published coefficients), so it predicts, and passes "
    "check_is_fitted, before fit is called"
)
_OGRS3_FRAME_CHECKS = (
    "check_fit_score_takes_y", "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
    "check_readonly_memmap_input", "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit", "check_estimators_dtypes",
    "check_sample_weights_pandas_series", "check_sample_weights_not_an_array",
    "check_sample_weights_list", "check_all_zero_sample_weights_error",
    "check_sample_weights_shape", "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data", "check_complex_data",
    "check_dtype_object", "check_estimators_empty_data_messages",
    "check_pipeline_consistency", "check_estimator_sparse_tag",
    "check_estimator_sparse_array", "check_estimator_sparse_matrix",
    "check_estimators_pickle", "check_f_contiguous_array_estimator",
    "check_classifier_data_not_an_array", "check_classifiers_one_label",
    "check_classifiers_one_label_sample_weights", "check_classifiers_classes",
    "check_classifiers_train", "check_classifiers_regression_target",
    "check_supervised_y_2d", "check_decision_proba_consistency",
    "check_classifier_not_supporting_multiclass", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_fit2d_1sample", "check_fit2d_1feature",
    "check_dict_unchanged", "check_fit_idempotent", "check_fit2d_predict1d",
    "check_requires_y_none", "check_estimators_nan_inf",
    "check_classifiers_multilabel_output_format_predict",
    "check_classifiers_multilabel_output_format_predict_proba",
    "check_classifiers_multilabel_output_format_decision_function",
    "check_n_features_in",
    # scikit-learn 1.6 runs this one for every estimator (later versions only for those
    # whose tags accept sparse input, which OGRS3's do not) and lets only a TypeError pass
    "check_sample_weight_equivalence_on_sparse_data",
)
OGRS3_DEVIATIONS = {
    **dict.fromkeys(_OGRS3_FRAME_CHECKS, _NEEDS_FRAME),
    "check_estimators_unfitted": _NO_FIT,
    "check_fit_check_is_fitted": _NO_FIT,
    "check_n_features_in": "OGRS3 always reads its 5 named columns: n_features_in_ is "
                           "defined before fit",
}


sklearn_version = parse_version(_sklearn_version_text)

# scikit-learn 1.6's version of this check gives the two fits different targets. It draws
# y from 3 classes and, for a binary-only classifier (our tags say multi_class=False),
# binarises y as "equal to y.flat[0]" or not, separately for the shuffled weighted data
# and for the unshuffled repeated data. Their first labels differ (1 and 0 with the
# check's seeds), so one fit learns "class 1 against the rest" and the other "class 0
# against the rest": the probabilities differ entirely whatever the estimator does with
# weights. scikit-learn 1.7 binarises with y.min(), which does not depend on the order,
# and there both models pass. Not a deviation of ours, so listed on 1.6 only.
_SKLEARN_16_DEVIATIONS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "scikit-learn 1.6's check binarises the 3-class target by its first label, "
        "separately for the shuffled weighted data and the repeated data, so the two fits "
        "learn different targets; fixed in 1.7 (binarised by y.min()), where it passes")}


def _expected(estimator):
    if isinstance(estimator, OGRS3):
        return OGRS3_DEVIATIONS
    if sklearn_version < parse_version("1.7"):
        return {**FITTED_DEVIATIONS, **_SKLEARN_16_DEVIATIONS}
    return FITTED_DEVIATIONS


@parametrize_with_checks(
    [AdditiveRiskClassifier(), AdditiveRiskClassifier(interactions="auto"),
     ScorecardClassifier(), OGRS3()],
    expected_failed_checks=_expected,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", [AdditiveRiskClassifier(), ScorecardClassifier()],
                         ids=["additive", "scorecard"])
def test_sample_weight_equivalence_one_binary_target(estimator):
    """The property scikit-learn 1.6's check meant, with the target binarised once.

    The same data and weights as the check (seed 42, 15 rows x 30 columns, integer weights
    0-4 including 0), so it holds on every supported scikit-learn, 1.6 included.
    """
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    y = np.where(y == y.min(), 0, 1)  # one binary target for both fits
    weights = rng.randint(0, 5, size=15)
    repeated = clone(estimator).fit(X.repeat(weights, axis=0), y.repeat(weights))
    X_w, y_w, w = shuffle(X, y, weights, random_state=0)
    weighted = clone(estimator).fit(X_w, y_w, sample_weight=w)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               rtol=1e-6, atol=1e-8)
