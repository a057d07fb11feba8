"""The embedded demo: a local CloudWatch Logs + SNS (moto server on loopback), realistic flow-log
traffic with attacks written into it, followed through the same code path as `flowtail watch`."""
