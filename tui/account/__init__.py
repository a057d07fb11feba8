"""The account as the starting point: what it already holds about flow logs (and, from other modules,
metric filters and alarms). Talks to AWS through boto3; never imports the terminal UI."""
