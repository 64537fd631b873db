"""Cassettes: recorded exchanges with a real Ollama, one JSON file each, in a directory.

    {"version": 1, "endpoint": "POST /api/chat",
     "request":  {"method": "POST", "path": "/api/chat", "query": "", "body": {...}},
     "response": {"status": 200, "content_type": "application/x-ndjson", "headers": {...},
                  "stream": true, "records": [{"t": 0.012, "data": "{...}\n"}, ...]},
     "violations": ["$.message.role: ..."]}

Non-stream answers keep the body text in "body" instead of "records". Stream records keep
the line (NDJSON) or event (SSE) boundaries and the seconds since the answer started ("t").
Files are written atomically (temp file + os.replace): an interrupted recording never leaves a
half-written file. Matching key (replay): method + path + canonical JSON body (sorted keys,
message roles lower-cased, volatile request fields dropped: VOLATILE_REQUEST_FIELDS).
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ollama_conformance.files import write_atomic

from .header_text import header_value_problem

VERSION = 1
VOLATILE_REQUEST_FIELDS = ("keep_alive",)  # changes nothing in what the model says
# Bodies that are not JSON (a blob's bytes, a multipart audio upload): kept only as a summary, and
# matched on method and path alone (the blob's path names its digest already).
UNPARSED_BODY_ENDPOINTS = frozenset({"POST /api/blobs/{digest}", "POST /v1/audio/transcriptions"})
KEPT_HEADERS = ("retry-after", "cache-control")


class CassetteError(ValueError):
    """A cassette directory or file that cannot be used (one line naming the file)."""


@dataclass
class Exchange:
    method: str
    path: str
    query: str = ""
    body: Any = None  # request body: parsed JSON, or text, or a summary of bytes that are not text, or None
    status: int = 200
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stream: bool = False
    text: str = ""  # non-stream response body
    records: list[tuple[float, str]] = field(default_factory=list)  # (seconds, raw record)
    violations: list[str] = field(default_factory=list)
    endpoint: str | None = None

    def key(self) -> str:
        return request_key(self.method, self.path, None if self.endpoint in UNPARSED_BODY_ENDPOINTS else self.body)

    def to_json(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "status": self.status,
            "content_type": self.content_type,
            "headers": self.headers,
            "stream": self.stream,
        }
        if self.stream:
            response["records"] = [{"t": round(t, 4), "data": d} for t, d in self.records]
        else:
            response["body"] = self.text
        return {
            "version": VERSION,
            "endpoint": self.endpoint,
            "request": {"method": self.method, "path": self.path, "query": self.query, "body": self.body},
            "response": response,
            "violations": self.violations,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exchange:
        req, resp = data["request"], data["response"]
        if data.get("version", VERSION) != VERSION:
            raise ValueError(f"version {data['version']!r}: this ollama-mock reads cassette version {VERSION}")
        _check_request(req)
        _check_response(resp)
        return cls(
            method=str(req["method"]).upper(),
            path=str(req["path"]),
            query=str(req.get("query", "")),
            body=req.get("body"),
            status=int(resp["status"]),
            content_type=resp.get("content_type"),
            headers=dict(resp.get("headers", {})),
            stream=bool(resp.get("stream", False)),
            text=str(resp.get("body", "")),
            records=[(float(r["t"]), str(r["data"])) for r in resp.get("records", [])],
            violations=list(data.get("violations", [])),
            endpoint=data.get("endpoint"),
        )


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token


def _check_request(req: dict[str, Any]) -> None:
    """ValueError for a hand-edited request that str() would turn into another one ("None", "5")."""
    for key in ("method", "path"):
        if not isinstance(req[key], str):
            raise ValueError(f"request {key} {req[key]!r} is not a string")


def _check_types(resp: dict[str, Any]) -> None:
    """ValueError for a hand-edited answer that str()/bool() would turn into other bytes:
    "stream": "false" is true, "data": null would be sent as "None"."""
    for key, kinds in (("content_type", (str, type(None))), ("body", (str,)), ("stream", (bool,)),
                       ("records", (list,))):
        if key in resp and not isinstance(resp[key], kinds):
            raise ValueError(f"response {key} {resp[key]!r} is not {' or '.join(k.__name__ for k in kinds)}")
    for record in resp.get("records", []):
        t = record["t"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t < math.inf:  # NaN fails too
            raise ValueError(f"stream record t {t!r} is not seconds since the answer began (a finite number >= 0)")
        if not isinstance(record["data"], str):
            raise ValueError(f"stream record data {record['data']!r} is not a string")


def _check_response(resp: dict[str, Any]) -> None:
    """ValueError for what the server could not send back (a hand-edited cassette): a status
    without a reason phrase, a header that is no header."""
    status = resp["status"]
    if not isinstance(status, int) or isinstance(status, bool) or status not in _STATUSES:
        raise ValueError(f"response status {status!r} is not an HTTP status")
    _check_types(resp)
    headers = resp.get("headers", {})
    if not isinstance(headers, dict):
        raise ValueError(f"response headers are {type(headers).__name__}, not an object")
    if resp.get("content_type"):
        headers = {**headers, "content_type": resp["content_type"]}  # it goes out as a header too
    for name, value in headers.items():
        problem = None if _HEADER_NAME.fullmatch(str(name)) else "is no header name"
        problem = problem or header_value_problem(str(value))
        if problem is not None:
            raise ValueError(f"response header {name!r}: {value!r} {problem}")


_STATUSES = frozenset(int(status) for status in HTTPStatus)


def request_key(method: str, path: str, body: Any) -> str:
    """What a replayed request must equal: method, path and canonical body."""
    return f"{method.upper()} {path} {json.dumps(_canonical(body), sort_keys=True, separators=(',', ':'))}"


def _canonical(body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    out = {k: v for k, v in body.items() if k not in VOLATILE_REQUEST_FIELDS}
    if isinstance(out.get("messages"), list):
        out["messages"] = [
            {**m, "role": m["role"].lower()} if isinstance(m, dict) and isinstance(m.get("role"), str) else m
            for m in out["messages"]
        ]
    return out


class Writer:
    """Writes exchanges as NNNN-<method>-<path>.json files, atomically, numbering on from the
    files already in the directory."""

    def __init__(self, directory: str | Path) -> None:
        if not str(directory).strip():  # Path("") is the current directory: not what `--cassette ""` meant
            raise CassetteError(f"--cassette {str(directory)!r}: expected a folder")
        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CassetteError(
                f"--cassette {str(directory)!r}: cannot create directory: {exc.strerror or exc}"
            ) from None
        self._lock = threading.Lock()
        self._next = _after_last(self.dir)

    def write(self, exchange: Exchange) -> Path:
        with self._lock:
            number = self._next
            self._next += 1
        # names from the request, cut: a file name has 255 bytes at most (a longer one loses the exchange)
        slug = re.sub(r"[^a-z0-9]+", "-", exchange.path.lower())[:_SLUG_CHARS].strip("-") or "root"
        method = re.sub(r"[^a-z0-9]+", "-", exchange.method.lower())[:_SLUG_CHARS].strip("-") or "method"
        path = self.dir / f"{number:04d}-{method}-{slug}.json"
        self.dir.mkdir(parents=True, exist_ok=True)  # removed while recording (a clean-up step): made again
        write_atomic(path, (json.dumps(exchange.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
        return path


_SLUG_CHARS = 64  # of the method and of the path, in a cassette file's name


def _after_last(directory: Path) -> int:
    """The number after the highest NNNN- prefix in `directory` (0 when none): a resumed recording
    goes on after the last file, whatever was deleted in between, and never replaces one."""
    numbers = [int(m.group(1)) for p in directory.glob("*.json") if (m := re.match(r"(\d+)-", p.name))]
    return max(numbers) + 1 if numbers else 0


def read_all(directory: str | Path) -> list[Exchange]:
    """Every exchange in `directory`, in file-name (= recording) order."""
    root = Path(directory)
    if not root.is_dir():
        raise CassetteError(f"--cassette {str(directory)!r}: not a directory")
    out = []
    for path in sorted(root.glob("*.json")):
        try:
            out.append(Exchange.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: [[[[...
            raise CassetteError(f"{path}: not a cassette file ({type(exc).__name__}: {exc})") from None
    return out
