"""Ollama-version profiles: which wire behaviours differ from current Ollama.

A Profile is data: each field names one behaviour that changed across Ollama releases (gap
numbers from compat-gaps.md). Handlers and /v1 layers read the flags; profile files in
profiles/*.json set them. The defaults are current Ollama (v0.32.15).

    profiles.names() -> ["ollama-0.12.9", "ollama-0.32", ...]
    profiles.load("ollama-0.5.11") -> Profile      (ProfileError: one line, valid names)
    profiles.load_file(path) -> Profile            (a profile file outside the package)
    profiles.load("my-profile.json") -> Profile    (the same, through --profile)
    profiles.markdown_table() -> str               (the README's table, from the files)
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ollama_conformance import contracts

from .header_text import header_value_problem
from .settings import SettingsError

DEFAULT = "ollama-0.32"
_DIR = Path(__file__).with_name("profiles")
# Keys a profile file may carry besides the Profile fields: documentation only.
_DOC_KEYS = ("changes", "summary")


class ProfileError(SettingsError):
    """An unknown profile name or a bad profile file (message: one line)."""


@dataclass(frozen=True)
class Profile:
    name: str = "ollama-0.32"
    version: str = "0.32.15"  # what /api/version reports
    description: str = "Current Ollama (v0.32.15 / v0.33.0-rc2), /v1 gaps included"
    # /v1/chat/completions stream framing: "current" (>= 0.32.6) or "legacy" (role on every
    # delta, finish_reason on the last content chunk, created taken as each chunk is written; gap 27)
    v1_stream_framing: str = "current"
    # finish_reason of a /v1 stream that sent tool calls: "tool_calls" (>= 0.5.12) or "stop" (gap 5)
    v1_stream_tool_finish_reason: str = "tool_calls"
    # "length" wins over "tool_calls" when max_tokens cut a call (>= 0.32.6; gap 6)
    v1_length_beats_tool_calls: bool = True
    # usage chunk with stream_options.include_usage (>= 0.5.2; gap 25)
    v1_usage_chunk: bool = True
    # tool_choice none/required/named honoured (never in Ollama; openai-strict only; gap 19)
    v1_tool_choice_honoured: bool = False
    # message.content null (not "") when tool calls are present (openai-strict only; gap 15)
    v1_content_null_with_tool_calls: bool = False
    # name of the reasoning field on /v1: "reasoning" (Ollama) or "reasoning_content" (gap 28)
    v1_reasoning_field: str = "reasoning"
    # what a /v1 stream does on a mid-stream error: "empty_chunk" (Ollama: one empty chunk, no
    # [DONE]) or "error_event" (openai-strict: a data: {"error": ...} event; gap 30)
    v1_midstream_error: str = "empty_chunk"
    # error "type" on /v1: "by_status" (>= 0.18.0) or "api_error" for every status (gap 31)
    v1_error_types: str = "by_status"
    # /v1 tool calls carry "index", streamed and not (>= 0.4.7, #7888; gap 7)
    v1_stream_tool_index: bool = True
    # native tool calls carry "id" call_xxxxxxxx (>= 0.12.10; gap 11)
    native_tool_call_ids: bool = True
    # native function.index: "always" (>= 0.12.6), "omitempty" (index 0 left out), "stream_only" (streamed
    # calls count up, index 0 left out; a stream:false answer's calls carry none: v0.5.x-v0.7.x), "none" (gap 23)
    native_tool_call_index: str = "always"
    # /api/chat final and load records write done_reason before done (Go's struct order before 0.12.6)
    chat_done_reason_first: bool = False
    # /api/show lists the tensors of GGUF models (>= 0.6.1, PR #9640; none in the Feb 2025 recording)
    show_tensors: bool = True
    # /api/tags entries carry capabilities and details.context_length / embedding_length (>= 0.30.0, #16215)
    tags_capabilities_and_lengths: bool = True
    # GGUF models run on llama-server (>= 0.30.0): a format schema its converter refuses is its 400,
    # passed on whole; before, the runner's 500 `invalid JSON schema in format`
    llama_server: bool = True
    # /v1/responses runs a {"type": "web_search"} tool's searches itself (>= 0.32.10, #17686)
    responses_web_search: bool = True
    # /api/ps entries carry context_length (>= 0.10.0, #11331)
    ps_context_length: bool = True
    # streamed tool calls: "parsed" (>= 0.8.0), "buffered" (v0.4.6-v0.7.x: with tools, nothing is sent until
    # a call parses or the reply ends, then the whole text in the final record; gap 2) or "as_text"
    # (before v0.4.6: the call JSON streamed as content; gap 1)
    stream_tool_calls: str = "parsed"
    # think / thinking supported (>= 0.9.0)
    thinking: bool = True
    # think "low"/"medium"/"high" taken by every thinking model; false: only gpt-oss's harmony parser
    # took a level, others 400 think value "low" is not supported for this model (v0.11.x-v0.13.5 at least)
    think_levels: bool = True
    # /api/embed and /v1/embeddings read `dimensions` (>= 0.11.11, #12242; before, an unknown field)
    # a model without the embedding capability embeds (llama-server, >= 0.30.0, and the llama.cpp runner
    # before v0.6); false: Ollama's own engine answers 501 this model does not support embeddings
    embed_any_model: bool = True
    embed_dimensions: bool = True
    # logprobs / top_logprobs read on chat, generate and /v1 (>= 0.12.11; before, unknown fields)
    logprobs: bool = True
    # /v1 chat reads `reasoning` (>= 0.11.1) and `reasoning_effort` (>= 0.11.5); before, unknown fields
    v1_reasoning: bool = True
    # gaps (compat-gaps.md row numbers) this profile reproduces beyond the default ones
    gaps: tuple[int, ...] = field(default_factory=tuple)
    # gaps current Ollama has that this profile does not show (openai-strict: 15, 19, 27, 28, 30)
    fixed_gaps: tuple[int, ...] = field(default_factory=tuple)
    # every gap the conformance suite should report against this profile
    expected_gaps: tuple[int, ...] = field(default_factory=tuple)

    def __hash__(self) -> int:
        # The generated __hash__ hashes every field, and a profile is a cache key on each request
        # (unknown_fields); equal profiles have equal names, so the name and version suffice.
        return hash((self.name, self.version))


# Allowed values of the string flags: a profile file with another value is rejected.
_CHOICES: dict[str, tuple[str, ...]] = {
    "v1_stream_framing": ("current", "legacy"),
    "v1_stream_tool_finish_reason": ("tool_calls", "stop"),
    "v1_reasoning_field": ("reasoning", "reasoning_content"),
    "v1_midstream_error": ("empty_chunk", "error_event"),
    "v1_error_types": ("by_status", "api_error"),
    "native_tool_call_index": ("always", "omitempty", "stream_only", "none"),
    "stream_tool_calls": ("parsed", "buffered", "as_text"),
}
_GAP_FIELDS = ("gaps", "fixed_gaps", "expected_gaps")
_RELEASE = re.compile(r"\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?")


# Request fields a flag's older releases did not have, by endpoint: Go ignores an unknown field
_NEWER_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "logprobs": {"POST /api/chat": ("logprobs", "top_logprobs"), "POST /api/generate": ("logprobs", "top_logprobs"),
                 "POST /v1/chat/completions": ("logprobs", "top_logprobs"),
                 "POST /v1/completions": ("logprobs",)},
    "v1_reasoning": {"POST /v1/chat/completions": ("reasoning", "reasoning_effort")},
    "embed_dimensions": {"POST /api/embed": ("dimensions",), "POST /v1/embeddings": ("dimensions",)},
    "thinking": {"POST /api/chat": ("think",), "POST /api/generate": ("think",)},  # v0.9.0
}
_THINK_MAX_SINCE = (0, 22, 0)  # think "max" (reference §5, #15787): before, api.ThinkValue refused it


@cache
def unknown_fields(profile: Profile, endpoint: str) -> frozenset[str]:
    """The top-level request fields `endpoint` did not have in `profile`'s release (its decoder
    never type-checks them), and NO_THINK_MAX where its think decoder predates "max": empty for
    current Ollama."""
    lacking = {field for flag, by_endpoint in _NEWER_FIELDS.items() if not getattr(profile, flag)
               for field in by_endpoint.get(endpoint, ())}
    ours = release(profile.version)
    if "think" not in lacking and endpoint in _NEWER_FIELDS["thinking"] and (0, 0, 0) < ours < _THINK_MAX_SINCE:
        # imported here: the CLI's parser imports profiles, and only serving needs gotypes
        from .gotypes import NO_THINK_MAX

        lacking.add(NO_THINK_MAX)
    return frozenset(lacking)


def routes_since() -> dict[str, str]:
    """Route path -> the release that added it (the contracts' `since`): a profile of an older
    version answers them as gin answers any unknown path."""
    return contracts.routes_added()


release = contracts.release  # "0.12.9" -> (0, 12, 9)


def serves_route(profile: Profile, path: str) -> bool:
    """Whether `profile`'s release had the route `path` (a route pattern such as "/v1/messages");
    0.0.0, a development build's version, has them all."""
    return not contracts.predates(profile.version, path)


def names() -> list[str]:
    """Every built-in profile name, sorted."""
    return sorted(p.stem for p in _DIR.glob("*.json"))


@cache
def load(name: str = DEFAULT) -> Profile:
    """The built-in profile `name` (profiles/<name>.json), or a profile file of your own (*.json)."""
    if name.endswith(".json"):
        if not Path(name).is_file():
            raise ProfileError(f"profile file {name!r} does not exist (built-in profiles: {', '.join(names())})")
        return load_file(name)
    path = _DIR / f"{name}.json"
    if not name or "/" in name or not path.is_file():
        raise ProfileError(f"unknown profile {name!r} (valid profiles: {', '.join(names())})")
    return load_file(path)


def load_file(path: str | Path) -> Profile:
    """A Profile from a JSON file; a bad file raises ProfileError naming the file and the key."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: [[[[... too deep for json
        raise ProfileError(f"{path}: cannot read profile: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile is a JSON object")
    return from_dict({"name": path.stem, **data}, source=str(path))  # unnamed: called after its file


def from_dict(data: dict[str, Any], *, source: str = "<profile>") -> Profile:
    """A Profile from a dict of Profile fields (plus documentation keys)."""
    fields = {f.name: f for f in dataclasses.fields(Profile)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in _DOC_KEYS:
            continue
        if key not in fields:
            valid = ", ".join(sorted([*fields, *_DOC_KEYS]))
            raise ProfileError(f"{source}: unknown key {key!r} (valid keys: {valid})")
        values[key] = _checked(source, key, value, fields[key].default)
    problem = header_value_problem(values.get("name", DEFAULT))  # it goes out in X-Ollama-Mock-Profile
    if problem is not None:
        raise ProfileError(f"{source}: name {values['name']!r} {problem}: it must fit an HTTP header")
    if "expected_gaps" not in values and source != str(_DIR / f"{DEFAULT}.json"):  # that one is the base
        values["expected_gaps"] = _derived_expected_gaps(values)
    return Profile(**values)


def _derived_expected_gaps(values: dict[str, Any]) -> tuple[int, ...]:
    """A file without expected_gaps: the default profile's, plus its gaps, minus its fixed_gaps (as
    every built-in file has them; a file's unset flags are the default profile's too)."""
    base = set(load(DEFAULT).expected_gaps) | set(values.get("gaps", ()))
    return tuple(sorted(base - set(values.get("fixed_gaps", ()))))


def _checked(source: str, key: str, value: Any, default: Any) -> Any:
    if key in _GAP_FIELDS:
        if not isinstance(value, list) or not all(
            isinstance(g, int) and not isinstance(g, bool) for g in value
        ):
            raise ProfileError(f"{source}: {key!r} must be a list of gap numbers, got {value!r}")
        return tuple(sorted(set(value)))
    if key == "version" and (not isinstance(value, str) or not _RELEASE.fullmatch(value)):
        raise ProfileError(f"{source}: version has value {value!r} (valid: a release such as 0.32.15 or 0.33.0-rc2)")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ProfileError(f"{source}: {key} has value {value!r} (valid: {', '.join(_CHOICES[key])})")
    if type(value) is not type(default):
        raise ProfileError(f"{source}: {key} must be {type(default).__name__}, got {value!r}")
    return value


def changes(name: str) -> list[dict[str, Any]]:
    """The documented behaviour changes of a profile file ([{"gap", "flag", "behaviour"}])."""
    return list(_doc(name).get("changes", []))


def _doc(name: str) -> dict[str, Any]:
    load(name)  # validates the name
    return dict(json.loads((_DIR / f"{name}.json").read_text(encoding="utf-8")))


def markdown_table() -> str:
    """The README's profile table, generated from the profile files (so the docs cannot drift)."""

    def order(name: str) -> tuple[int, tuple[int, ...]]:
        if name == DEFAULT:
            return (0, ())
        if name.startswith("ollama-"):
            return (1, tuple(-int(x) for x in name[len("ollama-") :].split(".")))
        return (2, ())

    rows = [
        "| profile | `/api/version` | behaviours changed vs `ollama-0.32` | gaps (compat-gaps.md rows) |",
        "|---|---|---|---|",
    ]
    for name in sorted(names(), key=order):
        p, doc = load(name), _doc(name)
        shown = "; ".join(
            f"{c['behaviour']}" + (f" ({c['gap']})" if c.get("gap") else "") for c in doc.get("changes", [])
        )
        parts = [f"adds {', '.join(map(str, p.gaps))}"] if p.gaps else []
        parts += [f"does not show {', '.join(map(str, p.fixed_gaps))}"] if p.fixed_gaps else []
        gaps = "; ".join(parts) or "expected: " + ", ".join(map(str, p.expected_gaps))
        label = f"`{name}`" + (" (default)" if name == DEFAULT else "")
        rows.append(f"| {label} | {p.version} | {doc.get('summary') or shown} | {gaps} |")
    return "\n".join(rows) + "\n"
