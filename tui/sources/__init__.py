"""Event sources: flow-log files for replay, CloudWatch Logs for following."""
