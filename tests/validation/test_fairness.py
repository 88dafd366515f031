"""Error rates by group and the trade-off statement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix

from riskassess.exceptions import ValidationInputError
from riskassess.validation import group_error_rates, validate

rows = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.sampled_from("abc")),
                min_size=1, max_size=80)


@given(rows)
def test_group_error_rates_match_sklearn_confusion_matrix(data: list) -> None:
    y, pred, g = (list(v) for v in zip(*data, strict=True))
    table = group_error_rates(y, pred, g)
    assert table["n"].sum() == len(y)
    for name, row in table.iterrows():
        idx = [i for i, v in enumerate(g) if v == name]
        tn, fp, fn, tp = confusion_matrix(np.array(y)[idx], np.array(pred)[idx],
                                          labels=[0, 1]).ravel()
        assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (tp, fp, fn, tn)
        if fp + tn:
            assert row["fpr"] == pytest.approx(fp / (fp + tn))
            assert row["fpr"] + row["tnr"] == pytest.approx(1.0)
        else:
            assert np.isnan(row["fpr"])
        if tp + fn:
            assert row["tpr"] + row["fnr"] == pytest.approx(1.0)


def test_group_error_rates_bad_input() -> None:
    with pytest.raises(ValidationInputError, match="y_pred: labels must be 0 or 1"):
        group_error_rates([0, 1], [0, 2], ["a", "b"])
    with pytest.raises(ValidationInputError, match="mismatched lengths"):
        group_error_rates([0, 1], [0, 1], ["a"])
    with pytest.raises(ValidationInputError, match="case 'p2'"):
        group_error_rates(pd.Series([0, 1], index=["p1", "p2"]), [0, 1], [None, np.nan])


def _calibrated_two_groups(n: int = 20_000, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    g = np.where(rng.random(n) < 0.5, "a", "b")
    p = np.where(g == "a", rng.beta(5, 3, n), rng.beta(2, 5, n))  # base rates ~0.62 / 0.29
    y = (rng.random(n) < p).astype(int)
    return p, y, g


def test_calibrated_scores_with_different_base_rates_trade_error_rates() -> None:
    p, y, g = _calibrated_two_groups()
    report = validate(p, y=y, groups=pd.Series(g, name="race"), n_bootstrap=200)
    assert report.fairness is not None
    t = report.fairness.tradeoff
    assert t.base_rates_differ and t.calibrated_within_groups and not t.equal_error_rates
    assert "keeps calibration within groups" in t.statement
    assert report.fairness.attribute == "race"
    # both error rates are shown, whichever way they point
    assert "false positive rate" in t.statement and "false negative rate" in t.statement
    gaps = report.fairness.gaps
    assert gaps.loc["fpr", "lower"] > 0 and gaps.loc["fpr", "high_group"] == "a"


def test_equal_error_rates_with_different_base_rates_cost_calibration() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    g = np.where(rng.random(n) < 0.5, "a", "b")
    y = (rng.random(n) < np.where(g == "a", 0.6, 0.3)).astype(int)
    hit = rng.random(n) < 0.8  # FPR = FNR = 0.2 in both groups by construction
    p = np.where(hit == (y == 1), 0.7, 0.3)
    report = validate(p, y=y, groups=g, n_bootstrap=200)
    t = report.fairness.tradeoff
    assert t.base_rates_differ and t.equal_error_rates and not t.calibrated_within_groups
    assert "keeps error rates balanced" in t.statement


def test_tiny_groups_are_marked_not_dropped() -> None:
    p, y, g = _calibrated_two_groups(n=2000)
    g = g.astype(object)
    g[0] = "solo"
    report = validate(p, y=y, groups=g, n_bootstrap=50)
    table = report.fairness.groups.set_index("group")
    assert table.loc["solo", "n"] == 1 and table.loc["solo", "small"]
    assert np.isnan(table.loc["solo", "auc"])
    assert any("'solo'" in note for note in report.notes)
    assert "solo" not in set(report.fairness.gaps[["high_group", "low_group"]].to_numpy().ravel())
    assert table["n"].sum() == 2000


def test_only_small_groups_give_no_tradeoff_statement() -> None:
    p, y, g = _calibrated_two_groups(n=40)
    report = validate(p, y=y, groups=g, n_bootstrap=0)
    assert "no trade-off is stated" in report.fairness.tradeoff.statement
