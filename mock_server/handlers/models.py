"""Installed models: GET /api/tags, POST /api/show, GET /api/ps, POST /api/copy, DELETE /api/delete.

Messages and their check order follow reference §4.3; shapes follow §1.11-1.17.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .. import names
from ..clock import format_local
from ..errors import OllamaError
from ..outcome import RequestInfo, Single
from ..state import ModelEntry, State
from ..wire import DELIBERATE
from .blobs import blob_path

# show leaves long model_info arrays out unless verbose: the model is read with a cap on array
# sizes (1024), and an array past it marshals as null. The recorded shows have the tokenizer's
# arrays null and general.languages (8 entries) whole; the catalogue's tokenizer arrays are short
# stand-ins for arrays far past the cap, so they count as long whatever their length.
_ARRAY_LIMIT = 1024
_DETAIL_KEYS = ("parent_model", "format", "family", "families", "parameter_size", "quantization_level")
_LENGTH_KEYS = ("context_length", "embedding_length")
# First releases with a field, so older profiles leave it out.


def text_field(body: dict[str, Any], key: str) -> str:
    """A string field, "" when absent or of another type."""
    value = body.get(key)
    return value if isinstance(value, str) else ""


def model_field(body: dict[str, Any]) -> str:
    """`model`, or its deprecated alias `name` (Go: cmp.Or(req.Model, req.Name))."""
    value = body.get("model") or body.get("name") or ""
    return value if isinstance(value, str) else ""


def details_of(entry: ModelEntry) -> dict[str, Any]:
    """ModelDetails as /api/show sends it: the six fields that are always present."""
    return {key: entry.details.get(key, None if key == "families" else "") for key in _DETAIL_KEYS}


def _config_details(entry: ModelEntry) -> dict[str, Any]:
    """ModelDetails as /api/tags and /api/ps build it from the config blob, which has no parent
    model: `parent_model` is always ""."""
    return {**details_of(entry), "parent_model": ""}


def _listed_details(entry: ModelEntry) -> dict[str, Any]:
    """ModelDetails of a /api/tags entry: the six fields plus the model's context and embedding length."""
    return {**_config_details(entry), **_lengths(entry)}


def _lengths(entry: ModelEntry) -> dict[str, int]:
    """`<arch>.context_length` and `<arch>.embedding_length` of the metadata; omitempty drops 0 and absent."""
    found = {key: int(entry.model_info.get(f"{entry.architecture}.{key}") or 0) for key in _LENGTH_KEYS}
    return {key: value for key, value in found.items() if value > 0}


def run_tags(state: State, info: RequestInfo) -> Single:
    zone = state.clock.local_zone()
    recent = state.profile.tags_capabilities_and_lengths
    return Single({"models": [_listed(e, zone, recent) for e in state.models.list()]})


def _listed(entry: ModelEntry, zone: Any, recent: bool) -> dict[str, Any]:
    """One /api/tags entry; `recent`: with the fields v0.30.0 added (capabilities, two lengths)."""
    out: dict[str, Any] = {"name": entry.name, "model": entry.name, "modified_at": format_local(entry.modified_at, zone),
                           "size": entry.size, "digest": entry.digest,
                           "details": _listed_details(entry) if recent else _config_details(entry)}
    if recent:
        out["capabilities"] = list(entry.capabilities)
    return out


def run_ps(state: State, info: RequestInfo) -> Single:
    zone = state.clock.local_zone()
    models = [
        # size: weights and KV cache, all of it on the GPU (size_vram) as on the machines recorded
        {"name": e.name, "model": e.name, "size": size, "digest": e.digest, "details": _config_details(e),
         "expires_at": format_local(expires, zone), "size_vram": size, "context_length": ctx}
        for e, expires, size, ctx in state.models.loaded()
    ]
    if not state.profile.ps_context_length:  # the release's shape: contracts variant ps.response.before-0.10.0
        for model in models:
            del model["context_length"]
        return Single({"models": models}, headers={DELIBERATE: "ps_context_length=false"})
    return Single({"models": models})


def run_show(state: State, body: dict[str, Any], info: RequestInfo) -> Single:
    requested = model_field(body)
    if not requested:
        raise OllamaError.of("model_required")
    entry = shown_model(state, requested)
    verbose = body.get("verbose") is True
    system = text_field(body, "system") or entry.system
    options = body["options"] if isinstance(body.get("options"), dict) else {}
    out: dict[str, Any] = {}
    if entry.licenses:
        out["license"] = "\n".join(entry.licenses)
    out["modelfile"] = modelfile(entry, system, {**entry.parameters, **options})  # the request's options only here
    if entry.parameters:
        out["parameters"] = parameters_text(entry.parameters)
    if entry.template:
        out["template"] = entry.template
    if system:
        out["system"] = system
    for key in ("renderer", "parser"):
        if getattr(entry, key):
            out[key] = getattr(entry, key)
    out["details"] = details_of(entry)
    if entry.messages:
        out["messages"] = entry.messages
    out["model_info"] = _model_info(entry, verbose)
    if info.headers.get("user-agent", "").startswith("GitHubCopilotChat/"):
        # Ollama's workaround for Copilot Chat, which shows the basename: the name it asked for
        out["model_info"] = dict(sorted({**out["model_info"], "general.basename": requested}.items()))
    if "vision" in entry.capabilities:
        out["projector_info"] = {"clip.has_vision_encoder": True, "clip.vision.embedding_length": 1024,
                                 "clip.vision.image_size": 336, "general.architecture": "clip"}
    if _shows_tensors(state, entry, verbose):
        out["tensors"] = _tensors(entry)
    # every profile shows them, though Ollama added them in v0.6.4 (#10066): the conformance suite
    # finds its models by them, and has no other way to tell what an older model can do
    if entry.capabilities:
        out["capabilities"] = list(entry.capabilities)
    out["modified_at"] = format_local(entry.modified_at, state.clock.local_zone())
    if entry.requires:
        out["requires"] = entry.requires
    return Single(out, go_floats=True)  # model_info: a catalogue's floats (layer_norm_rms_epsilon)


def shown_model(state: State, requested: str) -> ModelEntry:
    """The installed model ShowHandler finds for a name (also behind GET /v1/models/:model): a
    name with both source suffixes 400, a `:local` suffix dropped, an invalid name 400, else 404."""
    if names.has_local_and_cloud(requested):
        raise OllamaError.of("local_and_cloud", model=requested.strip())
    requested = names.local_base(requested)  # a model reference: spaces trimmed, `:local` dropped (§0.5)
    if not names.is_valid(requested):
        raise OllamaError.of("invalid_model_name")
    entry = state.models.get(requested)
    if entry is None:
        raise OllamaError.of("show_not_found", model=names.display(requested))
    return entry


def _model_info(entry: ModelEntry, verbose: bool) -> dict[str, Any]:
    info = {}
    for key in sorted(entry.model_info):  # a Go map: keys come out sorted
        if key in ("general.name", "tokenizer.chat_template"):
            continue
        value = entry.model_info[key]
        long = isinstance(value, list) and (len(value) > _ARRAY_LIMIT or key.startswith("tokenizer.ggml."))
        info[key] = None if long and not verbose else value
    return info


def _shows_tensors(state: State, entry: ModelEntry, verbose: bool) -> bool:
    """GGUF models list their tensors on every show; safetensors models only with verbose (§1.12)."""
    if not state.profile.show_tensors:
        return False
    return verbose or entry.details.get("format") != "safetensors"


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
    if isinstance(value, (int, float)):
        try:
            return go_float(float(value))  # Go holds every JSON number of the map as a float64
        except OverflowError:  # past float64 (a --models file can hold one): its digits
            return str(value)
    return str(value)


def go_float(value: float) -> str:
    """fmt's %v (and %#v) of a float64: the shortest digits, in exponent form from 1e6 and
    below 1e-4 (1048576 -> 1.048576e+06, 0.00001 -> 1e-05)."""
    if value == 0 or value != value or value in (float("inf"), float("-inf")):
        return {"inf": "+Inf", "-inf": "-Inf", "nan": "NaN"}.get(repr(value), "0" if str(value)[0] != "-" else "-0")
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    exp10 = len(text) + int(exponent) - 1  # the power of ten of the first digit
    head = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{head}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if exp10 < 0:
        return f"{head}0.{'0' * (-exp10 - 1)}{text}"
    whole, frac = text[: exp10 + 1].ljust(exp10 + 1, "0"), text[exp10 + 1 :]
    return head + whole + ("." + frac if frac else "")


def parameters_text(parameters: dict[str, Any]) -> str:
    lines: list[str] = []
    for key in sorted(parameters):
        values = parameters[key] if isinstance(parameters[key], list) else [parameters[key]]
        lines.extend(f"{key:<30} {go_value(value)}" for value in values)
    return "\n".join(lines)


def modelfile(entry: ModelEntry, system: str, parameters: dict[str, Any]) -> str:
    """What GetModelInfo writes: a header, then Model.String()'s commands one per line."""
    header = ['# Modelfile generated by "ollama show"', "# To build a new Modelfile based on this, replace FROM with:",
              f"# FROM {entry.name}", ""]
    return "\n".join([*header, *_commands(entry, system, parameters)]) + "\n"


def _commands(entry: ModelEntry, system: str, parameters: dict[str, Any]) -> list[str]:
    """Model.String(): FROM, ADAPTER, TEMPLATE, SYSTEM, PARAMETER, LICENSE and MESSAGE, in that order."""
    layers = entry.layers()
    lines = [f"FROM {blob_path(layers[0][1])}"]
    lines += [f"ADAPTER {modelfile_quote(blob_path(digest))}" for kind, digest, _ in layers if kind == "adapter"]
    if entry.template:
        lines.append(f"TEMPLATE {modelfile_quote(entry.template)}")
    if system:
        lines.append(f"SYSTEM {modelfile_quote(system)}")
    lines += [f"{key.upper()} {getattr(entry, key)}" for key in ("renderer", "parser") if getattr(entry, key)]
    for key in sorted(parameters):
        values = parameters[key] if isinstance(parameters[key], list) else [parameters[key]]
        lines.extend(f"PARAMETER {key} {modelfile_quote(_go_plain(value))}" for value in values)
    lines += [f"LICENSE {modelfile_quote(text)}" for text in entry.licenses]
    for message in entry.messages:  # a null or partial message is Go's zero value: empty strings
        message = message if isinstance(message, dict) else {}
        lines.append(f"MESSAGE {message.get('role') or ''} {modelfile_quote(str(message.get('content') or ''))}")
    return lines


def modelfile_quote(text: str) -> str:
    """parser.quote: multi-line or space-edged text in quotes, in triple quotes when it holds a quote."""
    if "\n" in text or text.startswith(" ") or text.endswith(" "):
        return f'"""{text}"""' if '"' in text else f'"{text}"'
    return text


def _go_plain(value: Any) -> str:
    """Go's %v of a decoded JSON value (strings as they are)."""
    return value if isinstance(value, str) else go_value(value)




def run_copy(state: State, body: dict[str, Any], info: RequestInfo) -> Single:
    source, destination = text_field(body, "source"), text_field(body, "destination")
    if not names.is_valid(source):
        raise OllamaError.of("copy_source_invalid", source=source)
    if not names.is_valid(destination):
        raise OllamaError.of("copy_destination_invalid", destination=destination)
    entry = state.models.get(source)
    if entry is None:
        raise OllamaError.of("model_not_found_quoted", model=source)
    if names.key(source) != names.key(destination):  # CopyModel writes nothing onto the same file
        state.models.copy(entry, destination)
    return Single(None, content_type=None)


def run_delete(state: State, body: dict[str, Any], info: RequestInfo) -> Single:
    requested = model_field(body)
    if not requested.strip():  # ParseRef trims the name first
        raise OllamaError.of("model_required")
    if names.has_local_and_cloud(requested):
        raise OllamaError.of("local_and_cloud", model=requested.strip())
    base = names.local_base(requested)
    if not names.is_valid(base):
        raise OllamaError.of("delete_name_invalid", name=requested)
    entry = state.models.get(base)
    if entry is None:
        raise OllamaError.of("model_not_found", model=requested)
    state.models.delete(entry)  # the manifest and its unshared uploads: a loaded model stays in /api/ps until it expires
    return Single(None, content_type=None)
