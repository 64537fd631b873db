"""The CI features, installed into a mock's State by `create_app` (`install(state, settings)`).

- a journal of every request (`GET /_mock/requests`, `POST /_mock/reset`);
- scenario rules (`--scenario FILE`, `--strict`; `POST /_mock/scenario` adds rules over HTTP);
- faults from the X-Ollama-Mock-Fault header, a scenario rule, or `--seed` + `--fault-rate`;
- replay of a cassette (`--cassette DIR`).

`for_settings(settings)` / `for_state(state)` give the installed `Extensions` (the pytest plugin
uses it to reset in-process, well under a millisecond).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import weakref
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import request_mark
from .journal import Journal, entry_of
from .outcome import Outcome, RequestInfo, Single, with_headers

if TYPE_CHECKING:
    from .faults import Fault, Schedule
    from .scenarios import Scenario

# `faults` and `scenarios` are imported on first use, not here: most mocks never see a fault
# or a rule, and the mock's start-up stays short (both sit on its start path otherwise).
log = logging.getLogger("ollama_conformance.mock_server")
RULE_HEADER = "X-Ollama-Mock-Rule"
FAULT_HEADER = "X-Ollama-Mock-Fault-Applied"
FAULT_REQUEST_HEADER = "x-ollama-mock-fault"  # = faults.HEADER, here so a no-fault request needs no faults
# Requests that seeded faults may hit: generation and embeddings (never /_mock, tags, version...).
_ELIGIBLE = (
    "POST /api/chat",
    "POST /api/generate",
    "POST /api/embed",
    "POST /api/embeddings",
    "POST /v1/chat/completions",
    "POST /v1/completions",
    "POST /v1/embeddings",
    "POST /v1/responses",
    "POST /v1/messages",
)
_NATIVE_STREAMING = ("POST /api/chat", "POST /api/generate")
# id(settings) / id(state) -> the Extensions installed with them, held weakly: a mock that is gone
# is freed (its State keeps its Extensions alive through the hooks, and the Extensions its State and
# settings, so an id cannot be reused while its entry lives; a dict, or a WeakKeyDictionary whose
# value refers to its key, kept every mock a test suite made)
_BY_SETTINGS: weakref.WeakValueDictionary[int, Extensions] = weakref.WeakValueDictionary()
_BY_STATE: weakref.WeakValueDictionary[int, Extensions] = weakref.WeakValueDictionary()


class _Journal(Journal):
    """The journal, plus what the hooks learnt about the request (rule, fault); with
    `warn_ignored`, a log line for each field of a request that Ollama would silently ignore."""

    def __init__(self, warn_ignored: bool = False) -> None:
        super().__init__()
        self.warn_ignored = warn_ignored

    def record(self, entry: dict[str, Any]) -> None:
        mark = request_mark.current()
        if mark is not None:
            if mark.rule is not None:
                entry["rule"] = mark.rule
            if mark.fault is not None:
                entry["fault"] = f"{mark.fault.describe()} ({mark.fault_source})"
        super().record(entry)
        if self.warn_ignored:  # on stderr like the other warnings (the mock's logger carries errors only)
            for message in entry_of(entry).ignored:
                print(f"ollama-mock: warning: {entry.get('method', '')} {entry.get('path', '')}: {message}",
                      file=sys.stderr, flush=True)


class Extensions:
    """Everything `install` added to one State."""

    def __init__(self, state: Any, settings: Any) -> None:
        self.state, self.settings = state, settings
        self.journal = _Journal(bool(getattr(settings, "warn_ignored", False)))
        self.file_rules = 0  # rules loaded from --scenario stay across resets
        self.schedule: Schedule | None = None
        self.replayer: Any = None
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._scenario: Scenario | None = None  # built by the first use of `scenario`
        if getattr(settings, "strict", False):
            self._build_scenario()  # strict answers every request, rules or not

    @property
    def scenario(self) -> Scenario:
        """The scenario rules (built on first use: until then no rule can match)."""
        scenario = self._scenario
        return scenario if scenario is not None else self._build_scenario()

    def _build_scenario(self) -> Scenario:
        from .scenarios import Scenario

        with self._lock:
            if self._scenario is None:
                self._scenario = Scenario(strict=bool(getattr(self.settings, "strict", False)))
            return self._scenario

    def respond(self, ctx: Any) -> Any:
        """The State responder: the scenario's answer, None while there is no scenario yet."""
        scenario = self._scenario
        return None if scenario is None else scenario.responder(ctx)

    def reset(self) -> None:
        """Journal, test-added rules, sequence counters, fault sequence, recorded errors, and the
        models and blobs as the server started (what one test pulled, deleted or loaded is gone)."""
        self.journal.clear()
        self.state.models.restore()
        self.state.blobs.clear()
        if self._scenario is not None:
            self._scenario.clear(keep=self.file_rules)
        if self.schedule is not None:
            self.schedule.reset()
        if self.replayer is not None:
            self.replayer.reset()
        with self._lock:
            self.errors.clear()

    def take_errors(self) -> list[str]:
        """Errors raised in the server thread since the last call (and forget them)."""
        with self._lock:
            found, self.errors[:] = list(self.errors), []
        return found

    def note_error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    # -- hooks ---------------------------------------------------------------------------------
    def intercept(self, info: RequestInfo, body: Any) -> Outcome | None:
        """Before the handler: open the request's Mark, answer status faults and replays."""
        mark = request_mark.begin(info.endpoint)
        mark.ext = self
        if self.schedule is not None or info.headers.get(FAULT_REQUEST_HEADER):
            answer = self._fault_first(info, body, mark)
            if answer is not None:
                return answer
        if self.replayer is not None:
            return self.replayer.answer(info, body)
        return None

    def _fault_first(self, info: RequestInfo, body: Any, mark: Any) -> Outcome | None:
        """Pick the request's fault (header, else seeded); a status fault answers at once."""
        from . import faults

        try:
            fault = self._fault_for(info, body)
        except faults.FaultError as exc:
            return _bad_fault(info, str(exc))
        if fault is not None:
            mark.fault, mark.fault_source = fault
            if fault[0].kind == "status":
                return faults.error_outcome(fault[0], info, body)
        return None

    def transform(self, info: RequestInfo, outcome: Outcome) -> Outcome:
        """After the handler: inject the request's mid-stream fault; label rule and fault."""
        mark = request_mark.current()
        if mark is None:
            return outcome
        extra: dict[str, str] = {}
        if mark.rule:
            extra[RULE_HEADER] = mark.rule
        fault = mark.fault
        if fault is not None and fault.kind != "status":
            extra[FAULT_HEADER] = fault.describe()
            outcome = self._inject(fault, info, outcome)
        if not extra:
            return outcome
        return with_headers(outcome, {**outcome.headers, **extra})

    def _inject(self, fault: Fault, info: RequestInfo, outcome: Outcome) -> Outcome:
        from . import faults

        delay = (
            fault.ms / 1000.0 if fault.kind == "latency" else fault.seconds if fault.kind == "stall" else 0.0
        )
        if isinstance(outcome, Single) and delay:  # an error answer too: a slow server is slow to refuse
            return replace(outcome, delay=delay)  # the whole answer comes late, headers included
        return faults.apply(fault, outcome, info, self.state.profile)

    def _fault_for(self, info: RequestInfo, body: Any) -> tuple[Fault, str] | None:
        from . import faults

        header = info.headers.get(faults.HEADER)
        if header:
            return faults.parse(header), "header"
        if self.schedule is not None and info.endpoint in _ELIGIBLE:
            stream = _streams(info.endpoint, body)
            picked = self.schedule.next(stream)
            if picked is not None:
                return picked, "seed"
        return None


def _streams(endpoint: str, body: Any) -> bool:
    default = endpoint in _NATIVE_STREAMING
    value = body.get("stream", default) if isinstance(body, dict) else default
    return value is not False and value is not None


def _bad_fault(info: RequestInfo, problem: str) -> Single:
    from . import faults
    from .errors import envelope

    message = f"ollama-mock: bad {faults.HEADER} header: {problem}"
    return Single(
        envelope(info.api, 400, message), status=400, headers={faults.DELIBERATE: "fault-bad-header"}
    )


def install(state: Any, settings: Any) -> Extensions:
    """Wire journal, scenarios, faults and replay into `state` (called by create_app)."""
    ext = Extensions(state, settings)
    state.journal = ext.journal
    if getattr(settings, "scenario", None):
        from .scenarios import Scenario

        loaded = Scenario.load(settings.scenario, strict=True if settings.strict else None, warn=False)
        for message in loaded.overlaps():
            print(f"ollama-mock: warning: {message}", file=sys.stderr)
        ext.scenario.extend(loaded)
        ext.scenario.strict = loaded.strict
        ext.file_rules = len(loaded.rules)
    state.responders.insert(0, ext.respond)
    seed, rate = getattr(settings, "seed", None), float(getattr(settings, "fault_rate", 0.0) or 0.0)
    if rate > 0:
        from . import faults

        ext.schedule = faults.Schedule(seed if seed is not None else 0, rate)
    if getattr(settings, "cassette", None):
        from .replay import Replayer

        extra = getattr(settings, "extra", {}) or {}
        keep = bool(extra.get("keep_timing", False)) or os.environ.get("OLLAMA_MOCK_KEEP_TIMING") == "1"
        ext.replayer = Replayer(settings.cassette, keep_timing=keep)
    # No wrappers around the hooks (they run on every request): an exception in any of them, or
    # in a handler, reaches the adapter, which logs it; _ErrorTap hands it to this mock's tests.
    state.interceptors.insert(0, ext.intercept)
    state.transformers.append(ext.transform)
    from .mock_routes import routes

    state.extra_routes.extend(routes(ext))
    _ErrorTap.attach()
    _BY_SETTINGS[id(settings)] = ext
    _BY_STATE[id(state)] = ext
    return ext


def for_settings(settings: Any) -> Extensions | None:
    ext = _BY_SETTINGS.get(id(settings))
    return ext if ext is not None and ext.settings is settings else None


def for_state(state: Any) -> Extensions | None:
    ext = _BY_STATE.get(id(state))
    return ext if ext is not None and ext.state is state else None


class _ErrorTap(logging.Handler):
    """Server-side errors logged while a request runs go to that request's Extensions."""

    _attached = False

    @classmethod
    def attach(cls) -> None:
        if not cls._attached:
            logging.getLogger("ollama_conformance.mock_server").addHandler(cls(level=logging.ERROR))
            cls._attached = True

    def emit(self, record: logging.LogRecord) -> None:
        mark = request_mark.current()
        ext = mark.ext if mark is not None else None
        if mark is None or ext is None:
            return
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text = f"{text}: {type(exc).__name__}: {exc}"
        ext.note_error(f"{time.strftime('%H:%M:%S')} {mark.endpoint}: {text}")
