"""Reproducible faults: chosen by a request header, a scenario rule, or a seeded rate.

Header (any language can send it):

    X-Ollama-Mock-Fault: <kind>[;key=value]...

    status;code=429;retry_after=2     HTTP error before any output (Ollama's envelope per API);
                                      should_retry=false adds x-should-retry: false (no SDK retries)
    latency;ms=250                    wait before the answer
    midstream_error;after=2;message=boom   native: {"error": ...} line, HTTP 200, no done:true
    drop;after=3                      connection dropped after 3 records
    malformed;after=1                 a line that is not JSON after 1 record
    stall;after=2;seconds=1.5         pause after 2 records, then continue

`apply(fault, outcome, info, profile)` turns a healthy outcome into the faulty one; the
interceptor and transformer in `extensions` decide when. `Schedule` picks faults at a rate
from a seed: the n-th eligible request of a run always gets the same fault.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, replace
from typing import Any

from ollama_conformance import contracts

from . import errors
from .fault_streams import break_stream
from .go_duration import MAX_DURATION_S
from .outcome import Cut, Outcome, RequestInfo, Single, Stream

HEADER = "x-ollama-mock-fault"
DELIBERATE = "X-Ollama-Mock-Deliberate"
KINDS = ("status", "latency", "midstream_error", "drop", "malformed", "stall")
STATUS_CODES = (400, 404, 429, 500, 503)
_PARAMS: dict[str, dict[str, type]] = {
    "status": {"code": int, "message": str, "retry_after": int, "should_retry": str},
    "latency": {"ms": int},
    "midstream_error": {"after": int, "message": str},
    "drop": {"after": int},
    "malformed": {"after": int},
    "stall": {"after": int, "seconds": float},
}
MAX_INT = 2**63 - 1  # Go's int64
_LIMITS = {"ms": MAX_DURATION_S * 1000}  # a latency in milliseconds is a wait too
RUNNER_ERROR = "an error was encountered while running the model"


class FaultError(ValueError):
    """A fault description that cannot be used (message: one line with the valid choices)."""


@dataclass(frozen=True)
class Fault:
    kind: str
    code: int = 500
    message: str | None = None
    retry_after: int | None = None
    should_retry: str | None = None  # "true"/"false": adds x-should-retry (openai SDKs obey it)
    ms: int = 0
    after: int = 1
    seconds: float = 1.0

    def describe(self) -> str:
        """The fault in header syntax (what the journal shows)."""
        keys = {
            "status": ("code", "retry_after", "should_retry"),
            "latency": ("ms",),
            "midstream_error": ("after",),
            "drop": ("after",),
            "malformed": ("after",),
            "stall": ("after", "seconds"),
        }[self.kind]
        parts = [self.kind] + [f"{k}={getattr(self, k)}" for k in keys if getattr(self, k) is not None]
        return ";".join(parts)

    @property
    def before_output(self) -> bool:
        return self.kind in ("status", "latency")


def parse(text: str) -> Fault:
    """A Fault from header syntax; FaultError names the bad part and the valid choices."""
    parts = [p.strip() for p in str(text).split(";") if p.strip()]
    if not parts:
        raise FaultError(f"empty fault (valid kinds: {', '.join(KINDS)})")
    values: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if not sep:
            raise FaultError(f"fault parameter {part!r} is not key=value")
        values[key.strip()] = value.strip()
    return from_dict({"kind": parts[0], **values})


def from_value(value: Any) -> Fault:
    """A Fault from header syntax (str) or a mapping {"kind": ..., params...}."""
    if isinstance(value, Fault):
        return value
    if isinstance(value, str):
        return parse(value)
    if isinstance(value, dict):
        return from_dict(value)
    raise FaultError(f"a fault is a string like 'drop;after=2' or a mapping with 'kind', got {value!r}")


def from_dict(data: dict[str, Any]) -> Fault:
    kind = str(data.get("kind", "")).strip()
    if kind not in KINDS:
        raise FaultError(f"unknown fault kind {kind!r} (valid kinds: {', '.join(KINDS)})")
    allowed = _PARAMS[kind]
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key == "kind":
            continue
        if key not in allowed:
            raise FaultError(f"unknown parameter {key!r} for fault {kind} (valid: {', '.join(allowed)})")
        if kind == "status" and key == "code":
            values[key] = _status_code(raw)
        else:
            values[key] = _convert(kind, key, raw, allowed[key])
    if values.get("should_retry") not in (None, "true", "false"):
        raise FaultError(f"fault status has should_retry={values['should_retry']!r} (valid: true|false)")
    return Fault(kind=kind, **values)


def _status_code(raw: Any) -> int:
    """A status fault's code: one of STATUS_CODES (FaultError names the bad value and the valid ones)."""
    try:
        code = int(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        code = None
    if code not in STATUS_CODES:
        shown = repr(raw) if code is None else code
        raise FaultError(f"fault status has code={shown} (valid: {'|'.join(map(str, STATUS_CODES))})")
    return code


def _convert(kind: str, key: str, raw: Any, typ: type) -> Any:
    try:
        value = typ(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    # not NaN, not forever either: an int64 (Go's), a wait no longer than Go's longest time.Duration
    if value is None or (typ is not str and not 0 <= value <= _LIMITS.get(key, MAX_INT if typ is int else MAX_DURATION_S)):
        raise FaultError(f"fault {kind} has {key}={raw!r} (expected a finite non-negative {typ.__name__})")
    return value


def status_message(fault: Fault, info: RequestInfo, body: Any) -> str:
    """Ollama's own message for an injected status, unless the fault gives one."""
    if fault.message:
        return fault.message
    model = body.get("model", "") if isinstance(body, dict) else ""
    if fault.code == 503:
        return contracts.message("server_busy")
    if fault.code == 404:
        key = "model_not_found_pull" if info.endpoint.endswith("/api/embed") else "model_not_found"
        return contracts.message(key, model=str(model))
    if fault.code == 500:
        return RUNNER_ERROR
    if fault.code == 429:
        return "too many requests"
    return "ollama-mock: injected fault: bad request"


def error_outcome(fault: Fault, info: RequestInfo, body: Any) -> Single:
    """The HTTP error answer of a `status` fault, in the envelope of the API called."""
    message = status_message(fault, info, body)
    headers = {DELIBERATE: "fault-status"}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if fault.should_retry is not None:
        headers["x-should-retry"] = fault.should_retry
    ctype = "application/json; charset=utf-8" if info.api == "native" else "application/json"
    return Single(
        errors.envelope(info.api, fault.code, message), status=fault.code, content_type=ctype, headers=headers
    )


def apply(fault: Fault, outcome: Outcome, info: RequestInfo, profile: Any) -> Outcome:
    """`outcome` with `fault` injected (status faults are answered earlier, by the interceptor)."""
    if fault.kind == "latency":
        return _delayed(outcome, fault.ms / 1000.0)
    if isinstance(outcome, Stream):
        return break_stream(fault, outcome, info, profile)
    return _break_single(fault, outcome, info)


def _delayed(outcome: Outcome, seconds: float) -> Outcome:
    if isinstance(outcome, Stream) and outcome.items:
        first = outcome.items[0]
        items = [replace(first, delay=first.delay + seconds), *outcome.items[1:]]
        return replace(outcome, items=items)
    # A single body has no delay of its own: the extensions' latency holder sleeps for it.
    return outcome


def _break_single(fault: Fault, outcome: Single, info: RequestInfo) -> Outcome:
    """A non-stream answer: what Ollama does when the same failure hits a non-stream request."""
    if outcome.status >= 400:
        return outcome
    headers = {**outcome.headers, DELIBERATE: f"fault-{fault.kind}"}
    if fault.kind == "midstream_error":
        # Native non-stream: the error status (500 when it has none) with the envelope (§4.2).
        message = fault.message or RUNNER_ERROR
        return Single(
            errors.envelope(info.api, 500, message),
            status=500,
            content_type=outcome.content_type,
            headers=headers,
        )
    if fault.kind == "drop":
        return Stream(
            items=[Cut()],
            framing="ndjson",
            content_type=outcome.content_type or "application/json",
            headers=headers,
        )
    if fault.kind == "malformed":
        return Single('{"model":"', status=outcome.status, content_type=outcome.content_type, headers=headers)
    return outcome  # stall on a single body: handled as latency by the caller


class Schedule:
    """Faults at `rate` from `seed`: the n-th eligible request gets the same fault every run."""

    def __init__(self, seed: int, rate: float, kinds: tuple[str, ...] = KINDS) -> None:
        if not 0.0 <= rate <= 1.0:
            raise FaultError(f"--fault-rate has value {rate!r} (valid: a number from 0 to 1)")
        self.seed, self.rate, self.kinds = seed, rate, kinds
        self._n = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._n = 0

    def next(self, stream: bool) -> Fault | None:
        """The fault for the next eligible request (None: healthy)."""
        with self._lock:
            n = self._n
            self._n += 1
        rng = random.Random(f"ollama-mock:{self.seed}:{n}")
        if rng.random() >= self.rate:
            return None
        kinds = self.kinds if stream else tuple(k for k in self.kinds if k in ("status", "latency"))
        if not kinds:
            return None
        kind = rng.choice(kinds)
        if kind == "status":
            code = rng.choice((429, 500, 503))
            return Fault("status", code=code, retry_after=rng.randint(1, 3) if code == 429 else None)
        if kind == "latency":
            return Fault("latency", ms=rng.randint(50, 500))
        if kind == "stall":
            return Fault("stall", after=rng.randint(1, 3), seconds=round(rng.uniform(0.2, 2.0), 2))
        return Fault(kind, after=rng.randint(1, 3))
