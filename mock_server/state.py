"""Everything the mock remembers: models (installed, in the fake registry, loaded), blobs, and
the hooks the CI features install (responders, interceptors, transformers, journal).

The model store is built from data/catalog.json, or from `--models FILE` in the same format.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import names
from .clock import Clock, parse_rfc3339
from .go_duration import keep_alive_seconds
from .outcome import Outcome, RequestInfo
from .profiles import Profile
from .settings import Settings, SettingsError
from .wire import Waits

if TYPE_CHECKING:  # annotations only: reply.py is not needed to start
    from .reply import Reply, ReplyContext, Responder

_CATALOG = Path(__file__).with_name("data") / "catalog.json"
DEFAULT_MODELS_PER_GPU = 3  # the scheduler's defaultModelsPerGPU
FOREVER = timedelta(microseconds=(2**63 - 1) // 1000)  # Go's max Duration: expires ~ year 2318
DEFAULT_NUM_CTX = 4096


class CatalogError(SettingsError):
    """A --models file that cannot be used (one line naming the file and the problem)."""


@dataclass
class ModelEntry:
    name: str  # shortest display form, "llama3.2:latest"
    digest: str  # 64 hex, no "sha256:" prefix
    size: int
    details: dict[str, Any]
    model_info: dict[str, Any]
    capabilities: list[str]
    template: str
    parameters: dict[str, Any]
    system: str
    license: str
    modified_at: datetime
    messages: list[dict[str, Any]] = field(default_factory=list)
    added_licenses: list[str] = field(default_factory=list)  # create appends these after the inherited one
    manifest: list[tuple[str, str, int]] = field(default_factory=list)  # a created model's layers; [] = catalogue's
    renderer: str = ""  # set on create (config.json): show reports them, the modelfile names them
    parser: str = ""
    requires: str = ""  # the Ollama version the model needs (>= v0.14.0)

    @property
    def licenses(self) -> list[str]:
        """One text per license layer; show joins them with newlines."""
        return [text for text in (self.license, *self.added_licenses) if text]

    @property
    def full_name(self) -> str:
        return names.full_name(self.name)

    @property
    def architecture(self) -> str:
        return str(self.model_info.get("general.architecture", self.details.get("family", "")))

    @cached_property  # read on every generation; model_info is never changed in place (copies are)
    def context_length(self) -> int:
        return int(self.model_info.get(f"{self.architecture}.context_length", DEFAULT_NUM_CTX))

    @cached_property  # read on every generation; a created model is a new entry
    def model_path(self) -> str:
        """The scheduler's key for its runner (the weights blob, with any adapter and projector):
        a copy, or a model created from another with a new template or system, shares the runner."""
        weights = [digest for kind, digest, _ in self.layers() if kind in ("model", "adapter", "projector")]
        return "+".join(weights) or weights_digest(self)

    def loaded_size(self, context: int) -> int:
        """What its runner holds once loaded (ps size): the weights and an f16 KV cache for
        `context` tokens, as Ollama estimates it without a runner's report (PredictServerVRAM:
        2 x layers x KV heads x head size x context x 2 bytes)."""
        info, arch = self.model_info, self.architecture
        layers = _count(info.get(f"{arch}.block_count"))
        heads = _count(info.get(f"{arch}.attention.head_count"))
        kv_heads = _count(info.get(f"{arch}.attention.head_count_kv")) or 1
        head_size = self.embedding_length // heads if heads else 0
        return self.size + 2 * layers * kv_heads * head_size * context * 2

    @property
    def embedding_length(self) -> int:
        return int(self.model_info.get(f"{self.architecture}.embedding_length", 0))

    def layers(self) -> list[tuple[str, str, int]]:
        """(kind, "sha256:<hex>", size) per layer in manifest order, as a pull or push shows them."""
        if self.manifest:
            return list(self.manifest)
        extras = [("template", self.template), *(("license", text) for text in self.licenses), ("system", self.system)]
        small = [text_layer(kind, text) for kind, text in extras if text]
        if self.parameters:
            small.append(params_layer(self.parameters))
        model_size = max(self.size - sum(size for _, _, size in small) - self.config_layer()[2], 1)
        return [("model", weights_digest(self), model_size), *small]

    def blobs(self) -> list[tuple[str, str, int]]:
        """Every blob its manifest names: the layers, then the config (as a pull or push lists them)."""
        return [*self.layers(), self.config_layer()]

    def config_layer(self) -> tuple[str, str, int]:
        """The manifest's config blob: pull and push list it after the layers, and the size in
        /api/tags counts it (Manifest.Size)."""
        return "config", _digest(f"config:{self.digest}"), 400 + int(self.digest[:2] or "0", 16)


def text_layer(kind: str, text: str) -> tuple[str, str, int]:
    """A small layer (template, system, license, params, messages); its digest follows its text."""
    return kind, _digest(f"{kind}:{text}"), len(text.encode())


def params_layer(parameters: dict[str, Any]) -> tuple[str, str, int]:
    return text_layer("params", json.dumps(parameters, sort_keys=True))


def weights_digest(entry: ModelEntry) -> str:
    """The model layer's digest: the same weights (family, size, quantization) give the same digest."""
    weights = ":".join(str(entry.details.get(k, "")) for k in ("family", "parameter_size", "quantization_level"))
    return _digest(f"model:{weights}:{entry.model_info.get('general.parameter_count')}")


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def entry_from_json(item: dict[str, Any]) -> ModelEntry:
    """A catalogue item as a ModelEntry (ValueError naming the model and the key on a bad item)."""
    if not isinstance(item, dict):
        raise ValueError(f"a model is {_json_kind(item)}, not an object")
    name = names.parse(str(item["name"]))
    if name is None:
        raise ValueError(f"model name {item['name']!r} is not a valid Ollama model name")
    where = f"model {name.display()!r}"
    model_info = _typed(item, "model_info", dict, {}, where)
    for key, value in model_info.items():  # the lengths the mock computes with
        if key.endswith(("context_length", "embedding_length")) and not _is_int(value):
            raise ValueError(f"{where}: model_info {key!r} has value {value!r}, not an integer")
        if key.endswith(_COUNT_KEYS) and not _is_count(value):  # ps sizes a loaded model with them
            raise ValueError(f"{where}: model_info {key!r} has value {value!r}, not an integer (or a list of them)")
    digest = item.get("digest")
    if digest is not None and not (isinstance(digest, str) and _HEX64.fullmatch(digest)):
        raise ValueError(f"{where}: digest has value {digest!r}, not 64 hex digits (a sha256, no 'sha256:')")
    if not isinstance(item.get("installed", True), bool):  # "false" would be true
        raise ValueError(f"{where}: installed has value {item['installed']!r}, not true or false")
    capabilities = _typed(item, "capabilities", list, ["completion"], where)
    if not all(isinstance(c, str) for c in capabilities):
        raise ValueError(f"{where}: capabilities has value {capabilities!r}, not a list of strings")
    size = item["size"]
    if not _is_int(size) or size < 0:
        raise ValueError(f"{where}: size has value {size!r}, not a number of bytes")
    try:
        modified_at = parse_rfc3339(str(item["modified_at"]))
    except ValueError as error:  # the clock's words name --clock: say which value it was
        detail = str(error).split(": ", 1)[-1]
        raise ValueError(f"{where}: modified_at has value {item['modified_at']!r}: {detail}") from None
    return ModelEntry(
        name=name.display(),
        digest=str(item.get("digest") or hashlib.sha256(name.full().encode()).hexdigest()),
        size=size,
        details=_typed(item, "details", dict, None, where),
        model_info=model_info,
        capabilities=capabilities,
        template=str(item.get("template", "")),
        parameters=_typed(item, "parameters", dict, {}, where),
        system=str(item.get("system", "")),
        license=str(item.get("license", "")),
        modified_at=modified_at,
        messages=_typed(item, "messages", list, [], where),
    )


def _typed(item: dict[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    """item[key] (a copy) when it is a `kind`; its default when absent (None: required)."""
    if key not in item and default is not None:
        return kind(default)
    value = item[key]
    if not isinstance(value, kind):
        raise ValueError(f"{where}: {key} is {_json_kind(value)}, not {'an object' if kind is dict else 'an array'}")
    return kind(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_COUNT_KEYS = ("block_count", "attention.head_count", "attention.head_count_kv")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _is_count(value: Any) -> bool:
    """An integer, or a list of them (GGUF writes one per layer for some models)."""
    return _is_int(value) or isinstance(value, list) and bool(value) and all(_is_int(v) for v in value)


def _count(value: Any) -> int:
    """A layer or head count as Ollama's estimate reads it: the largest of a per-layer list."""
    return max(value) if isinstance(value, list) else int(value or 0)


def load_catalog(path: str | None) -> tuple[list[ModelEntry], list[ModelEntry]]:
    """(installed, registry-only) entries from `path`, or the built-in catalogue."""
    try:
        if path is None:
            text = _CATALOG.read_text(encoding="utf-8")
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        document = json.loads(text)
        if not isinstance(document, dict):
            raise TypeError(f"the top level is {_json_kind(document)}, not an object")
        items = document["models"]
        if not isinstance(items, list):
            raise TypeError(f"models is {_json_kind(items)}, not an array")
        checked = [(entry_from_json(item), item) for item in items]  # the item is checked first
        seen: set[str] = set()
        for entry, _ in checked:  # a pasted entry twice: the later one would hide the first unseen
            key = names.full_name(entry.name).lower()
            if key in seen:
                raise ValueError(f"model {entry.name!r} is listed twice")
            seen.add(key)
        pairs = [(bool(item.get("installed", True)), entry) for entry, item in checked]
    except OSError as exc:
        raise CatalogError(f"--models file {path!r}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"--models file {path!r}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:  # [[[[... deeper than json reads
        raise CatalogError(f"--models file {path!r}: values nested too deeply to read") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(
            f"--models file {path!r}: {_catalog_problem(exc)}; expected {{\"models\": [{{\"name\", \"size\", "
            f"\"details\", \"modified_at\", ...}}]}}"
        ) from None
    return [e for ok, e in pairs if ok], [e for ok, e in pairs if not ok]


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _catalog_problem(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing key {exc.args[0]!r}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@dataclass
class Loaded:
    """A runner, as Ollama's scheduler keeps it (server/sched.go runnerRef)."""

    entry: ModelEntry
    expires_at: datetime | None  # when an idle runner unloads; None: busy since it loaded (ps: now + session)
    context_length: int
    session: timedelta  # its keep_alive (0: unload once idle); room is made by unloading the shortest first
    key: str = ""  # its model path, the scheduler's key
    refs: int = 0  # requests using it now (refCount): it is not unloaded while they run
    evicted: bool = False  # made room while in use, for a runner loaded at once: it goes when they end
    # expires_at before the latest request was given it: None while no request of it has ended
    idle_until: datetime | None = None

    def gone(self, now: datetime) -> bool:
        """Idle past its expiry: the scheduler's timer unloaded it."""
        return self.refs <= 0 and self.expires_at is not None and self.expires_at <= now


class ModelStore:
    """Installed models by case-insensitive full name; the fake registry; loaded models."""

    uploads: Blobs | None = None  # the uploaded blobs, which a deleted model's layers leave (State sets it)
    # The runners loaded for the request whose handler is running: the route adapter sets its list
    # around the handler call, which is synchronous, so no other request's loads come between, and
    # `hold`s them when the answer takes time. None outside a request.
    serving: builtins.list[Loaded] | None = None

    def __init__(self, installed: list[ModelEntry], registry: list[ModelEntry], clock: Clock,
                 keep_alive_default: float = 300.0, max_loaded: int = 0) -> None:
        self._clock = clock
        # OLLAMA_MAX_LOADED_MODELS; 0: the scheduler's automatic 3 per GPU (3 with none)
        self._max_loaded = max_loaded if max_loaded > 0 else DEFAULT_MODELS_PER_GPU  # as Go's envconfig: no negative
        self._keep_alive_default = keep_alive_default
        self._default_span = _session(keep_alive_default)  # made once: most requests send no keep_alive
        self._lock = threading.Lock()
        self._models = {names.full_name(e.name).lower(): e for e in installed}
        self._registry = {names.full_name(e.name).lower(): e for e in [*registry, *installed]}
        self._loaded: dict[str, Loaded] = {}
        self._initial = (dict(self._models), dict(self._registry))

    def restore(self) -> None:
        """The models as the server started: the catalogue installed, the registry as it was, none loaded."""
        with self._lock:
            self._models, self._registry = dict(self._initial[0]), dict(self._initial[1])
            self._loaded.clear()

    def get(self, name: str) -> ModelEntry | None:
        key = names.key(name) if isinstance(name, str) else None
        return self._models.get(key) if key else None

    def list(self) -> list[ModelEntry]:
        return sorted(self._models.values(), key=lambda e: e.modified_at, reverse=True)

    def blob_digests(self) -> set[str]:
        """The blobs the installed models' manifests name: their layers and configs."""
        with self._lock:
            entries = list(self._models.values())
        return {digest for entry in entries for _, digest, _ in entry.blobs()}

    def in_registry(self, name: str) -> ModelEntry | None:
        key = names.key(name)
        return self._registry.get(key) if key else None

    def add(self, entry: ModelEntry) -> ModelEntry:
        """Install `entry` and return it as installed.

        A model installed under the same name in another case keeps its spelling: Ollama
        resolves the name to the existing manifest first (getExistingName, reference §0.5).
        """
        key = names.full_name(entry.name).lower()
        with self._lock:
            installed = self._models.get(key)
            if installed is not None and installed.name != entry.name:
                entry = replace(entry, name=installed.name)
            self._models[key] = entry
        return entry

    def publish(self, entry: ModelEntry) -> None:
        """A push: the fake registry has `entry` from now on (a model only created or copied is
        local: once deleted, a pull of it finds nothing, as at Ollama's registry)."""
        with self._lock:
            self._registry[names.full_name(entry.name).lower()] = entry

    def copy(self, source: ModelEntry, destination: str) -> ModelEntry:
        return self.add(replace(source, name=names.display(destination), modified_at=self._clock.now()))

    def delete(self, entry: ModelEntry) -> None:
        key = names.full_name(entry.name).lower()
        with self._lock:
            removed = self._models.pop(key, None)  # the scheduler is not told: a loaded model stays until it expires
        uploads = self.uploads
        if removed is None or uploads is None:
            return
        # Ollama's RemoveLayers: the deleted manifest's layer and config files go too, unless another
        # manifest names them (a copy, a model created from the same upload); here only uploads are files
        files = {digest for _, digest, _ in removed.blobs() if uploads.has(digest)}
        if files:
            with self._lock:
                others = list(self._models.values())
            uploads.discard(files - {digest for other in others for _, digest, _ in other.blobs()})

    def hold(self, runners: builtins.list[Loaded]) -> tuple[Loaded, ...]:
        """The request that loaded `runners` answers over time (a stream, a delay): they are in use
        (the scheduler's refCount) until `release` is given what this returns. A request answered
        at once needs neither: its runners went idle again as `load` gave them to it."""
        with self._lock:
            # exactly these are released later: a load from another thread (a test beside the
            # plugin's server thread) may still append to `runners`, and must not be released unheld
            held = tuple(runners)
            for runner in held:
                if not runner.refs:  # ps shows the expiry it had when it went idle last (useLoadedRunner
                    # stops the timer), or, never idle since it loaded (None), now + keep_alive
                    runner.expires_at = runner.idle_until
                runner.refs += 1
        return held

    def release(self, runners: tuple[Loaded, ...]) -> None:
        """The request `hold` marked them for is over (answered, or its client gone), as the
        scheduler's processCompleted sees its context end: a runner whose last request it was goes
        idle now, unloaded (its keep_alive 0: asked for, or set by an unload meanwhile that no later
        request's keep_alive undid; or evicted) or its expiry starting."""
        now = self._clock.now()
        with self._lock:
            for runner in runners:
                runner.refs -= 1
                if runner.refs > 0:
                    continue
                if runner.evicted or not runner.session:
                    if self._loaded.get(runner.key) is runner:
                        del self._loaded[runner.key]
                else:
                    runner.expires_at = now + runner.session

    def load(self, entry: ModelEntry, keep_alive: Any = None, num_ctx: int | None = None,
             now: datetime | None = None) -> int:
        """Give the request being answered `entry`'s runner (at `now`, the clock's time when not
        given), loading it when it is not; the load_duration (ns) to report: seconds cold,
        milliseconds warm.

        As Ollama's scheduler: a request without keep_alive leaves a loaded runner's keep_alive as
        it is (the server's default applies to a new runner only); the expiry starts when the
        runner goes idle, not when a request starts; a runner in use is never unloaded. The route
        adapter collects the runners in `serving` and `hold`s them for an answer that takes time."""
        key = entry.model_path
        if now is None:
            now = self._clock.now()
        given = None if keep_alive is None else _session(self._keep_alive_seconds(keep_alive))
        context = int(num_ctx or min(entry.context_length, DEFAULT_NUM_CTX))
        with self._lock:
            current = self._loaded.get(key)
            # not gone (in use, or idle and unexpired), without a method call: this runs on every request
            alive = current is not None and (current.refs > 0 or current.expires_at is None or current.expires_at > now)
            # another context size is a load-time option the scheduler reloads the runner for
            # (Ollama's request waits for the old runner's requests to end; the mock's does not)
            warm = alive and current.context_length == context  # type: ignore[union-attr]
            if warm:  # the runner serves this name too; ps keeps the name that loaded it
                runner: Loaded = current  # type: ignore[assignment]
                if given is not None:
                    runner.session = given
            else:
                self._loaded.pop(key, None)
                self._make_room(key, now)  # a new runner: room for it first
                runner = Loaded(entry, None, context, self._default_span if given is None else given, key)
                self._loaded[key] = runner
            if not runner.refs:  # answered at once (`hold` says otherwise): idle again from now
                runner.idle_until, runner.expires_at = runner.expires_at, now + runner.session  # 0: unloaded
        held = self.serving
        if held is not None:
            held.append(runner)
        return _load_ns(entry.digest, warm)

    def _make_room(self, key: str, now: datetime) -> None:
        """Unload runners while the loaded ones are at the limit, as the scheduler's
        findRunnerToUnload picks each: the shortest keep_alive first, then by model path (the
        weights blob), an idle one before any in use. Every loaded runner counts, one that an
        unload request will unload when its requests end too (expireRunner leaves it in the
        scheduler's map). One in use is `evicted`: unloaded once its requests end (Ollama's new
        request waits for that; the mock's loads at once, over the limit), and no longer counted
        (by the time Ollama's waiting load happens it is gone). It goes even if a request given it
        meanwhile brought a keep_alive: the mock's choice where Ollama's versions differ (once
        GetRunner served loaded runners without the queue, such a request could keep it, and the
        waiting load waits for its timer; before, every request queued behind that load)."""
        for gone in [k for k, v in self._loaded.items() if v.gone(now)]:
            del self._loaded[gone]
        live = sorted(((k, v) for k, v in self._loaded.items() if k != key and not v.evicted),
                      key=lambda item: (item[1].session, item[0]))
        for _ in range(max(0, len(live) - self._max_loaded + 1)):
            victim = next((item for item in live if item[1].refs <= 0), live[0])
            live.remove(victim)
            if victim[1].refs <= 0:
                del self._loaded[victim[0]]
            else:
                victim[1].session, victim[1].evicted = _span(0), True

    def unload(self, entry: ModelEntry) -> None:
        """An unload request (keep_alive 0, nothing to generate): the scheduler's expireRunner.
        An idle runner goes now; one in use stays, its expires_at set to now and its keep_alive to
        0, until its requests end. That is all expireRunner marks: a request given the runner
        meanwhile with a keep_alive of its own sets its keep_alive again (useLoadedRunner), and
        then it stays loaded once idle."""
        now = self._clock.now()
        with self._lock:
            runner = self._loaded.get(entry.model_path)
            if runner is None:
                return
            runner.expires_at, runner.session = now, _span(0)
            if runner.refs <= 0:
                del self._loaded[runner.key]

    def loaded(self) -> builtins.list[tuple[ModelEntry, datetime, int, int]]:
        """(entry, expires_at, size in memory, context_length), latest expiry first, expired ones
        dropped. A runner in use is listed even past its expires_at; one not idle since it loaded
        shows now + its keep_alive (PsHandler's fallback for a zero expiresAt)."""
        now = self._clock.now()
        with self._lock:
            for key in [k for k, v in self._loaded.items() if v.gone(now)]:
                del self._loaded[key]
            items = [(v, now + v.session if v.expires_at is None else v.expires_at) for v in self._loaded.values()]
        items.sort(key=lambda item: item[1], reverse=True)
        return [(v.entry, expires, v.entry.loaded_size(v.context_length), v.context_length) for v, expires in items]

    def _keep_alive_seconds(self, keep_alive: Any) -> float:
        seconds = keep_alive_seconds(keep_alive)
        return self._keep_alive_default if seconds is None else seconds


def _session(seconds: float) -> timedelta:
    """A runner's session for `seconds` of keep_alive: 0 (unload once idle) for 0, Go's longest
    duration for a negative one (forever)."""
    return FOREVER if seconds < 0 else _span(seconds)


@lru_cache(maxsize=256)  # the same keep_alive comes with every request
def _span(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


@lru_cache(maxsize=1024)
def _load_ns(digest: str, warm: bool) -> int:
    """The load_duration a model reports: milliseconds when it was loaded already, seconds cold."""
    seed = int(digest[:8], 16)
    return 7_000_000 + seed % 9_000_000 if warm else 1_200_000_000 + seed % 900_000_000


class Blobs:
    """Uploaded blobs by "sha256:<hex>" (kept in memory: tests upload small files), MAX_BYTES in all:
    Ollama's store is a disk, which fills up too, and this one is the machine's memory."""

    MAX_BYTES = 1 << 30

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self.size = 0  # bytes kept

    def has(self, digest: str) -> bool:
        return digest in self._data

    def fits(self, size: int) -> bool:
        """Whether `size` more bytes fit in the store."""
        return self.size + size <= self.MAX_BYTES

    def put(self, digest: str, data: bytes) -> None:
        self.size += len(data) - len(self._data.get(digest, b""))
        self._data[digest] = data

    def get(self, digest: str) -> bytes | None:
        return self._data.get(digest)

    def digests(self) -> set[str]:
        return set(self._data)

    def discard(self, digests: set[str]) -> None:
        for digest in digests:
            self.size -= len(self._data.pop(digest, b""))

    def clear(self) -> None:
        self._data.clear()
        self.size = 0


Interceptor = Callable[[RequestInfo, Any], "Outcome | None"]
Transformer = Callable[[RequestInfo, Outcome], Outcome]


class State:
    """The mock's whole state; built once per app by create_app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = Clock.from_setting(settings.clock)
        self.profile = load_profile(settings.profile)
        installed, registry = load_catalog(settings.models_file)
        self.models = ModelStore(installed, registry, self.clock, settings.keep_alive_default,
                                 settings.max_loaded_models)
        self.blobs = Blobs()
        self.models.uploads = self.blobs  # a deleted model's uploaded layers are removed with it
        self.waits = Waits()  # paced streams and delayed answers in progress: a stop ends them
        self.default_responder: Responder | None = _default_responder()
        self.responders: list[Responder] = [self.default_responder] if self.default_responder else []
        self.interceptors: list[Interceptor] = []
        self.transformers: list[Transformer] = []
        self.journal: Any = None
        self.violations: list[dict[str, Any]] = []  # self-check findings (Settings.validate_emitted)
        self.in_flight = 0  # requests being answered (tests wait for 0 before reading violations)
        self.extra_routes: list[Any] = []  # Starlette routes added by extensions (/_mock/...)

    def blobs_on_disk(self) -> set[str]:
        """Every blob Ollama's store would hold: uploaded ones and those of the installed models."""
        return self.blobs.digests() | self.models.blob_digests()

    def has_blob(self, digest: str) -> bool:
        return self.blobs.has(digest) or digest in self.models.blob_digests()

    def random(self, seed_key: str) -> random.Random:
        """A Random seeded from --seed and `seed_key`: same seed, same sequence."""
        return random.Random(f"{self.settings.seed}:{seed_key}")

    def reply_for(self, ctx: ReplyContext) -> Reply:
        """The first non-None answer of the responders; the default responder always goes last."""
        for responder in self.responders:
            if responder is not self.default_responder:
                reply = responder(ctx)
                if reply is not None:
                    return reply
        if self.default_responder is not None:
            reply = self.default_responder(ctx)
            if reply is not None:
                return reply
        raise RuntimeError("no responder answered (generation.responder is not installed)")


def load_profile(name: str) -> Profile:
    try:
        from . import profiles

        loader = getattr(profiles, "load", None)
    except ImportError:  # pragma: no cover - profiles.py ships with the package
        loader = None
    if loader is not None:
        return loader(name)  # type: ignore[no-any-return]
    if name == Profile().name:
        return Profile()
    raise SettingsError(f"--profile has value {name!r}; valid profiles: {Profile().name}")


def _default_responder() -> Responder | None:
    """generation.responder.default_responder, imported on its first use (a faster start)."""
    try:
        from importlib.util import find_spec

        if find_spec(f"{__package__}.generation.responder") is None:
            return None
    except ImportError:
        return None
    loaded: list[Responder] = []

    def default_responder(ctx: ReplyContext) -> Reply | None:
        if not loaded:
            from .generation.responder import default_responder as real

            loaded.append(real)
        return loaded[0](ctx)

    return default_responder
