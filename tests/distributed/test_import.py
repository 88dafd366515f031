"""The subpackage imports without dask and names the extra when dask is needed."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_imports_without_dask_and_names_the_extra() -> None:
    code = textwrap.dedent(
        """
        import sys
        for name in ("dask", "distributed", "dask.dataframe"):
            sys.modules[name] = None  # makes "import dask" fail
        import riskassess.distributed as rd
        try:
            rd.require_dask()
        except ImportError as exc:
            assert "riskassess[dask]" in str(exc), exc
            print("ok")
        else:
            raise SystemExit("dask import did not fail")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_public_surface() -> None:
    import riskassess.distributed as rd

    assert sorted(rd.__all__) == sorted(
        [
            "COUNT_COLUMNS", "DICTIONARY_COLUMNS", "EXTRA_HINT", "REJECTED_COLUMNS", "TABLES",
            "PartitionOutput",
            "DistributedArgumentError", "PartitionedDataset", "PartitioningError",
            "ScoringJob", "ScoringResult",
            "bucket_of", "check_partition", "co_partition", "cohort_chunk",
            "duplicate_people",
            "model_from_json", "model_to_json", "open_partitioned", "read_part",
            "require_dask",
            "score_frame", "score_parquet", "score_partition", "score_tables",
            "spark_schema", "spark_scorer", "stack_tables",
            "write_chunks", "write_cohort_parquet", "write_frame", "write_partitioned",
        ]
    )
    for name in rd.__all__:
        assert getattr(rd, name) is not None
