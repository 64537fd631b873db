"""Progress streams: POST /api/pull, /api/push, /api/create (reference §1.8, §1.15, §1.16, §2.3).

Errors before the first line are plain HTTP errors; later ones are an in-band {"error": ...}
line (HTTP 200). With "stream": false the answer is the last object, or the error with its
status (500 when it has none), in `application/json` without charset (§0.3).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from ollama_conformance import contracts

from .. import go_template, names
from ..errors import OllamaError
from ..outcome import Chunk, RequestInfo, Single, Stream
from ..state import ModelEntry, State, params_layer, text_layer, weights_digest
from . import create_files, create_rules
from .models import model_field

PLAIN_JSON = "application/json"


def finish(records: list[dict[str, Any]], body: dict[str, Any], error_status: int = 500) -> Single | Stream:
    """The records as a stream, or (stream false) the last one / the error it ends with, with the
    status the worker gave that error (500 when it gave none)."""
    if body.get("stream", True) is not False:
        return Stream([Chunk(record) for record in records])
    last = records[-1]
    if "error" in last:
        return Single(last, status=error_status, content_type=PLAIN_JSON)
    return Single(last, content_type=PLAIN_JSON)


def _progress(status: str, digest: str = "", total: int = 0, completed: int = 0) -> dict[str, Any]:
    record: dict[str, Any] = {"status": status}
    if digest:
        record["digest"] = digest
    if total:
        record["total"] = total
    if completed:
        record["completed"] = completed
    return record


def pull_records(state: State, requested: str) -> list[dict[str, Any]]:
    """The pull lines for `requested`; installs the model from the fake registry when it is there."""
    records = [_progress("pulling manifest")]
    source = state.models.in_registry(requested)
    if source is None:
        return [*records, {"error": "pull model manifest: file does not exist"}]
    on_disk, old = state.blobs_on_disk(), state.models.get(requested)
    layers = source.blobs()
    for _, digest, size in layers:
        steps = (size,) if digest in on_disk else (0, size // 3, size)  # a blob on disk is not fetched again
        records.extend(_progress(f"pulling {digest[7:19]}", digest, size, done) for done in steps)
    records.extend([_progress("verifying sha256 digest"), _progress("writing manifest")])
    if old is not None and _digests(old.blobs()) - _digests(layers):
        records.append(_progress("removing unused layers"))  # the replaced manifest had layers the new one has not
    records.append(_progress("success"))
    state.models.add(replace(source, name=names.display(requested), modified_at=state.clock.now()))
    return records


def _digests(layers: list[tuple[str, str, int]]) -> set[str]:
    return {digest for _, digest, _ in layers}


def run_pull(state: State, body: dict[str, Any], info: RequestInfo) -> Single | Stream:
    requested = model_field(body)
    if names.has_local_and_cloud(requested):
        raise OllamaError.of("local_and_cloud", model=requested.strip())  # ParseRef quotes it trimmed
    requested, scheme = _scheme(names.local_base(requested))  # `:local` and spaces dropped (§0.5)
    if not names.is_valid(requested):
        raise OllamaError.of("invalid_model_name")
    if scheme == "http" and body.get("insecure") is not True:
        error = _worker_error("insecure_protocol")  # before the first line: an HTTP error even when streaming
        error.flushed = body.get("stream", True) is not False
        raise error
    return finish(pull_records(state, requested), body)


def _scheme(name: str) -> tuple[str, str]:
    """(the name, "http" / "https" / "") of a name given with a registry scheme, as Go's
    model.ParseName reads `http://host/namespace/model:tag`."""
    for scheme in ("http", "https"):
        if name.startswith(scheme + "://"):
            return name[len(scheme) + 3 :], scheme
    return name, ""


def run_push(state: State, body: dict[str, Any], info: RequestInfo) -> Single | Stream:
    requested = model_field(body)
    if not requested:
        raise OllamaError.of("model_required")
    records = [_progress("retrieving manifest")]
    requested, scheme = _scheme(requested)
    valid = names.is_valid(requested)
    if scheme == "http" and body.get("insecure") is not True and valid:
        return finish([*records, {"error": contracts.message("insecure_protocol")}], body)  # checked before the manifest
    entry = state.models.get(requested) if valid else None
    if entry is None:
        records += [_progress("couldn't retrieve manifest"), {"error": _no_manifest(requested)}]
        return finish(records, body)
    for _, digest, size in entry.blobs():
        records.append(_progress(f"pushing {digest[7:19]}", digest, size, size))
    records += [_progress("pushing manifest"), _progress("success")]
    state.models.publish(entry)
    return finish(records, body)


def _no_manifest(requested: str) -> str:
    """ParseNamedManifest's error: an invalid name is unqualified (as Go spells it), a valid one
    has no manifest file."""
    parsed = names.parse(requested)
    if parsed is None:
        return f"unqualified name: {create_rules.go_name(requested)}"
    return f"open /root/.ollama/models/manifests/{'/'.join(parsed[:3])}/{parsed.tag}: no such file or directory"


def run_create(state: State, body: dict[str, Any], info: RequestInfo) -> Single | Stream:
    target = model_field(body)
    _check_before_stream(target, body)
    try:
        return _create(state, target, body)
    except OllamaError as error:  # the worker's first item: when streaming, Go flushed the headers first
        error.flushed = body.get("stream", True) is not False
        error.headers.setdefault("Content-Type", PLAIN_JSON)  # streamResponse and waitForStream set it
        raise


def _create(state: State, target: str, body: dict[str, Any]) -> Single | Stream:
    """What Ollama's create worker does once the request passed the checks before the stream: the
    base (`from`, else `files`), the adapter, `info`, then createModel."""
    records: list[dict[str, Any]] = []
    try:
        base = _base_model(state, body, records)
        if base is None:  # the source had to be pulled and could not be
            return finish(records, body)
        adapter = _adapter_layer(state, body.get("adapters"), records)
        _check_info(body.get("info"))  # applyCreateInfo: after the files are read
        entry = _derive(state, base, target, body, adapter, records)
    except OllamaError as error:
        if not records:  # the first item: a plain HTTP error
            raise
        return finish([*records, {"error": error.message}], body, error.status)  # after other lines: an error line
    records += _layer_lines(entry, _existing_blobs(base, not _from_name(body)) | state.blobs_on_disk())
    records += [_progress("writing manifest"), _progress("success")]
    state.models.add(entry)
    return finish(records, body)


def _from_name(body: dict[str, Any]) -> str:
    return body["from"] if isinstance(body.get("from"), str) else ""


def _existing_blobs(base: ModelEntry, from_files: bool) -> set[str]:
    """Blobs the create finds on disk: the `from` model's layers, or the uploaded GGUF used as it is
    (a safetensors import is converted into new blobs)."""
    return {digest for _, digest, _ in (base.manifest if from_files else base.layers())}


def _layer_lines(entry: ModelEntry, existing: set[str]) -> list[dict[str, Any]]:
    """One line per layer in manifest order: "using existing" for a blob already there (the base's, an
    uploaded one, any installed model's), else "creating new"."""
    known = existing | {digest for kind, digest, _ in entry.layers() if kind == "adapter"}
    return [_progress(f"{'using existing' if digest in known else 'creating new'} layer {digest}")
            for _, digest, _ in entry.layers()]


def _worker_error(key: str, **values: Any) -> OllamaError:
    """An error of the create worker: the first stream item, so a plain HTTP error without charset."""
    error = OllamaError.of(key, **values)
    error.headers["Content-Type"] = PLAIN_JSON
    return error


def _check_before_stream(target: str, body: dict[str, Any]) -> None:
    """CreateHandler's checks before its worker starts, in its order (decoding first)."""
    create_files.check_paths(body.get("files"))
    create_files.check_paths(body.get("draft_files"))
    if body.get("draft_quantize") and not body.get("draft_files"):
        raise OllamaError.of("draft_quantize_without_draft")
    if any(not digest for digest in create_files.str_map(body.get("adapters")).values()):
        raise OllamaError.of("invalid_digest")  # adapter paths are not checked here
    if not names.is_valid(target):
        raise OllamaError.of("invalid_model_name")


_INFO_STRINGS = ("model_family", "base_name", "quantization_level", "parameter_size")
_INFO_COUNTS = ("context_length", "embedding_length")


def _check_info(info: Any) -> None:
    """`info` overrides (reference §1.8): strings, non-negative integers, a list of capabilities."""
    if not isinstance(info, dict):
        return
    for key in _INFO_STRINGS:
        if key in info and not isinstance(info[key], str):
            raise OllamaError(400, f'info field "{key}" must be a string')
    for key in _INFO_COUNTS:
        if key not in info:
            continue
        value = info[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OllamaError(400, f'info field "{key}" must be a number')
        if value < 0 or value != int(value):
            raise OllamaError(400, f'info field "{key}" must be a non-negative integer')
    caps = info.get("capabilities")
    if "capabilities" in info and not (isinstance(caps, list) and all(isinstance(c, str) for c in caps)):
        raise OllamaError(400, 'info field "capabilities" must be an array of strings')


def _base_model(state: State, body: dict[str, Any], records: list[dict[str, Any]]) -> ModelEntry | None:
    """The model to build on; the lines due on the way (a pull of `from`, "parsing GGUF") go to `records`."""
    source = _from_name(body)
    if source:
        source = names.local_base(source)  # a model reference, as for inference (§0.5)
        if not names.is_valid(source):
            raise _worker_error("invalid_model_name")
        base = state.models.get(source)
        if base is None:
            records += pull_records(state, source)  # PullModel's own lines, its "success" included
            base = state.models.get(source)
        return base
    if isinstance(body.get("files"), dict):  # a map, even an empty one (no type: "unknown type")
        return _from_files(state, create_files.str_map(body["files"]), records)
    raise _worker_error("create_neither_from_nor_files")


def _from_files(state: State, files: dict[str, str], records: list[dict[str, Any]]) -> ModelEntry:
    safetensors = create_files.file_kind(state, files) == "safetensors"
    if safetensors:
        blobs = {path: create_files.read_blob(state, digest) for path, digest in files.items()}
        records.append(_progress("converting model"))  # after every file was linked into place
        path = min(files)
        digest, data = files[path], blobs[path]
    else:
        path, digest, data = create_files.read_gguf(state, files, records)[0]
    return ModelEntry(
        name=path, digest=digest.split(":", 1)[-1], size=len(data),
        details={"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                 "parameter_size": "1B", "quantization_level": "F16"},
        model_info={"general.architecture": "llama", "llama.context_length": 4096, "llama.embedding_length": 2048},
        capabilities=["completion"], template="{{ .Prompt }}", parameters={}, system="", license="",
        # an uploaded GGUF is the model layer as it is; safetensors are converted into a new one
        modified_at=state.clock.now(), manifest=[] if safetensors else [("model", digest, len(data))],
    )


def _adapter_layer(state: State, value: Any, records: list[dict[str, Any]]) -> tuple[str, str, int] | None:
    """The LoRA layer of `adapters` (a map, even an empty one). Safetensors adapters are converted,
    which the mock does not model: no layer. Every adapter error is a 400."""
    if not isinstance(value, dict):
        return None
    adapters = create_files.str_map(value)
    if create_files.file_kind(state, adapters) == "safetensors":
        return None
    if len(adapters) > 1:
        raise _worker_error("create_one_adapter")  # before the adapter's own "parsing GGUF"
    try:
        _, digest, data = create_files.read_gguf(state, adapters, records)[0]
    except OllamaError as error:
        raise OllamaError(400, error.message, {"Content-Type": PLAIN_JSON}) from None
    return "adapter", digest, len(data)


def _template_capabilities(capabilities: list[str], template: str) -> list[str]:
    """A template model's capabilities under a new template: tools and insert follow the fields
    it reads (.Tools, .Suffix), as Ollama's Capabilities() derives them; the rest stay."""
    used = go_template.variables(template)
    kept = [c for c in capabilities if c not in ("tools", "insert")]
    at = kept.index("completion") + 1 if "completion" in kept else len(kept)
    derived = [c for c, field in (("tools", "tools"), ("insert", "suffix")) if field in used and "completion" in kept]
    return kept[:at] + derived + kept[at:]


def _derive(state: State, base: ModelEntry, target: str, body: dict[str, Any],
            adapter: tuple[str, str, int] | None, records: list[dict[str, Any]]) -> ModelEntry:
    """The new model, in createModel's order: quantization, template, system, licenses, parameters,
    messages; `info` overrides. Its digest follows its content, not its name (a manifest holds none)."""
    # the base layers keep the name they were read from: the parent is `from` as shown, or the file
    details = dict(base.details, parent_model=base.name)
    quantized = _quantize(base, body, records)
    if quantized:
        details["quantization_level"] = quantized
    changes: dict[str, Any] = {}
    for key in ("template", "system", "renderer", "parser", "requires"):
        if isinstance(body.get(key), str) and body[key]:
            changes[key] = body[key]
    if "template" in changes:
        try:
            go_template.check(changes["template"])
        except go_template.TemplateError as error:  # setTemplate's errBadTemplate: a 400
            raise OllamaError(400, f"template error: {error}", {"Content-Type": PLAIN_JSON}) from None
    changes["added_licenses"] = [*base.added_licenses, *create_rules.licenses(body.get("license"))]
    if isinstance(body.get("parameters"), dict) and body["parameters"]:
        changes["parameters"] = {**base.parameters, **body["parameters"]}
    if isinstance(body.get("messages"), list) and body["messages"]:
        changes["messages"] = [_go_message(m) for m in body["messages"]]
    info: dict[str, Any] = body["info"] if isinstance(body.get("info"), dict) else {}
    renamed = {"model_family": "family", "quantization_level": "quantization_level", "parameter_size": "parameter_size"}
    details.update({renamed[k]: info[k] for k in renamed if k in info})
    if "capabilities" in info:
        changes["capabilities"] = list(info["capabilities"])
    elif "template" in changes:
        changes["capabilities"] = _template_capabilities(base.capabilities, changes["template"])
    model_info = dict(base.model_info)
    if "base_name" in info:
        model_info["general.basename"] = info["base_name"]
    for key in _INFO_COUNTS:
        if key in info:
            model_info[f"{base.architecture}.{key}"] = int(info[key])
    if model_info != base.model_info:
        changes["model_info"] = model_info
    blob = json.dumps([base.digest, changes, details], sort_keys=True, default=str)
    entry = replace(base, name=names.display(target), details=details, modified_at=state.clock.now(),
                    digest=hashlib.sha256(blob.encode()).hexdigest(), **changes)
    made = replace(entry, manifest=_manifest(base, entry, changes, adapter, bool(quantized)))
    return replace(made, size=sum(size for _, _, size in made.blobs()))  # Manifest.Size: its layers and config


def _quantize(base: ModelEntry, body: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """The file type `quantize` (alias `quantization`) turns the base into, "" for none or its own
    type; its progress lines go to `records` as llama's quantizer reports them."""
    requested = body.get("quantize") or body.get("quantization")
    if not isinstance(requested, str) or not requested:
        return ""
    current = str(base.details.get("quantization_level", ""))
    level = create_rules.quantize_level(current, requested)
    if level is None:
        return ""
    status = f"quantizing {current.upper()} model to {requested.upper()}"  # the type as asked: Q4_K, not Q4_K_M
    total = base.size
    records += [_progress(status, "0000000000000000000", total, done) for done in (total // 4, total // 2, total)]
    records.append(_progress("verifying conversion"))
    return level


def _go_message(message: Any) -> dict[str, Any]:
    """A message as Go decodes it into api.Message: null or missing role and content are ""."""
    fields = message if isinstance(message, dict) else {}
    return {**fields, "role": str(fields.get("role") or ""), "content": str(fields.get("content") or "")}


def _manifest(base: ModelEntry, entry: ModelEntry, changes: dict[str, Any],
              adapter: tuple[str, str, int] | None, quantized: bool) -> list[tuple[str, str, int]]:
    """createModel's layer list: a replaced layer is removed and the new one appended at the end."""
    layers = base.layers()
    if quantized:
        layers[0] = ("model", weights_digest(entry), layers[0][2])
    if adapter is not None:
        layers.append(adapter)
    for kind in ("template", "system"):
        if kind in changes:
            layers = [*_without(layers, kind), text_layer(kind, changes[kind])]
    layers += [text_layer("license", text) for text in entry.added_licenses[len(base.added_licenses):]]
    if entry.parameters:  # setParameters re-appends even the inherited parameters
        layers = [*_without(layers, "params"), params_layer(entry.parameters)]
    if "messages" in changes:
        layers = [*_without(layers, "messages"), text_layer("messages", json.dumps(entry.messages, sort_keys=True))]
    return layers


def _without(layers: list[tuple[str, str, int]], kind: str) -> list[tuple[str, str, int]]:
    return [layer for layer in layers if layer[0] != kind]
