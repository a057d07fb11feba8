"""Every AWS answer checked before botocore parses it, and every call bounded by a total deadline.

botocore takes an HTTP 200 whose body is not the API's (a proxy's login page, an HTML error, JSON cut
off mid-way) for an empty success, and fails with ``UnicodeDecodeError`` or ``AttributeError`` on a
body that is not UTF-8 or not of the operation's shape. Its read timeout is per socket read, so a
server that sends one byte every few seconds holds a call forever. :func:`guard_client` closes both
holes on a client, for every operation:

- ``before-parse``: a 200 answer must be UTF-8, parse (JSON for the JSON protocol, XML for the query
  protocol) and fit the operation's output shape; otherwise :class:`MalformedResponse`, which
  ``aws_errors.classify`` names as a transient fault (shown, counted, retried).
- ``before-send``: the request is sent, and a non-streaming answer read to its end, in a helper
  thread; when the deadline passes first, :class:`DeadlineExceeded` (also transient). The helper
  thread is left to the stuck connection; at most ``MAX_STUCK`` of them per client, after which calls
  fail at once until one returns (bounded threads, and the error says why).

Streaming answers (Live Tail's event stream) get the deadline up to the response headers only.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

CALL_DEADLINE_S = 90.0  # above the 30 s read timeout: FilterLogEvents may scan for a while
MAX_STUCK = 4


class MalformedResponse(Exception):
    """An answer that is not the operation's: one line naming the operation and what was wrong."""


class DeadlineExceeded(TimeoutError):
    """No complete answer within the call's total deadline."""


def guard_client(client: Any, deadline_s: float = CALL_DEADLINE_S) -> Any:
    """Register the answer check and the deadline on ``client`` (see the module docstring)."""
    events = client.meta.events
    events.register("before-parse", check_answer)
    events.register("before-send", _DeadlineSender(client, deadline_s))
    return client


def check_answer(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """Raise MalformedResponse when a 200 answer is not ``operation_model``'s output."""
    if response_dict.get("status_code") != 200 or operation_model.has_streaming_output:
        return
    if operation_model.has_event_stream_output:  # Live Tail: frames, read and checked as they come
        return
    body = response_dict.get("body") or b""
    operation = operation_model.name
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    except UnicodeDecodeError as error:
        raise MalformedResponse(f"{operation}: the answer is not UTF-8 (byte {error.start})") from None
    protocol = operation_model.service_model.resolved_protocol
    if protocol in ("json", "rest-json") and text:
        _check_json(operation, text, operation_model.output_shape, _content_type(response_dict))
    elif protocol == "query":
        _check_xml(operation, text)


def _content_type(response_dict: dict[str, Any]) -> str:
    headers = response_dict.get("headers") or {}
    return str(headers.get("content-type") or headers.get("Content-Type") or "?")


def _check_json(operation: str, text: str, shape: Any, content_type: str) -> None:
    import json

    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        kind = "cut off" if text.lstrip().startswith(("{", "[")) else "not JSON"
        raise MalformedResponse(
            f"{operation}: the answer is {kind} ({content_type}, {len(text)} characters): "
            "a proxy or captive portal in the way?"
        ) from None
    if shape is not None:
        problem = shape_problem(value, shape, "")
        if problem is not None:
            raise MalformedResponse(f"{operation}: the answer does not have the API's shape: {problem}")


def _check_xml(operation: str, text: str) -> None:
    import xml.etree.ElementTree as ElementTree

    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise MalformedResponse(f"{operation}: the answer is not XML ({len(text)} characters)") from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag != f"{operation}Response":
        raise MalformedResponse(f"{operation}: the answer is a <{tag[:40]}> document, not {operation}Response")


_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (int, float, str),
}
# A validator takes a decoded JSON value and returns None, or (path parts, innermost first; problem).
Problem = tuple[list[str], str]
Validator = Callable[[Any], "Problem | None"]
_VALIDATORS: dict[int, tuple[Any, Validator]] = {}  # id(shape) -> (shape, validator): one per model shape


def shape_problem(value: Any, shape: Any, where: str) -> str | None:
    """Where ``value`` (decoded JSON) does not fit the botocore ``shape``, or None. Validators are
    compiled once per shape (a 10,000-event page is checked in a fraction of botocore's own parse
    time), and follow the shape, so hostile nesting cannot take them deeper than the model goes."""
    problem = _validator(shape)(value)
    if problem is None:
        return None
    parts, message = problem
    path = "".join(reversed(parts)).lstrip(".")
    name = f"{where}{'.' if where and path and not path.startswith('[') else ''}{path}" or "the body"
    return f"{name} {message}"


def _validator(shape: Any) -> Validator:
    known = _VALIDATORS.get(id(shape))
    if known is not None and known[0] is shape:
        return known[1]
    holder: list[Validator] = []
    _VALIDATORS[id(shape)] = (shape, lambda value: holder[0](value))  # recursive shapes see the holder
    holder.append(_compile(shape))
    _VALIDATORS[id(shape)] = (shape, holder[0])
    return holder[0]


def _compile(shape: Any) -> Validator:
    kind = shape.type_name
    if kind == "structure":
        members = [(member.serialization.get("name", key), _validator(member)) for key, member in shape.members.items()]
        required = [shape.members[key].serialization.get("name", key) for key in shape.required_members]

        def structure(value: Any) -> Problem | None:
            if not isinstance(value, dict):
                return [], f"is {_json_kind(value)}, not an object"
            for wire in required:
                if value.get(wire) is None:
                    return [f".{wire}"], "is missing"
            for wire, check in members:
                item = value.get(wire)
                if item is not None:
                    problem = check(item)
                    if problem is not None:
                        problem[0].append(f".{wire}")
                        return problem
            return None

        return structure
    if kind in ("list", "map"):
        item_check = _validator(shape.member if kind == "list" else shape.value)
        container, noun = (list, "a list") if kind == "list" else (dict, "an object")

        def collection(value: Any) -> Problem | None:
            if not isinstance(value, container):
                return [], f"is {_json_kind(value)}, not {noun}"
            items = enumerate(value) if isinstance(value, list) else value.items()
            for key, item in items:
                problem = item_check(item)
                if problem is not None:
                    problem[0].append(f"[{key!r}]" if isinstance(key, str) else f"[{key}]")
                    return problem
            return None

        return collection
    allowed = _SCALARS.get(kind)
    if allowed is None:
        return lambda value: None

    def scalar(value: Any) -> Problem | None:
        if isinstance(value, bool) and kind != "boolean":
            return [], f"is a boolean, not a {kind}"
        if not isinstance(value, allowed):
            return [], f"is {_json_kind(value)}, not a {kind}"
        return None

    return scalar


def _json_kind(value: Any) -> str:
    for kind, label in ((bool, "a boolean"), (dict, "an object"), (list, "a list"), (str, "a string")):
        if isinstance(value, kind):
            return label
    return "a number" if isinstance(value, (int, float)) else "null"


class _DeadlineSender:
    """The ``before-send`` handler: sends through the client's own HTTP session in a helper thread
    and waits at most ``deadline_s`` for the answer."""

    def __init__(self, client: Any, deadline_s: float) -> None:
        self._client = client
        self._deadline_s = deadline_s
        self._stuck = 0
        self._lock = threading.Lock()

    def __call__(self, request: Any, **_: Any) -> Any:
        with self._lock:
            if self._stuck >= MAX_STUCK:
                raise DeadlineExceeded(
                    f"{self._stuck} earlier calls still have no complete answer: not sending another"
                )
        outcome: dict[str, Any] = {}
        done = threading.Event()
        send = self._client._endpoint.http_session.send  # botocore's own path (proxies, TLS, pool)

        def work() -> None:
            try:
                outcome["response"] = send(request)
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread below
                outcome["error"] = error
            finally:
                with self._lock:
                    if outcome.get("abandoned"):
                        self._stuck -= 1
                    done.set()

        threading.Thread(target=work, name="flowtail-aws-call", daemon=True).start()
        if not done.wait(self._deadline_s):
            with self._lock:
                if not done.is_set():
                    outcome["abandoned"] = True
                    self._stuck += 1
                    raise DeadlineExceeded(
                        f"no complete answer within {self._deadline_s:g} s (a stalled or trickling connection)"
                    )
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]
