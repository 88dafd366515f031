"""Spark's mapInPandas runs the same per-partition scoring (skipped without pyspark).

pyspark is not a riskassess dependency (it needs a Java 17 runtime and is ~300 MB); this
test runs where both are present and is skipped, with that reason, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from riskassess.distributed._spark import spark_schema, spark_scorer, stack_tables

pytest.importorskip("pyspark", reason="pyspark not installed (optional, needs Java 17)")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for pyspark", allow_module_level=True)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("riskassess-test")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .getOrCreate())
    yield session
    session.stop()


@pytest.mark.slow
def test_map_in_pandas_equals_in_memory(spark: Any, model: Any, tables: Any) -> None:
    import warnings

    from riskassess.distributed import score_frame
    from riskassess.features import build_features_from_tables

    people, sanctions, assessments = tables
    stacked = stack_tables(people, sanctions, assessments)
    frame = spark.createDataFrame(stacked.astype(object).where(stacked.notna(), None))
    parts = frame.repartition(4, "person_id").cache()
    scores = parts.mapInPandas(spark_scorer(model), spark_schema(model)).toPandas()
    rejected = parts.mapInPandas(spark_scorer(model, output="rejected"),
                                 spark_schema(model, output="rejected")).toPandas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        features = build_features_from_tables(people, sanctions, assessments).features
    expected = score_frame(model, features)
    got = scores.set_index("case_id").loc[expected.index.astype(str)]
    assert len(scores) == len(assessments) and rejected.empty
    assert (got["band"].to_numpy() == expected["band"].astype(str).to_numpy()).all()
    num = [c for c in expected.columns if c != "band"]
    diff = (got[num].to_numpy(float) - expected[num].to_numpy(float))
    assert abs(diff).max() <= 1e-12
    assert isinstance(got, pd.DataFrame)
