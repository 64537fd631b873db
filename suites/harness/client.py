"""An httpx client that records every exchange, so a failing check can show and reproduce it."""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ollama_conformance import contracts

MAX_BODY = 4 * 1024 * 1024  # bound what we keep of one response


@dataclass
class Exchange:
    """One request and what came back (the body is kept raw: streams are parsed by checks)."""

    method: str
    base_url: str
    path: str
    body: Any = None
    raw_body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    elapsed_s: float = 0.0
    # seconds from sending to the arrival of the first and of the last body chunk (None: no body)
    first_chunk_s: float | None = None
    last_chunk_s: float | None = None
    transport_error: str = ""  # e.g. the connection dropped mid-stream

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def body_span_s(self) -> float:
        """Seconds between the first and the last body chunk's arrival (0 for one chunk or none)."""
        if self.first_chunk_s is None or self.last_chunk_s is None:
            return 0.0
        return self.last_chunk_s - self.first_chunk_s

    def request_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "url": self.base_url + self.path}
        if self.body is not None:
            out["body"] = self.body
        elif self.raw_body is not None:
            out["raw_body"] = self.raw_body.decode("utf-8", errors="replace")
        if self.headers:
            out["headers"] = dict(self.headers)
        return out

    def curl(self) -> str:
        return curl_command(self)


def curl_command(ex: Exchange) -> str:
    """A one-line curl that replays the request."""
    parts = ["curl", "-sS"]
    if ex.method == "HEAD":
        parts.append("-I")
    elif ex.method != "GET" or ex.body is not None or ex.raw_body is not None:
        parts += ["-X", ex.method]
    for name, value in ex.headers.items():
        parts += ["-H", f"{name}: {value}"]
    if ex.body is not None:
        parts += ["-H", "Content-Type: application/json"]
        parts += ["-d", json.dumps(ex.body, separators=(",", ":"), ensure_ascii=False)]
    elif ex.raw_body is not None:
        parts += ["--data-binary", ex.raw_body.decode("utf-8", errors="replace")]
    parts.append(ex.base_url + ex.path)
    return " ".join(shlex.quote(p) for p in parts)


class Client:
    """Thin wrapper over httpx.Client; `exchanges` lists what this check sent, in order."""

    def __init__(self, base_url: str, timeout: float, extra_headers: dict[str, str] | None = None,
                 server_version: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.extra_headers = dict(extra_headers or {})
        self.server_version = server_version  # what /api/version said: routes newer than it may be missing
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self.exchanges: list[Exchange] = []

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one request and read the whole response; a dropped connection keeps what arrived."""
        hdrs = {**self.extra_headers, **(headers or {})}
        ex = Exchange(method=method, base_url=self.base_url, path=path, body=body, raw_body=raw, headers=hdrs)
        self.exchanges.append(ex)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        send_headers = dict(hdrs)
        if body is not None:
            send_headers.setdefault("Content-Type", "application/json")
        start = time.perf_counter()
        chunks: list[bytes] = []
        try:
            with self._http.stream(method, path, content=data, headers=send_headers) as resp:
                ex.status = resp.status_code
                ex.response_headers = {k.lower(): v for k, v in resp.headers.items()}
                size = 0
                for chunk in resp.iter_raw():
                    ex.last_chunk_s = time.perf_counter() - start
                    if ex.first_chunk_s is None:
                        ex.first_chunk_s = ex.last_chunk_s
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_BODY:
                        break
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            ex.transport_error = f"{type(exc).__name__}: {exc}"
        ex.content = b"".join(chunks)
        ex.elapsed_s = time.perf_counter() - start
        _skip_if_route_is_newer(ex, method, self.server_version)
        return ex

    def get(self, path: str, **kw: Any) -> Exchange:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Exchange:
        return self.request("POST", path, body, **kw)


def _skip_if_route_is_newer(ex: Exchange, method: str, server_version: str) -> None:
    """gin's 404 from a route Ollama added after the server's release (the contracts' `since`):
    the check cannot run there, which is no finding against that release."""
    if ex.status != 404 or ex.content != b"404 page not found" or not server_version:
        return
    path = ex.path.split("?", 1)[0]
    if contracts.predates(server_version, path):
        since = contracts.routes_added()[path]
        pytest.skip(f"{method} {ex.path} came in Ollama v{since}; the server (v{server_version}) predates it")
