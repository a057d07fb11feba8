"""History: one question about a subject over a time range, answered by the engine that holds the data.

    model.py     the question, the answer and their semantics (no I/O); every engine renders it
    local.py     the embedded default: DuckDB over local files and S3 objects, with a Parquet cache
    athena.py    Athena over flow logs in S3 (partition projection), and its DDL
    insights.py  CloudWatch Logs Insights over the followed log groups

Engine side: never imports textual or rich. Only the engines' own modules import boto3 or duckdb,
lazily, so ``import tui.history.model`` costs nothing.
"""
