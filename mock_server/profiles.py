"""Ollama-version profiles: which wire behaviours differ from current Ollama.

A Profile is data: each field names one behaviour that changed across Ollama releases (gap
numbers from compat-gaps.md). Handlers and /v1 layers read the flags; profile files in
profiles/*.json set them. The defaults are current Ollama (v0.32.15).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    name: str = "ollama-0.32"
    version: str = "0.32.15"  # what /api/version reports
    description: str = "Current Ollama (v0.32.15 / v0.33.0-rc2), /v1 gaps included"
    # /v1/chat/completions stream framing: "current" (>= 0.32.6) or "legacy" (role on every
    # delta, finish_reason on the last content chunk, created per chunk; gap 27)
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
    # streamed /v1 tool-call deltas carry "index" (>= 0.4.7; gap 7)
    v1_stream_tool_index: bool = True
    # native tool calls carry "id" call_xxxxxxxx (>= 0.12.10; gap 11)
    native_tool_call_ids: bool = True
    # native function.index: "always" (>= 0.12.6), "omitempty" (index 0 left out), "none" (gap 23)
    native_tool_call_index: str = "always"
    # streamed tool calls: "parsed" (>= 0.4.6) or "as_text" (call JSON streamed as content; gap 1)
    stream_tool_calls: str = "parsed"
    # think / thinking supported (>= 0.9.0)
    thinking: bool = True
    # gaps (compat-gaps.md row numbers) this profile reproduces beyond the default ones
    gaps: tuple[int, ...] = field(default_factory=tuple)
