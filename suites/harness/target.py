"""The server under test: reachability, version, profile, models per capability, embedded mock.

The only harness module allowed to import mock_server (to start the embedded mock).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

CAPABILITIES = ("chat", "tools", "thinking", "vision", "embedding", "insert")
# Internal slot: a chat model without tools, to provoke "does not support tools".
NO_TOOLS = "no-tools"


class TargetError(Exception):
    """The target cannot be used; the message is one line naming the URL and what failed."""


@dataclass
class TargetConfig:
    base_url: str | None = None  # None: start the embedded mock
    profile: str | None = None  # embedded mock only
    models: dict[str, str | None] = field(default_factory=dict)
    timeout: float = 30.0
    repeat: int = 1
    seed: int = 0
    allow_destructive: bool = False
    gaps_only: bool = False  # run only the checks that carry a gap number


@dataclass
class Target:
    base_url: str
    server_version: str
    embedded_mock: bool
    profile: str | None
    models: dict[str, str | None]
    config: TargetConfig
    capabilities: dict[str, set[str]] = field(default_factory=dict)  # per installed model, from /api/show

    def model(self, capability: str) -> str | None:
        return self.models.get(capability)

    def has(self, model: str, capability: str) -> bool:
        return capability in self.capabilities.get(model, set())

    def info(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "server_version": self.server_version,
            "embedded_mock": self.embedded_mock,
            "profile": self.profile,
            "models": {k: self.models.get(k) for k in CAPABILITIES},
        }


def probe(base_url: str, timeout: float) -> tuple[str, str | None]:
    """(server version, mock profile or None); TargetError when the server cannot be used."""
    url = base_url.rstrip("/")
    try:
        with httpx.Client(timeout=min(timeout, 10.0)) as http:
            resp = http.get(url + "/api/version")
            profile = resp.headers.get("x-ollama-mock-profile")
    except httpx.ConnectError as exc:
        reason = "connection refused" if "refused" in str(exc).lower() else str(exc) or "connection failed"
        raise TargetError(f"cannot reach {url}: {reason}") from None
    except httpx.TimeoutException:
        raise TargetError(f"cannot reach {url}: no answer within {min(timeout, 10.0):g}s") from None
    except httpx.HTTPError as exc:
        raise TargetError(f"cannot reach {url}: {type(exc).__name__}: {exc}") from None
    if resp.status_code != 200:
        raise TargetError(f"{url}/api/version answered HTTP {resp.status_code}: not an Ollama server?")
    try:
        version = str(resp.json()["version"])
    except (ValueError, KeyError, TypeError):
        raise TargetError(f"{url}/api/version did not answer {{\"version\": ...}}: not an Ollama server?") from None
    from .expect import safe_text  # here: expect imports pytest, which `run --help` must not load

    return safe_text(version, 200), profile and safe_text(profile, 200)


def capabilities(base_url: str, timeout: float, extra: list[str]) -> dict[str, set[str]]:
    """Capabilities of every installed model (and of the names given on the command line)."""
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout) as http:
        tags = http.get("/api/tags").json().get("models") or []
        caps: dict[str, set[str]] = {}
        for name in sorted({str(m.get("name") or m.get("model")) for m in tags} | set(extra)):
            resp = http.post("/api/show", json={"model": name})
            if resp.status_code == 200:
                caps[name] = set(resp.json().get("capabilities") or [])
    return caps


def discover_models(caps: dict[str, set[str]], given: dict[str, str | None]) -> dict[str, str | None]:
    """Fill the capabilities not given (deterministic: fewest capabilities first, then by name)."""
    found = dict(given)
    # Prefer models that do one thing: fewer surprises (thinking output) in plain checks.
    ordered = sorted(caps, key=lambda n: (len(caps[n]), n))
    wants = {
        "chat": lambda c: "completion" in c and "thinking" not in c,
        "tools": lambda c: {"completion", "tools"} <= c and "thinking" not in c,
        "thinking": lambda c: {"completion", "thinking"} <= c,
        "vision": lambda c: {"completion", "vision"} <= c,
        "embedding": lambda c: "embedding" in c,
        "insert": lambda c: {"completion", "insert"} <= c,
        NO_TOOLS: lambda c: "completion" in c and "tools" not in c,
    }
    fallbacks = {"chat": lambda c: "completion" in c, "tools": lambda c: {"completion", "tools"} <= c}
    for slot, want in wants.items():
        if found.get(slot):
            continue
        pick = next((n for n in ordered if want(caps[n])), None)
        if pick is None and slot in fallbacks:
            pick = next((n for n in ordered if fallbacks[slot](caps[n])), None)
        found[slot] = pick
    return found


def check_given(base_url: str, timeout: float, given: dict[str, str | None]) -> None:
    """A model given with --model-<cap> must exist on the server (a typo is a usage error, not 50 failures)."""
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout) as http:
        for cap, name in given.items():
            if name and http.post("/api/show", json={"model": name}).status_code != 200:
                tags = http.get("/api/tags").json().get("models") or []
                known = ", ".join(sorted(str(m.get("name")) for m in tags)) or "none"
                raise TargetError(f"--model-{cap} {name!r} is not on {base_url}; installed: {known}")


def resolve(config: TargetConfig, base_url: str, embedded: bool) -> Target:
    version, profile = probe(base_url, config.timeout)
    check_given(base_url, config.timeout, config.models)
    caps = capabilities(base_url, config.timeout, [m for m in config.models.values() if m])
    models = discover_models(caps, config.models)
    return Target(base_url.rstrip("/"), version, embedded, profile, models, config, caps)


@contextlib.contextmanager
def open_target(config: TargetConfig) -> Iterator[Target]:
    """The target of a run: the given URL, or the embedded mock started on a free port."""
    if config.base_url:
        yield resolve(config, config.base_url, embedded=False)
        return
    with embedded_mock(config.profile) as url:
        yield resolve(config, url, embedded=True)


@contextlib.contextmanager
def embedded_mock(profile: str | None) -> Iterator[str]:
    from ollama_conformance.mock_server.settings import Settings
    from ollama_conformance.mock_server.testing import serve_in_thread

    with contextlib.ExitStack() as stack:
        try:
            settings = Settings(port=0, profile=profile or "ollama-0.32")
            base_url = stack.enter_context(serve_in_thread(settings))
        except (RuntimeError, OSError, ValueError) as exc:  # e.g. an unknown profile, no free port
            raise TargetError(f"the embedded mock did not start: {str(exc).splitlines()[0]}") from None
        yield str(base_url)


def profile_names() -> list[str]:
    """Profiles the embedded mock knows (for the --profile usage error)."""
    try:
        from ollama_conformance.mock_server import profiles
    except ImportError:
        return []
    names = getattr(profiles, "names", None)
    return list(names()) if callable(names) else []
