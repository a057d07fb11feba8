"""flowtail: a terminal monitor for AWS VPC Flow Logs."""

__version__ = "0.1.0"
