"""A stateful property test of the mock's model scheduler (state.ModelStore): hypothesis drives
the store through what requests do to it, and after every step /api/ps must be what a small
reference model of Ollama's scheduler (server/sched.go, server/routes.go PsHandler) lists.

The rules mirror the route adapter (app._Adapter.serve and _run): a request's runners are
collected in `models.serving` while its handler runs (pipeline.load); an answer given at once
(a Single without delay) holds nothing; one that takes time (a Stream, a delayed Single) `hold`s
them until it is sent (`release`). An unload request (empty prompt, keep_alive 0) calls `unload`;
/api/delete leaves the scheduler alone; the clock is frozen and stepped by the test.

The reference follows the source, runner by runner (runnerRef):

- refCount: requests using it. useLoadedRunner adds one, the request's end (processCompleted)
  takes one away; at 0 a runner whose sessionDuration is <= 0 is unloaded, else its timer starts
  and expiresAt = now + sessionDuration. A runner is never unloaded while refCount > 0.
- sessionDuration: set when a runner is loaded (the request's keep_alive, else OLLAMA_KEEP_ALIVE);
  a request that reuses a runner sets it only if it brings a keep_alive (useLoadedRunner). A
  negative keep_alive is Go's longest Duration (api.Duration.UnmarshalJSON): never idle out.
- expiresAt: zero until the runner first goes idle (PsHandler then shows now + sessionDuration);
  useLoadedRunner stops the timer and leaves it as it is (ps shows it even when it has passed).
- expireRunner (the unload request): expiresAt = now, sessionDuration = 0; unloaded now when
  idle, else when its requests end, unless a later request brought a keep_alive of its own
  (useLoadedRunner sets sessionDuration again; expireRunner marks nothing else).
- loading another model with OLLAMA_MAX_LOADED_MODELS runners loaded: findRunnerToUnload sorts
  them by sessionDuration, then model path (ByDurationAndName), takes the first idle one, else
  the first; its sessionDuration becomes 0 and the load waits until it has been unloaded.
- another num_ctx is a runner option (needsReload): the runner is unloaded and loaded anew.

Where the mock cannot do what Ollama does, the reference encodes the mock's documented choice:

- Memory: the mock has no GPU; a model always fits (Ollama may unload for VRAM or system memory
  below the limit: pickBestFullFitByLibrary, load's requireFull). Only the count limit evicts.
- Waiting: Ollama's load waits for a busy runner it evicts (or reloads for another num_ctx) to
  finish; the mock never makes a request wait, it loads at once. An evicted busy runner stays
  listed until its requests end and counts no more toward the limit (in Ollama it would be gone
  by the time the waiting load happened): ps can list more than the limit, never more than the
  limit plus such busy evicted runners. It unloads when its requests end, even if one of them
  brought a keep_alive (before Ollama's GetRunner served loaded runners directly, no request
  could reach it while the load waited; with the fast path a keep_alive would keep it, and the
  waiting load with it). A runner reloaded for another num_ctx is replaced at once: the old
  one's requests end unseen (ps lists one runner per model path, as Ollama's map does).
- Time: a runner idle at its expiresAt is gone (the timer has fired).
- ps order: latest expiry first; Ollama sorts by whole seconds (ExpiresAt.Unix()) over Go's
  random map order, so runners within the same second come in any order: the test compares
  the entries as a multiset and checks the order only by second.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, multiple, rule
from ollama_conformance.mock_server.clock import Clock
from ollama_conformance.mock_server.generation import pipeline
from ollama_conformance.mock_server.handlers.models import run_ps
from ollama_conformance.mock_server.profiles import Profile
from ollama_conformance.mock_server.state import ModelEntry, ModelStore, load_catalog

START = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_KEEP_ALIVE = 300.0  # OLLAMA_KEEP_ALIVE unset: 5 minutes
GO_MAX_DURATION = timedelta(microseconds=(2**63 - 1) // 1000)  # math.MaxInt64 ns, as Python can hold it

# keep_alive as a request sends it -> the sessionDuration it gives (None: not given)
KEEP_ALIVES: dict[Any, timedelta | None] = {
    None: None, 0: timedelta(0), "0s": timedelta(0), "1s": timedelta(seconds=1), 2: timedelta(seconds=2),
    "5m": timedelta(minutes=5), "1h": timedelta(hours=1), -1: GO_MAX_DURATION, "-1m": GO_MAX_DURATION,
}
NUM_CTX = [None, 1024, 2048, 8192]  # options.num_ctx; nomic-embed-text was trained for 2048 only
# drawn mostly without keep_alive or num_ctx, as most requests come: then runners stay loaded
# long enough to be reused, and evicted to make room
keep_alives = st.one_of(st.none(), st.sampled_from(list(KEEP_ALIVES)))
contexts = st.one_of(st.none(), st.none(), st.sampled_from(NUM_CTX))
STEPS = [1, 2, 59, 300, 301, 3600]  # seconds the clock moves on

# the catalogue: four runners (model paths) under five names; "mycopy" shares llama3.2's weights
_INSTALLED = {e.name: e for e in load_catalog(None)[0]}
CATALOGUE: list[ModelEntry] = [
    _INSTALLED["llama3.2:latest"], _INSTALLED["gemma3:1b"], _INSTALLED["qwen3:8b"],
    _INSTALLED["nomic-embed-text:latest"], replace(_INSTALLED["llama3.2:latest"], name="mycopy:latest"),
]
NAMES = [e.name for e in CATALOGUE]


def _context(entry: ModelEntry, num_ctx: int | None) -> int:
    """The runner's num_ctx: the one asked for, cut to what the model was trained for; else 4096
    or less (the mock's default context)."""
    trained = entry.context_length
    return min(num_ctx, trained) if num_ctx else min(trained, 4096)


@dataclass(eq=False)
class RefRunner:
    name: str  # the model that loaded it: ps names it (runner.model)
    path: str  # model path: one runner per path
    context: int
    session: timedelta
    refs: int = 1  # a runner is loaded for a request: in use from the start
    expires_at: datetime | None = None  # Go's zero time until it first goes idle
    evicted: bool = False  # made room for a load the mock did at once (see the module doc)
    replaced: bool = False  # a load with another num_ctx took its place while it was in use


class Reference:
    """Ollama's scheduler as the source has it, with the mock's documented choices."""

    def __init__(self, max_loaded: int) -> None:
        self.max_loaded = max_loaded
        self.runners: dict[str, RefRunner] = {}

    def _drop_gone(self, now: datetime) -> None:
        for path, r in list(self.runners.items()):
            if r.refs == 0 and r.expires_at is not None and r.expires_at <= now:
                del self.runners[path]  # the timer fired

    def use(self, entry: ModelEntry, keep_alive: Any, num_ctx: int | None, now: datetime) -> tuple[RefRunner, bool]:
        """A request is given `entry`'s runner (GetRunner): (the runner, whether it was loaded)."""
        self._drop_gone(now)
        session = KEEP_ALIVES[keep_alive]
        context = _context(entry, num_ctx)
        runner = self.runners.get(entry.model_path)
        if runner is not None and runner.context == context:  # useLoadedRunner
            runner.refs += 1
            if session is not None:
                runner.session = session
            return runner, True
        if runner is not None:  # needsReload: unloaded (the mock: at once, even in use)
            del self.runners[entry.model_path]
            runner.replaced = runner.refs > 0
        self._make_room()
        runner = RefRunner(entry.name, entry.model_path, context,
                           timedelta(seconds=DEFAULT_KEEP_ALIVE) if session is None else session)
        self.runners[entry.model_path] = runner
        return runner, False

    def _make_room(self) -> None:
        while True:
            counted = [r for r in self.runners.values() if not r.evicted]
            if len(counted) < self.max_loaded:
                return
            counted.sort(key=lambda r: (r.session, r.path))  # ByDurationAndName
            victim = next((r for r in counted if r.refs == 0), counted[0])
            victim.session = timedelta(0)
            if victim.refs == 0:
                del self.runners[victim.path]
            else:
                victim.evicted = True

    def done(self, runner: RefRunner, now: datetime) -> None:
        """The request's context ended (processCompleted)."""
        runner.refs -= 1
        if runner.refs > 0 or runner.replaced:
            return
        if runner.session <= timedelta(0) or runner.evicted:
            if self.runners.get(runner.path) is runner:
                del self.runners[runner.path]
        else:
            runner.expires_at = now + runner.session

    def expire(self, entry: ModelEntry, now: datetime) -> None:
        """An unload request (expireRunner)."""
        self._drop_gone(now)
        runner = self.runners.get(entry.model_path)
        if runner is None:
            return
        runner.expires_at, runner.session = now, timedelta(0)
        if runner.refs == 0:
            del self.runners[entry.model_path]

    def ps(self, now: datetime) -> list[tuple[str, datetime, int]]:
        self._drop_gone(now)
        return sorted((r.name, now + r.session if r.expires_at is None else r.expires_at, r.context)
                      for r in self.runners.values())


@dataclass(eq=False)
class InFlight:
    """A request whose answer takes time: the runners it holds, in the mock and the reference."""

    model: str
    num_ctx: int | None
    held: tuple[Any, ...]
    ref: RefRunner

    def __repr__(self) -> str:  # hypothesis prints the failing steps with it
        return f"InFlight({self.model!r})"


class SchedulerMachine(RuleBasedStateMachine):
    MAX_LOADED = 2
    in_flight = Bundle("in_flight")

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock(START)
        # as State builds it: installed models, the registry, the clock, OLLAMA_KEEP_ALIVE, the limit
        self.store = ModelStore(list(CATALOGUE), [], self.clock, DEFAULT_KEEP_ALIVE, self.MAX_LOADED)
        self.ref = Reference(self.MAX_LOADED)
        self.installed = set(NAMES)
        self.open: list[InFlight] = []
        self.state = SimpleNamespace(models=self.store, clock=self.clock, profile=Profile())

    @initialize()
    def start(self) -> None:
        assert self.store.loaded() == []

    # -- what requests do ---------------------------------------------------------------------

    def _request(self, name: str, keep_alive: Any, num_ctx: int | None) -> tuple[list[Any], RefRunner] | None:
        """The handler's part of a generation request: the runners it loads, collected as
        _Adapter._run collects them (None: the model is not installed, a 404 before any load)."""
        entry = self.store.get(name)
        assert (entry is not None) == (name in self.installed)
        if entry is None:
            return None
        now = self.clock.now()
        body: dict[str, Any] = {} if keep_alive is None else {"keep_alive": keep_alive}
        options = {} if num_ctx is None else {"num_ctx": num_ctx}
        held: list[Any] = []
        self.store.serving = held
        try:
            load_ns = pipeline.load(self.state, entry, body, options, now)
        finally:
            self.store.serving = None
        runner, warm = self.ref.use(entry, keep_alive, num_ctx, now)
        assert len(held) == 1
        # load_duration: milliseconds from a loaded runner, seconds from a cold load
        assert (load_ns < 1_000_000_000) == warm, (load_ns, warm)
        return held, runner

    @rule(name=st.sampled_from(NAMES), keep_alive=keep_alives, num_ctx=contexts)
    def instant_request(self, name: str, keep_alive: Any, num_ctx: int | None) -> None:
        """Answered at once (a Single): nothing is held, the runner is idle again."""
        got = self._request(name, keep_alive, num_ctx)
        if got is not None:
            self.ref.done(got[1], self.clock.now())

    @rule(target=in_flight, name=st.sampled_from(NAMES), keep_alive=keep_alives,
          num_ctx=contexts)
    def slow_request_starts(self, name: str, keep_alive: Any, num_ctx: int | None) -> Any:
        """A stream or a delayed answer: the adapter holds the runners until it is sent."""
        got = self._request(name, keep_alive, num_ctx)
        if got is None:
            return multiple()  # a 404: nothing in flight
        held, runner = got
        request = InFlight(name, num_ctx, self.store.hold(held), runner)
        self.open.append(request)
        return request

    @rule(request=consumes(in_flight))
    def slow_request_ends(self, request: InFlight) -> None:
        if request in self.open:  # not ended with the others of its model
            self.store.release(request.held)  # the adapter's finally
            self.ref.done(request.ref, self.clock.now())
            self.open.remove(request)

    @rule(request=in_flight)
    def slow_requests_to_a_model_end(self, request: InFlight) -> None:
        """Every stream from the model `request` uses ends, one after the other at the same
        moment: the runner goes idle (what happens then is where the scheduler's rules meet)."""
        for other in [r for r in self.open if r.ref is request.ref]:
            self.slow_request_ends(other)

    # the same requests aimed at the model of a slow request (in use, unless it has ended), with
    # its num_ctx (another one reloads it, which the rules above do often enough): the
    # interleavings are there, and five names make them rare otherwise
    @rule(request=in_flight, keep_alive=st.sampled_from(list(KEEP_ALIVES)))
    def instant_request_to_a_busy_model(self, request: InFlight, keep_alive: Any) -> None:
        self.instant_request(request.model, keep_alive, request.num_ctx)

    @rule(target=in_flight, request=in_flight, keep_alive=st.sampled_from(list(KEEP_ALIVES)))
    def slow_request_to_a_busy_model(self, request: InFlight, keep_alive: Any) -> Any:
        return self.slow_request_starts(request.model, keep_alive, request.num_ctx)

    @rule(request=in_flight)
    def unload_request_to_a_busy_model(self, request: InFlight) -> None:
        self.unload_request(request.model)

    @rule(name=st.sampled_from(NAMES))
    def unload_request(self, name: str) -> None:
        entry = self.store.get(name)
        if entry is not None:  # generate/chat with keep_alive 0 and nothing to say
            self.store.unload(entry)
            self.ref.expire(entry, self.clock.now())

    @rule(name=st.sampled_from(NAMES))
    def delete(self, name: str) -> None:
        entry = self.store.get(name)
        if entry is not None:  # DeleteHandler never calls the scheduler
            self.store.delete(entry)
            self.installed.discard(name)

    @rule(name=st.sampled_from(NAMES))
    def pull_again(self, name: str) -> None:
        if name not in self.installed:
            self.store.add(next(e for e in CATALOGUE if e.name == name))
            self.installed.add(name)

    @rule(seconds=st.sampled_from(STEPS))
    def time_passes(self, seconds: int) -> None:
        self.clock.fixed = self.clock.now() + timedelta(seconds=seconds)

    @rule()
    def ps(self) -> None:
        """GET /api/ps as the handler answers it."""
        body = run_ps(self.state, None).body
        assert isinstance(body, dict)
        listed = sorted((m["name"], datetime.fromisoformat(m["expires_at"]), m["context_length"])
                        for m in body["models"])
        assert listed == self.ref.ps(self.clock.now())
        assert all(m["size"] == m["size_vram"] > 0 for m in body["models"])

    # -- after every step -----------------------------------------------------------------------

    @invariant()
    def scheduler_state(self) -> None:
        """ps is the reference's, and the scheduler's rules hold. Read from a copy of the store:
        reading ps drops the expired runners, and a read after every step would hide a load that
        takes an expired runner for a loaded one (the `ps` rule reads the store itself)."""
        now = self.clock.now()
        view = copy.copy(self.store)
        view._loaded = dict(self.store._loaded)  # noqa: SLF001 - the runners, not the Loaded objects, copied
        loaded = view.loaded()
        self.ps_matches_the_reference(loaded, now)
        self.runners_in_use(loaded, now)
        self.at_most_the_limit(loaded)

    def ps_matches_the_reference(self, loaded: list[Any], now: datetime) -> None:
        listed = [(entry.name, expires, context) for entry, expires, _, context in loaded]
        assert sorted(listed) == self.ref.ps(now)
        seconds = [int(expires.timestamp()) for _, expires, _ in listed]
        assert seconds == sorted(seconds, reverse=True), "ps lists the latest expiry first"
        assert all(size == entry.loaded_size(context) for entry, _, size, context in loaded)

    def runners_in_use(self, loaded: list[Any], now: datetime) -> None:
        listed = {entry.name for entry, *_ in loaded}
        for request in self.open:
            [runner] = request.held
            assert runner.refs == request.ref.refs >= 1, "the mock's refCount is the reference's"
            if not request.ref.replaced:  # in use: never unloaded, however long ago it expired
                assert request.ref.name in listed
        assert all(r.refs >= 0 for r in self.store._loaded.values())  # noqa: SLF001 - the store's own runners
        busy = {r.name for r in self.ref.runners.values() if r.refs > 0}
        for entry, expires, _, _ in loaded:
            assert entry.name in busy or expires > now, "an idle runner past its expiry is listed"

    def at_most_the_limit(self, loaded: list[Any]) -> None:
        """No more runners than OLLAMA_MAX_LOADED_MODELS, but for busy evicted ones (the mock
        loads at once where Ollama's load waits for them to finish)."""
        owed = [r for r in self.ref.runners.values() if r.evicted]
        assert all(r.refs > 0 for r in owed), "an evicted runner goes when its requests end"
        assert len(loaded) <= self.MAX_LOADED + len(owed)


class SchedulerMachineThree(SchedulerMachine):
    MAX_LOADED = 3


CI = settings(max_examples=100, stateful_step_count=50, derandomize=True, deadline=None, database=None)
TestSchedulerTwoRunners = SchedulerMachine.TestCase
TestSchedulerTwoRunners.settings = CI
TestSchedulerThreeRunners = SchedulerMachineThree.TestCase
TestSchedulerThreeRunners.settings = CI
