"""History: one question about a subject over a time range, answered by the engine that holds the data.

    model.py     the question, the answer and their semantics (no I/O); every engine renders it
    sql.py       the question as SQL, one text for Athena (Trino) and DuckDB
    local.py     the embedded default: DuckDB over local files and S3 objects, with a Parquet cache
    ingest.py    a flow-log file -> Parquet, once (replay's definitions of a record)
    cache.py     the bounded Parquet cache under $XDG_CACHE_HOME/flowtail/history
    duck.py      DuckDB, imported lazily (the optional extra flowtail[history])
    athena.py    Athena over flow logs in S3 (partition projection), and its DDL
    insights.py  CloudWatch Logs Insights over the followed log groups
    aws.py       boto3 clients and botocore errors as one line naming the IAM actions
    engines.py   the engine a configuration (or --via) asks for
    render.py    an answer as JSON lines or plain-text tables (flowtail history)

Engine side: never imports textual or rich. boto3 and duckdb are imported lazily, where used, so
``import tui.history.model`` costs nothing.
"""
