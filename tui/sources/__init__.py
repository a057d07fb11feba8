"""Event sources: flow-log files for replay; CloudWatch Logs (polling) and Kinesis streams for following
(``source.py``: what every live source gives a session)."""
