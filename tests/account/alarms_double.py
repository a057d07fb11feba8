"""A local double of CloudWatch Logs' DescribeMetricFilters and CloudWatch's DescribeAlarms that
answers with a composite alarm, which moto cannot store (it has not implemented PutCompositeAlarm).

It speaks the JSON protocols botocore uses for both (``X-Amz-Target``: ``Logs_20140328.*``, JSON 1.1;
``GraniteServiceVersion20100801.*``, JSON 1.0). As AWS does, composite alarms are returned only when
``AlarmTypes`` asks for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import LoopbackServer

FILTERS = [{
    "filterName": "bastion-http-reject", "logGroupName": "/vpc/flow-logs",
    "filterPattern": '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", '
                     'protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]',
    "metricTransformations": [{"metricName": "BastionHttpReject", "metricNamespace": "VPCFlowLogs",
                               "metricValue": "1"}],
}]
METRIC_ALARMS = [{
    "AlarmName": "Bastion HTTP rejected", "Namespace": "VPCFlowLogs", "MetricName": "BastionHttpReject",
    "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Threshold": 3.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
}]
COMPOSITE_ALARMS = [{
    "AlarmName": "bastion and db", "AlarmRule": 'ALARM("Bastion HTTP rejected") AND ALARM("db errors")',
}]


class _Account(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        target = self.headers.get("X-Amz-Target") or ""
        if target == "GraniteServiceVersion20100801.DescribeAlarms":
            types = request.get("AlarmTypes") or ["MetricAlarm"]
            answer = {"MetricAlarms": METRIC_ALARMS if "MetricAlarm" in types else [],
                      "CompositeAlarms": COMPOSITE_ALARMS if "CompositeAlarm" in types else []}
            self._send(answer, "application/x-amz-json-1.0")
        elif target == "Logs_20140328.DescribeMetricFilters":
            self._send({"metricFilters": FILTERS}, "application/x-amz-json-1.1")
        else:
            self.send_error(404)

    def _send(self, answer: dict[str, Any], content_type: str) -> None:
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def account_with_a_composite_alarm() -> Iterator[str]:
    server = LoopbackServer(_Account).start()
    try:
        yield server.url
    finally:
        server.stop()
