"""Small valid case tables and a fitted model for the distributed tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskassess.vocabulary import Disposal, OffenceCategory

OFFENCES = [o.value for o in OffenceCategory]
DISPOSALS = [d.value for d in Disposal]


Tables = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def make_tables(n_people: int, seed: int, prefix: str = "P") -> Tables:
    """Valid people / sanctions / assessments tables, one assessment per person."""
    rng = np.random.default_rng(seed)
    pids = np.array([f"{prefix}{i:06d}" for i in range(n_people)], dtype=object)
    dob = pd.Timestamp("1960-01-01") + pd.to_timedelta(rng.integers(0, 40 * 365, n_people),
                                                       unit="D")
    people = pd.DataFrame({"person_id": pids, "date_of_birth": dob,
                           "sex": rng.choice(["male", "female"], n_people, p=[0.8, 0.2])})
    index_age_days = rng.integers(16 * 365, 60 * 365, n_people)
    index_date = dob + pd.to_timedelta(index_age_days, unit="D")
    index_date = index_date.where(index_date < pd.Timestamp("2024-01-01"),
                                  pd.Timestamp("2023-06-01"))
    assessment_date = index_date + pd.to_timedelta(rng.integers(0, 90, n_people), unit="D")
    kind = rng.choice(["caution", "conviction"], n_people, p=[0.3, 0.7])
    follow = assessment_date + pd.to_timedelta(rng.integers(0, 400, n_people), unit="D")
    assessments = pd.DataFrame({
        "case_id": np.array([f"C-{prefix}{i:06d}" for i in range(n_people)], dtype=object),
        "person_id": pids,
        "assessment_date": assessment_date,
        "index_date": index_date,
        "index_offence": rng.choice(OFFENCES, n_people),
        "index_kind": kind,
        "index_disposal": pd.Series(rng.choice(DISPOSALS, n_people)).where(kind != "caution"),
        "index_violent": rng.random(n_people) < 0.2,
        "follow_up_start": pd.Series(follow).where(rng.random(n_people) < 0.7),
    })
    n_sanctions = rng.poisson(3.0, n_people)
    owner = np.repeat(np.arange(n_people), n_sanctions)
    m = len(owner)
    tenth = (dob + pd.DateOffset(years=10)).to_numpy()[owner]
    span = (index_date.to_numpy()[owner] - tenth).astype("timedelta64[D]").astype(np.int64)
    day = tenth + (rng.random(m) * np.maximum(span, 0)).astype("timedelta64[D]")
    s_kind = rng.choice(["caution", "conviction"], m, p=[0.35, 0.65])
    sanctions = pd.DataFrame({
        "person_id": pids[owner],
        "date": day,
        "kind": s_kind,
        "disposal": pd.Series(rng.choice(DISPOSALS, m)).where(s_kind != "caution"),
        "offence": rng.choice(OFFENCES, m),
        "violent": rng.random(m) < 0.15,
    })
    return people, sanctions, assessments


def outcome(features: pd.DataFrame, seed: int) -> np.ndarray:
    """A synthetic reoffending label that depends on priors and age."""
    rng = np.random.default_rng(seed)
    z = (-1.0 + 0.25 * features["previous_sanctions"].to_numpy(float)
         - 0.03 * (features["age"].to_numpy(float) - 30))
    return (rng.random(len(features)) < 1 / (1 + np.exp(-z))).astype(int)


@pytest.fixture(scope="session")
def tables() -> Tables:
    return make_tables(600, seed=11)


@pytest.fixture(scope="session")
def model() -> Any:
    import warnings

    from riskassess.features import build_features_from_tables
    from riskassess.models import AdditiveRiskClassifier

    people, sanctions, assessments = make_tables(3000, seed=5, prefix="T")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X = build_features_from_tables(people, sanctions, assessments).features
    cols = ["age", "sex", "previous_sanctions", "copas_rate", "index_offence",
            "years_since_last_sanction", "violent_history"]
    return AdditiveRiskClassifier(interactions=[("age", "sex")],
                                  max_bins=16).fit(X[cols], outcome(X, 5))


@pytest.fixture(scope="module")
def cluster_client() -> Iterator[Any]:
    """A 2-process LocalCluster, always closed."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", memory_limit="1GiB") as cluster, \
            distributed.Client(cluster) as client:
        yield client
