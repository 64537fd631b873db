"""The mock's configuration: one frozen dataclass, filled from flags, env or Python."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .go_duration import parse_go_duration

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 11434
# Gin has no body limit; Ollama's only cap is 20 MiB on zstd-decompressed /v1 bodies. We refuse
# bodies above 64 MiB with 413 so a runaway client cannot exhaust the test machine (documented).
DEFAULT_MAX_BODY = 64 * 1024 * 1024


class SettingsError(ValueError):
    """A setting has a value the mock cannot use (the message is one user-facing line)."""


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    clock: str | None = None  # RFC 3339 instant: a fixed clock (deterministic timestamps)
    models_file: str | None = None  # JSON catalogue replacing data/catalog.json
    profile: str = "ollama-0.32"
    scenario: str | None = None
    seed: int | None = None
    fault_rate: float = 0.0
    cassette: str | None = None
    strict: bool = False
    virtual_time: bool = False  # report delays without sleeping
    validate_emitted: bool = False  # self-check every emitted body against the contracts
    warn_ignored: bool = False  # log request fields Ollama would silently ignore
    chunk_per_record: bool = False  # one HTTP chunk per stream record, as Ollama flushes (slower)
    origins: tuple[str, ...] = ()  # OLLAMA_ORIGINS, extra allowed CORS origins
    keep_alive_default: float = 300.0  # OLLAMA_KEEP_ALIVE in seconds
    max_loaded_models: int = 0  # OLLAMA_MAX_LOADED_MODELS; 0: automatic (3, as on a machine without GPUs)
    max_body_bytes: int = DEFAULT_MAX_BODY
    log_level: str = "warning"
    extra: dict[str, Any] = field(default_factory=dict)  # room for extensions' own settings

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def from_env(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from OLLAMA_HOST / OLLAMA_ORIGINS / OLLAMA_KEEP_ALIVE / OLLAMA_MAX_LOADED_MODELS, then
    `overrides`."""
    env = dict(os.environ) if env is None else env
    warn = None if overrides.get("port") is not None else _warn  # --port makes OLLAMA_HOST's moot
    host, port = parse_ollama_host(env.get("OLLAMA_HOST", ""), warn)
    origins = tuple(o.strip() for o in _var(env, "OLLAMA_ORIGINS").split(",") if o.strip())
    values: dict[str, Any] = {"host": host, "port": port, "origins": origins}
    if _var(env, "OLLAMA_KEEP_ALIVE"):
        values["keep_alive_default"] = _env_keep_alive(_var(env, "OLLAMA_KEEP_ALIVE"))
    if _var(env, "OLLAMA_MAX_LOADED_MODELS"):
        values["max_loaded_models"] = _env_uint(env, "OLLAMA_MAX_LOADED_MODELS", 0)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def _var(env: dict[str, str], key: str) -> str:
    """An environment variable as Ollama's envconfig.Var reads it: spaces, then quotes trimmed."""
    return env.get(key, "").strip().strip("\"'")


def parse_ollama_host(raw: str, warn: Callable[[str], None] | None = None) -> tuple[str, int]:
    """OLLAMA_HOST as Ollama's envconfig.Host reads it.

    host, host:port, scheme://host:port, ":port" (all interfaces), [v6]:port; http:// defaults
    to port 80 and https:// to 443; a bad port falls back to the default, as in Ollama, which
    logs "invalid port, using default" (`warn` gets that line).
    """
    text = raw.strip().strip("\"'")
    scheme, sep, rest = text.partition("://")
    default_port = DEFAULT_PORT
    if not sep:
        rest = text
    elif scheme in ("http", "https"):
        default_port = 80 if scheme == "http" else 443
    rest = rest.split("/", 1)[0]
    host, port_text = _split_host_port(rest)
    if port_text is None:
        return host or DEFAULT_HOST, default_port
    if not (port_text.isascii() and port_text.isdigit()) or int(port_text) > 65535:  # Go's Atoi: ASCII only
        if warn is not None:
            warn(f"OLLAMA_HOST has an invalid port {port_text!r}: using the default port {default_port}")
        return host or "0.0.0.0", default_port
    return host or "0.0.0.0", int(port_text)


def _warn(message: str) -> None:
    print(f"ollama-mock: warning: {message}", file=sys.stderr, flush=True)


def _split_host_port(text: str) -> tuple[str, str | None]:
    if text.startswith("["):  # [::1]:11434
        host, _, tail = text[1:].partition("]")
        return host, tail[1:] if tail.startswith(":") else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, port
    return text, None


def _env_uint(env: dict[str, str], key: str, default: int) -> int:
    """An unsigned setting as envconfig.Uint reads it: a bad value means the default (Ollama logs
    "invalid environment variable, using default"; the mock warns the same way)."""
    raw = _var(env, key)
    if raw.isascii() and raw.isdigit() and int(raw) < 1 << 64:  # strconv.ParseUint(s, 10, 64)
        return int(raw)
    _warn(f"{key} has value {raw!r}, not a whole number from 0: using the default {default}")
    return default


def _env_keep_alive(raw: str) -> float:
    """OLLAMA_KEEP_ALIVE as envconfig.KeepAlive reads it: a Go duration, else whole seconds, else
    the default 5m (Ollama says nothing; the mock warns, naming the value)."""
    try:
        return parse_go_duration(raw)
    except ValueError as exc:
        if re.fullmatch(r"[+-]?[0-9]+", raw) and abs(int(raw)) < 1 << 63:  # strconv.ParseInt
            # time.Duration(n) * time.Second wraps around in int64 as Go's multiplication does (a
            # negative result means forever); unwrapped, 2**62 seconds overflows Python's timedelta
            ns = (int(raw) * 1_000_000_000 + (1 << 63)) % (1 << 64) - (1 << 63)
            return ns / 1e9
        _warn(f"OLLAMA_KEEP_ALIVE has value {raw!r} ({exc}; nor whole seconds): using the default 5m")
        return 300.0
