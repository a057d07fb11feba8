"""The history question in SQL: one text for Athena (Trino) and for DuckDB (the local engine).

Both read a table whose columns are the flow-log fields with ``_`` for ``-`` (``interface_id``,
``log_status``: the names of AWS's Athena DDL, and of the local engine's Parquet cache). The SQL
sticks to what both dialects share (``split_part``, ``try_cast``, ``concat_ws``, ``NULLIF``,
``%``), so a test runs the Athena text in DuckDB; the one exception is an IPv6 CIDR, which each
dialect tests in its own way (:class:`Dialect`).

Three statements answer a question (see :mod:`tui.history.model` for the semantics): the timeline,
the peers, the newest records. ``records_matched`` is the timeline's total (every matched record
falls in exactly one bin).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping, Sequence

from tui.flowlog import FIELDS, FlowFormat
from tui.history.model import (
    HistoryError,
    Peer,
    Question,
    RecordRow,
    TimelineBin,
    from_epoch,
    order_peers,
    timeline_key,
)

NUMERIC_TYPES = {"int": "BIGINT", "epoch": "BIGINT"}


def column(field: str) -> str:
    """The table column of a flow-log field: ``interface-id`` -> ``interface_id``."""
    return field.replace("-", "_")


def quoted(name: str) -> str:
    """An identifier, double-quoted (both dialects; ``end`` and ``date`` are reserved words)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ipv4_number(expression: str) -> str:
    """An IPv4 address in dotted text as a number, NULL for anything else (an IPv6 address, ``-``)."""
    octets = [f"try_cast(split_part({expression}, '.', {i}) AS BIGINT)" for i in range(1, 5)]
    guard = f"split_part({expression}, '.', 5) = ''"
    return (
        f"CASE WHEN {guard} THEN {octets[0]} * 16777216 + {octets[1]} * 65536 + {octets[2]} * 256 + {octets[3]} END"
    )


@dataclass(frozen=True)
class Dialect:
    """What differs between the engines' SQL: how an IPv6 address is tested against a network."""

    name: str
    ipv6_in_network: Callable[[str, str], str]  # (column SQL, CIDR text) -> boolean SQL


ATHENA = Dialect("athena", lambda col, cidr: f"contains({literal(cidr)}, try_cast({col} AS IPADDRESS))")
V6_MATCHES = "flowtail_v6_matches"
DUCKDB = Dialect("duckdb", lambda col, cidr: f"{col} IN (SELECT address FROM {V6_MATCHES})")
"""DuckDB has no IP type without the ``inet`` extension (downloaded at first use: no internet), and
its Python functions need numpy: for an IPv6 CIDR the local engine lists the table's IPv6
addresses in the network into the table ``flowtail_v6_matches`` first (see :mod:`tui.history.local`)."""


class HistorySql:
    """The three statements for one question over one table.

    ``fields``: the flow-log fields the table has (a field it lacks reads as NULL); ``table``: the
    FROM clause; ``where``: extra predicates (Athena's partition predicate); ``message``: a column
    holding the raw record. Where it is NULL or absent (Athena, Parquet deliveries) the record is
    rebuilt from the fields in ``fields`` order, ``-`` for NULL, as a text flow log writes it.
    ``layout``: a column naming each record's own fields (a table of several layouts holds NULL for
    the fields a record's layout lacks; its ``fields`` list only its own).
    """

    def __init__(
        self,
        question: Question,
        fields: Sequence[str],
        table: str,
        dialect: Dialect,
        where: Sequence[str] = (),
        message: str | None = None,
        layout: str | None = None,
    ) -> None:
        self.question = question
        self.fields = tuple(fields)
        self._has = frozenset(self.fields)
        self.table = table
        self.dialect = dialect
        self.extra = tuple(where)
        rebuilt = self._rebuilt_message()
        self.message = rebuilt if message is None else f"coalesce({quoted(message)}, {rebuilt})"
        self.layout = "NULL" if layout is None else quoted(layout)
        self._require()

    # -- pieces ---------------------------------------------------------------------------------

    def col(self, field: str) -> str:
        """The SQL for a field's value: NULL when absent from the table; ``-`` text reads as NULL."""
        if field not in self._has:
            return "NULL"
        name = quoted(column(field))
        spec = FIELDS.get(field)
        return name if spec is not None and spec.kind in NUMERIC_TYPES else f"NULLIF({name}, '-')"

    def raw(self, field: str) -> str:
        """The column itself (NULL when absent), for comparisons with a subject's value, which is
        never ``-``: a bare column lets the engines push the predicate into their scans."""
        return quoted(column(field)) if field in self._has else "NULL"

    def _rebuilt_message(self) -> str:
        parts = [f"coalesce(CAST({quoted(column(field))} AS VARCHAR), '-')" for field in self.fields]
        return f"concat_ws(' ', {', '.join(parts)})"

    def _require(self) -> None:
        kind = self.question.subject.kind
        needed = {"eni": ("interface-id",), "port": ("srcport", "dstport")}.get(kind, ("srcaddr", "dstaddr"))
        for field in (*needed, "start"):
            if field not in self._has:
                noun = {"address": "an address", "cidr": "a CIDR", "eni": "an ENI", "port": "a port"}[kind]
                raise HistoryError(f"the flow logs have no {field!r} field: cannot answer about {noun}")

    def _address_in(self, field: str) -> str:
        subject, col = self.question.subject, self.raw(field)
        if subject.kind == "address":
            return f"{col} = {literal(subject.value)}"
        network = subject.network
        if isinstance(network, ipaddress.IPv6Network):
            return self.dialect.ipv6_in_network(col, str(network))
        low, high = int(network.network_address), int(network.broadcast_address)
        return f"{_ipv4_number(col)} BETWEEN {low} AND {high}"

    def side(self, direction: str) -> str:
        """The predicate: the subject stands on this side (``in``: destination, ``out``: source)."""
        subject = self.question.subject
        if subject.kind == "eni":
            is_eni = f"{self.raw('interface-id')} = {literal(subject.value)}"
            if "flow-direction" not in self._has:
                return is_eni if direction == "in" else "FALSE"
            egress = f"coalesce({self.raw('flow-direction')}, '') = 'egress'"
            return f"({is_eni} AND {'NOT ' if direction == 'in' else ''}{egress})"
        if subject.kind == "port":
            return f"{self.col('dstport' if direction == 'in' else 'srcport')} = {subject.port}"
        return self._address_in("dstaddr" if direction == "in" else "srcaddr")

    def where(self, *predicates: str) -> str:
        time_range = self.question.time_range
        start = self.col("start")
        clauses = [*self.extra, f"{start} >= {time_range.start_s}", f"{start} < {time_range.end_s}", *predicates]
        return " AND ".join(f"({clause})" for clause in clauses)

    def concerns(self) -> str:
        """The predicate: the record concerns the subject (on either side)."""
        return f"{self.side('in')} OR {self.side('out')}"

    # -- statements -----------------------------------------------------------------------------

    def matched(self) -> str:
        """Every column of the records concerning the subject in the range (the local engine scans
        its files once into a temporary table, then asks the three questions of that)."""
        return f"SELECT * FROM {self.table} WHERE {self.where(self.concerns())}"

    def timeline(self) -> str:
        bin_s, start = self.question.bin_seconds, self.col("start")
        return (
            f"SELECT {start} - {start} % {bin_s} AS bin, {self.col('action')} AS action, count(*) AS flows, "
            f"coalesce(sum({self.col('bytes')}), 0) AS bytes, coalesce(sum({self.col('packets')}), 0) AS packets "
            f"FROM {self.table} WHERE {self.where(self.concerns())} GROUP BY 1, 2 ORDER BY 1, 2"
        )

    def peers(self) -> str:
        """Peers in the model's order, cut at the question's limit (the order is re-applied in Python)."""
        sides = []
        for direction, peer in (("in", "srcaddr"), ("out", "dstaddr")):
            sides.append(
                f"SELECT {self.col(peer)} AS peer, {self.col('dstport')} AS port, {self.col('protocol')} AS protocol, "
                f"{self.col('action')} AS action, '{direction}' AS direction, {self.col('bytes')} AS bytes, "
                f"{self.col('packets')} AS packets, {self.col('start')} AS start "
                f"FROM {self.table} WHERE {self.where(self.side(direction))}"
            )
        return (
            "SELECT peer, port, protocol, action, direction, count(*) AS flows, "
            "coalesce(sum(bytes), 0) AS total_bytes, coalesce(sum(packets), 0) AS total_packets, "
            "min(start) AS first_start, max(start) AS last_start "
            f"FROM ({' UNION ALL '.join(sides)}) AS sides GROUP BY peer, port, protocol, action, direction "
            "ORDER BY CASE WHEN action = 'ACCEPT' THEN 0 ELSE 1 END, flows DESC, total_bytes DESC, total_packets DESC, "
            "coalesce(peer, ''), coalesce(port, -1), coalesce(protocol, -1), direction, coalesce(action, '') "
            f"LIMIT {self.question.peers_limit}"
        )

    def records(self) -> str:
        values = ", ".join(f"{self.col(field)} AS {quoted(column(field))}" for field in self.fields)
        return (
            f"SELECT {self.message} AS message, {self.layout} AS layout, {values} "
            f"FROM {self.table} WHERE {self.where(self.concerns())} "
            f"ORDER BY {self.col('start')} DESC, message LIMIT {self.question.records_limit}"
        )


# -- rows -> answer parts (rows as tuples of typed values, or of text for Athena) -------------------


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def timeline_rows(rows: Sequence[Sequence[Any]]) -> tuple[TimelineBin, ...]:
    """(bin, action, flows, bytes, packets) rows -> bins, in the model's order."""
    bins = [
        TimelineBin(
            from_epoch(_int(row[0]) or 0), _text(row[1]), _int(row[2]) or 0, _int(row[3]) or 0, _int(row[4]) or 0
        )
        for row in rows
    ]
    return tuple(sorted(bins, key=timeline_key))


def peer_rows(rows: Sequence[Sequence[Any]], limit: int) -> tuple[Peer, ...]:
    """(peer, port, protocol, action, direction, flows, bytes, packets, first, last) rows -> peers."""
    peers = [
        Peer(
            address=_text(row[0]), port=_int(row[1]), protocol=_int(row[2]), action=_text(row[3]),
            direction=str(row[4]), flows=_int(row[5]) or 0, bytes=_int(row[6]) or 0, packets=_int(row[7]) or 0,
            first=from_epoch(_int(row[8]) or 0), last=from_epoch(_int(row[9]) or 0),
        )
        for row in rows
    ]
    return order_peers(peers, limit)


def record_rows(
    rows: Sequence[Sequence[Any]], fields: Sequence[str], fmt: FlowFormat | None = None
) -> tuple[RecordRow, ...]:
    """(message, layout, field values...) rows -> records. Text values (Athena's) are typed by the
    fields' converters, so every engine hands the same ``fields`` mapping; a layout (field names
    separated by spaces) keeps the record's own fields, in its order."""
    converters: Mapping[str, Callable[[str], Any]] = {}
    if fmt is not None:
        converters = {field: fmt.converter(field) for field in fields if fmt.has(field)}
    result = []
    for row in rows:
        values: dict[str, int | str | None] = {}
        for field, value in zip(fields, row[2:]):
            if isinstance(value, str) and field in converters:
                values[field] = converters[field](value)
            else:
                values[field] = value
        if row[1]:
            values = {field: values.get(field) for field in str(row[1]).split()}
        start = values.get("start")
        result.append(RecordRow(from_epoch(start if isinstance(start, int) else 0), str(row[0]), values))
    return tuple(result)


def table_fields(columns: Collection[str]) -> tuple[str, ...]:
    """The flow-log fields of a table's columns (``interface_id`` -> ``interface-id``), in column order;
    columns that are no catalogued field (``message``, partition keys) are left out."""
    by_column = {column(name): name for name in FIELDS}
    return tuple(by_column[name] for name in columns if name in by_column)
