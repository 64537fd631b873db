"""Every recorded /v1 exchange (shared/recorded) against the /v1 contracts of its era.

Each file is mapped to the contract that should describe it: "current" (v0.32.6 and later) or a
version variant of contracts/variants/openai.json, with the reason. The body (or every data:
payload of a stream, [DONE] excepted) must pass that contract; whether it also passes the current
one is part of the table, so a variant that stops being needed, or a current schema loosened to
accept an old quirk, both fail here. Cross-chunk rules (role only on the first chunk, ...) belong
to the stream grammars and are not checked here.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from ollama_conformance import contracts

RECORDED = Path(__file__).resolve().parents[2].parent / "shared" / "recorded"
if not RECORDED.is_dir():
    if os.environ.get("CI"):  # CI always has ../shared beside the checkout: never skip there
        raise RuntimeError(f"no recorded exchanges at {RECORDED}")
    pytest.skip(f"no recorded exchanges at {RECORDED}", allow_module_level=True)

CURRENT = "current"
LEGACY_STREAM = "stream-framing-before-0.32.6"
API_ERROR = "legacy-stream-api-error-before-0.18.0"
NO_REASONING = "no-reasoning-before-0.11.1"
MODELS_BY_NAME = "id-from-name-api-error-before-0.18.0"
EMPTY_FINISH = "empty-finish-reason-before-0.1.37"


class Expect(NamedTuple):
    contract: str  # "current" or a variant name of the file's endpoint
    passes_current: bool  # whether the current documents accept it too
    reason: str


TABLE: dict[str, Expect] = {
    "0135-v1-chat-completions-nonstream.json": Expect(API_ERROR, True, "0.13.5 lies in 0.11.1-0.18.0; non-stream shape unchanged since"),
    "0135-v1-chat-completions-stream-excerpt.json": Expect(API_ERROR, True, "0.13.5: legacy framing, but these three chunks only break the grammar (role on every chunk)"),
    "0135-v1-chat-completions-stream-length-excerpt.json": Expect(API_ERROR, False, "0.13.5: finish_reason length rides on a {role, content} delta (gap 27)"),
    "0135-v1-models.json": Expect(MODELS_BY_NAME, True, "0.13.5 < 0.30.7: ids from name, same shape"),
    "cloud2604-v1-chat-completions-json-object.json": Expect(LEGACY_STREAM, True, "ollama.com 2026-04 (0.18.0-0.32.5 era); non-stream shape as today"),
    "cloud2604-v1-chat-completions-tool-call.json": Expect(LEGACY_STREAM, True, "ollama.com 2026-04; tool call with id, index, type, string arguments"),
    "cloud2604-v1-chat-completions-tools-not-called.json": Expect(LEGACY_STREAM, True, "ollama.com 2026-04; no tool_calls key when none"),
    "cloud2608-v1-chat-completions-400-context-length.json": Expect(CURRENT, True, "ollama.com 2026-08: OpenAI envelope, 400 invalid_request_error"),
    "cloud2608-v1-chat-completions-401.json": Expect(CURRENT, True, "ollama.com 2026-08: 401 is api_error (any status but 400/404)"),
    "cloud2608-v1-chat-completions-nonstream.json": Expect(CURRENT, True, "ollama.com 2026-08, after 0.32.6"),
    "cloud2608-v1-chat-completions-stream-tool-call.json": Expect(CURRENT, True, "ollama.com 2026-08: role first only, {} finish chunk, usage chunk"),
    "cloud2608-v1-chat-completions-stream-usage.json": Expect(CURRENT, True, "ollama.com 2026-08: the 0.32.6 framing"),
    "cloud2608-v1-chat-completions-tool-call.json": Expect(CURRENT, True, "ollama.com 2026-08, after 0.32.6"),
    "u2404-v1-chat-completions-nonstream.json": Expect(EMPTY_FINISH, True, "April 2024, before 0.1.37 (May 2024): plain answer, no reasoning key"),
    "u2504-v1-chat-completions-stream-basic.json": Expect(NO_REASONING, False, "April 2025 (0.6.x): finish_reason stop on a {role, content:\"\"} delta"),
    "u2504-v1-chat-completions-stream-chunk-content-and-stop.json": Expect(NO_REASONING, False, "April 2025: content and stop in one chunk"),
    "u2504-v1-chat-completions-stream-parallel-tool-calls.json": Expect(NO_REASONING, False, "April 2025: indexed tool calls (>= 0.4.7), tool_calls reason on a {role, content} delta"),
    "u2504-v1-chat-completions-stream-single-chunk-escaped-2.json": Expect(NO_REASONING, False, "April 2025: whole answer and stop in one chunk"),
    "u2504-v1-chat-completions-stream-single-chunk-escaped.json": Expect(NO_REASONING, False, "April 2025: whole answer and stop in one chunk"),
    "u2504-v1-chat-completions-stream-tool-call.json": Expect(NO_REASONING, False, "April 2025: tool call with index, finish on a {role, content} delta"),
    "u2506-v1-chat-completions-think-tags-in-content.json": Expect(NO_REASONING, True, "June 2025: <think> inside content, no reasoning field"),
    "u2507-v1-chat-completions-stream-think-tags-usage.json": Expect(NO_REASONING, False, "July 2025: <think> text as content, stop on a {role, content} delta"),
    "u2508-v1-chat-completions-stream-chunk-reasoning.json": Expect(API_ERROR, True, "August 2025 gpt-oss: reasoning delta, so >= 0.11.1; legacy role+content"),
    "u2604-v1-chat-completions-json-schema.json": Expect(LEGACY_STREAM, True, "local April 2026 (0.18.0-0.32.5 era); keys re-sorted by the recorder"),
    "u2606-v1-chat-completions-after-tool-result.json": Expect(LEGACY_STREAM, True, "local June 2026, before 0.32.6"),
    "u2606-v1-chat-completions-image-input.json": Expect(LEGACY_STREAM, True, "local June 2026; no reasoning key for a non-thinking model"),
    "u2606-v1-chat-completions-json-object.json": Expect(LEGACY_STREAM, True, "local June 2026"),
    "u2606-v1-chat-completions-nonstream-reasoning.json": Expect(LEGACY_STREAM, True, "local June 2026; reasoning after content"),
    "u2606-v1-chat-completions-parallel-tool-calls.json": Expect(LEGACY_STREAM, True, "local June 2026; two indexed calls, arguments \"{}\""),
    "u2606-v1-chat-completions-stream-tool-call-usage.json": Expect(LEGACY_STREAM, False, "local June 2026: tool_calls reason on a {role, content} delta"),
}

# First release of the versions that bound the variants (reference §5): a recording cannot be
# older than the release its contract starts at.
RELEASED = {"0.1.37": "2024-05", "0.3.3": "2024-08", "0.4.7": "2024-11-29", "0.11.1": "2025-08-05", "0.13.3": "2025-12-11",
            "0.18.0": "2026-03", "0.30.7": "2026-06", "0.32.6": "2026-08-04"}


def _recorded() -> list[str]:
    names = []
    for path in sorted(RECORDED.glob("*.json")):
        if path.name != "README.json" and " /v1/" in json.loads(path.read_text(encoding="utf-8"))["endpoint"]:
            names.append(path.name)
    return names


@cache
def _load(name: str) -> dict[str, Any]:
    return dict(json.loads((RECORDED / name).read_text(encoding="utf-8")))


def _kind_and_bodies(record: dict[str, Any]) -> tuple[str, list[Any]]:
    """(request kind, the JSON documents to check) of one recorded exchange."""
    if record["response_kind"] == "sse":
        raw = record.get("response_raw")
        payloads = [ln[len("data: "):] for ln in raw.split("\n") if ln.startswith("data: ")] if raw else record["response"]
        return "chunk", [json.loads(p) if isinstance(p, str) else p for p in payloads if p != "[DONE]"]
    body = json.loads(record["response_raw"]) if record.get("response_raw") else record["response"]
    return ("error" if record["status"] != 200 else "response"), [body]


def _document(endpoint: str, kind: str, contract: str) -> str:
    """The schema path of `kind` under `contract`: the variant's own document, else the current one."""
    op = contracts.operation(endpoint)
    current = {"response": op["response"]["schema"], "chunk": (op["stream"] or {}).get("chunk"),
               "error": op["errors"]["schema"]}[kind]
    if contract == CURRENT:
        return str(current)
    variants = {v["name"]: v for v in op["variants"]}
    assert contract in variants, f"{endpoint} has no variant {contract!r}; known: {sorted(variants)}"
    return str(variants[contract].get(kind, current))


def _failures(shim: Any, path: str, bodies: list[Any]) -> list[str]:
    found = []
    for i, body in enumerate(bodies):
        found += [f"#{i} $/{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in shim.validator(path).iter_errors(body)]
    return found


def test_table_covers_every_recorded_v1_exchange() -> None:
    assert sorted(TABLE) == _recorded()


@pytest.mark.parametrize("name", sorted(TABLE))
def test_recorded_body_passes_the_contract_of_its_era(name: str, schema_shim: Any) -> None:
    record, expect = _load(name), TABLE[name]
    kind, bodies = _kind_and_bodies(record)
    assert bodies, f"{name}: nothing to check"
    assert _failures(schema_shim, _document(record["endpoint"], kind, expect.contract), bodies) == [], expect.reason


@pytest.mark.parametrize("name", sorted(TABLE))
def test_current_contract_accepts_exactly_what_the_table_says(name: str, schema_shim: Any) -> None:
    record, expect = _load(name), TABLE[name]
    kind, bodies = _kind_and_bodies(record)
    failures = _failures(schema_shim, _document(record["endpoint"], kind, CURRENT), bodies)
    assert (not failures) == expect.passes_current, failures[:3] or expect.reason


@pytest.mark.parametrize("name", sorted(TABLE))
def test_contract_era_is_consistent_with_the_recording(name: str) -> None:
    record, expect = _load(name), TABLE[name]
    op = contracts.operation(record["endpoint"])
    if expect.contract == CURRENT:
        since, until = "0.32.6", None
    else:
        variant = next(v for v in op["variants"] if v["name"] == expect.contract)
        since, until = variant["since"], variant["until"]
    if since is not None:
        assert RELEASED[since] <= record["recorded_at"][: len(RELEASED[since])], f"recorded before {since} existed"
    version = record["ollama_version"]
    if re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", version):  # a known version must lie in the contract's range
        parse = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
        assert since is None or parse(since) <= parse(version)
        assert until is None or parse(version) < parse(until)
