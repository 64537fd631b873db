"""Installed models: GET /api/tags, POST /api/show, GET /api/ps, POST /api/copy, DELETE /api/delete.

Messages and their check order follow reference §4.3; shapes follow §1.11-1.17.
"""

from __future__ import annotations

import json
from typing import Any

from .. import names
from ..clock import format_local
from ..errors import OllamaError
from ..outcome import RequestInfo, Single
from ..state import ModelEntry, State

_ARRAY_LIMIT = 5  # show replaces longer model_info arrays with [] unless verbose


def text_field(body: dict[str, Any], key: str) -> str:
    """A string field, "" when absent or of another type."""
    value = body.get(key)
    return value if isinstance(value, str) else ""


def model_field(body: dict[str, Any]) -> str:
    """`model`, or its deprecated alias `name` (Go: cmp.Or(req.Model, req.Name))."""
    value = body.get("model") or body.get("name") or ""
    return value if isinstance(value, str) else ""


def details_of(entry: ModelEntry) -> dict[str, Any]:
    keys = ("parent_model", "format", "family", "families", "parameter_size", "quantization_level")
    return {key: entry.details.get(key, None if key == "families" else "") for key in keys}


def run_tags(state: State, info: RequestInfo) -> Single:
    zone = state.clock.local_zone()
    models = [
        {"name": e.name, "model": e.name, "modified_at": format_local(e.modified_at, zone), "size": e.size,
         "digest": e.digest, "details": details_of(e), "capabilities": list(e.capabilities)}
        for e in state.models.list()
    ]
    return Single({"models": models})


def run_ps(state: State, info: RequestInfo) -> Single:
    zone = state.clock.local_zone()
    models = [
        {"name": e.name, "model": e.name, "size": e.size, "digest": e.digest, "details": details_of(e),
         "expires_at": format_local(expires, zone), "size_vram": vram, "context_length": ctx}
        for e, expires, vram, ctx in state.models.loaded()
    ]
    return Single({"models": models})


def run_show(state: State, body: dict[str, Any], info: RequestInfo) -> Single:
    requested = model_field(body)
    if not requested:
        raise OllamaError.of("model_required")
    if not names.is_valid(requested):
        raise OllamaError.of("invalid_model_name")
    entry = state.models.get(requested)
    if entry is None:
        raise OllamaError.of("show_not_found", model=names.display(requested))
    verbose = body.get("verbose") is True
    system = text_field(body, "system") or entry.system
    options = body["options"] if isinstance(body.get("options"), dict) else {}
    parameters = {**entry.parameters, **options}
    out: dict[str, Any] = {}
    if entry.license:
        out["license"] = entry.license
    out["modelfile"] = modelfile(entry, system, parameters)
    if parameters:
        out["parameters"] = parameters_text(parameters)
    if entry.template:
        out["template"] = entry.template
    if system:
        out["system"] = system
    out["details"] = details_of(entry)
    if entry.messages:
        out["messages"] = entry.messages
    out["model_info"] = _model_info(entry, verbose)
    if "vision" in entry.capabilities:
        out["projector_info"] = {"clip.has_vision_encoder": True, "clip.vision.embedding_length": 1024,
                                 "clip.vision.image_size": 336, "general.architecture": "clip"}
    if verbose:
        out["tensors"] = _tensors(entry)
    if entry.capabilities:
        out["capabilities"] = list(entry.capabilities)
    out["modified_at"] = format_local(entry.modified_at, state.clock.local_zone())
    return Single(out)


def _model_info(entry: ModelEntry, verbose: bool) -> dict[str, Any]:
    info = {}
    for key in sorted(entry.model_info):  # a Go map: keys come out sorted
        if key in ("general.name", "tokenizer.chat_template"):
            continue
        value = entry.model_info[key]
        info[key] = [] if isinstance(value, list) and len(value) > _ARRAY_LIMIT and not verbose else value
    return info


def _tensors(entry: ModelEntry) -> list[dict[str, Any]]:
    width = entry.embedding_length or 1024
    vocab = 32000 + int(entry.digest[:4], 16)
    return [
        {"name": "token_embd.weight", "type": entry.details.get("quantization_level", "F16"), "shape": [width, vocab]},
        {"name": "blk.0.attn_norm.weight", "type": "F32", "shape": [width]},
        {"name": "output_norm.weight", "type": "F32", "shape": [width]},
    ]


def go_value(value: Any) -> str:
    """Go's %#v of a decoded JSON value (strings quoted, whole floats without a fraction)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parameters_text(parameters: dict[str, Any]) -> str:
    lines: list[str] = []
    for key in sorted(parameters):
        values = parameters[key] if isinstance(parameters[key], list) else [parameters[key]]
        lines.extend(f"{key:<30} {go_value(value)}" for value in values)
    return "\n".join(lines)


def modelfile(entry: ModelEntry, system: str, parameters: dict[str, Any]) -> str:
    model_layer = entry.layers()[0][1].replace(":", "-")
    parts = [
        '# Modelfile generated by "ollama show"',
        "# To build a new Modelfile based on this, replace FROM with:",
        f"# FROM {entry.name}",
        "",
        f"FROM /root/.ollama/models/blobs/{model_layer}",
    ]
    if entry.template:
        parts.append(f'TEMPLATE """{entry.template}"""')
    if system:
        parts.append(f'SYSTEM """{system}"""')
    for key in sorted(parameters):
        values = parameters[key] if isinstance(parameters[key], list) else [parameters[key]]
        parts.extend(f"PARAMETER {key} {value if isinstance(value, str) else go_value(value)}" for value in values)
    if entry.license:
        parts.append(f'LICENSE """{entry.license}"""')
    return "\n".join(parts) + "\n"


def run_copy(state: State, body: dict[str, Any], info: RequestInfo) -> Single:
    source, destination = text_field(body, "source"), text_field(body, "destination")
    if not names.is_valid(source):
        raise OllamaError.of("copy_source_invalid", source=source)
    if not names.is_valid(destination):
        raise OllamaError.of("copy_destination_invalid", destination=destination)
    entry = state.models.get(source)
    if entry is None:
        raise OllamaError.of("model_not_found_quoted", model=source)
    state.models.copy(entry, destination)
    return Single(None, content_type=None)


def run_delete(state: State, body: dict[str, Any], info: RequestInfo) -> Single:
    requested = model_field(body)
    if not requested:
        raise OllamaError.of("model_required")
    if names.has_local_and_cloud(requested):
        raise OllamaError.of("local_and_cloud", model=requested)
    if not names.is_valid(requested):
        raise OllamaError.of("delete_name_invalid", name=requested)
    entry = state.models.get(requested)
    if entry is None:
        raise OllamaError.of("model_not_found", model=requested)
    state.models.delete(entry)
    return Single(None, content_type=None)
