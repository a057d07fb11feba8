"""VPC flow-log records: the field catalogue, record formats, parsing, and display helpers.

No I/O and no UI imports: the engine, the rule compiler and the UI all build on this.
"""

from tui.flowlog.fields import FIELDS, FieldSpec
from tui.flowlog.header import detect_header
from tui.flowlog.logformat import DEFAULT_FORMAT, FlowFormat, FormatError
from tui.flowlog.ports import port_service
from tui.flowlog.protocols import protocol_name
from tui.flowlog.record import FlowRecord, parse_record
from tui.flowlog.tcpflags import tcp_flags_label, tcp_flags_names
from tui.flowlog.values import epoch_seconds

__all__ = [
    "DEFAULT_FORMAT",
    "FIELDS",
    "FieldSpec",
    "FlowFormat",
    "FlowRecord",
    "FormatError",
    "detect_header",
    "epoch_seconds",
    "parse_record",
    "port_service",
    "protocol_name",
    "tcp_flags_label",
    "tcp_flags_names",
]
