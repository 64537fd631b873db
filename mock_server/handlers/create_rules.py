"""Go rules /api/create and /api/push apply, as Ollama's create.go, fs/ggml and types/model read them.

valid_path      io/fs.ValidPath: the check behind "file path must be relative"
quantize_level  ggml.ParseFileType and createModel's base-type check
licenses        createModel's `license`: a string, or what json.Unmarshal makes a []string of
go_name         model.ParseName(...).String(): a name as Go spells it, valid or not
"""

from __future__ import annotations

from typing import Any

from ..errors import OllamaError
from ..gojson import json_kind
from ..names import DEFAULT_HOST, DEFAULT_NAMESPACE, DEFAULT_TAG

PLAIN_JSON = "application/json"
# ParseFileType's names (upper-cased input) -> the file type a quantized model reports
_FILE_TYPES = {"F32": "F32", "F16": "F16", "Q8_0": "Q8_0", "Q4_K_S": "Q4_K_S", "Q4_K_M": "Q4_K_M", "Q4_K": "Q4_K_M",
               "BF16": "BF16"}
_SUPPORTED = "F32, F16, Q4_K_S, Q4_K_M, Q8_0"  # the list in ParseFileType's error (BF16 is left out there)
_MISSING = "!MISSING!"  # model.MissingPart: a part promised by its separator but empty


def valid_path(name: str) -> bool:
    """io/fs.ValidPath: "." or slash-separated elements, none of them "", "." or ".."."""
    if name == ".":
        return True
    return all(part not in ("", ".", "..") for part in name.split("/"))


def quantize_level(base_level: str, requested: str) -> str | None:
    """The file type a create with `quantize` gives the model: None when it is the base's already
    (Ollama skips the quantization). The errors are createModel's, statusless: 500."""
    wanted = requested.upper()
    if wanted not in _FILE_TYPES:
        raise _failure(f"unsupported quantization type {wanted} - supported types are {_SUPPORTED}")
    if base_level.upper() not in ("F16", "BF16", "F32"):
        raise _failure("quantization is only supported for F16, BF16 and F32 models")
    level = _FILE_TYPES[wanted]
    return None if level == base_level.upper() else level


def licenses(value: Any) -> list[str]:
    """`license` as createModel reads it: a string, or anything else re-marshalled into a []string
    (json.Unmarshal's error, a 500, for what is none)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if not isinstance(value, list):
        raise _failure(f"json: cannot unmarshal {json_kind(value)} into Go value of type []string")
    for item in value:
        if item is not None and not isinstance(item, str):  # null leaves the string empty
            raise _failure(f"json: cannot unmarshal {json_kind(item)} into Go value of type string")
    return [item for item in value if item]


def _failure(message: str) -> OllamaError:
    return OllamaError(500, message, {"Content-Type": PLAIN_JSON})


def go_name(text: str) -> str:
    """model.ParseName(text).String(): the parts cut at their separators, unchecked, and the
    defaults filled in (an invalid name gets them too)."""
    rest, tag = text, ""
    if text.rfind(":") > text.rfind("/"):
        rest, tag, _ = _cut_promised(rest, ":")
    rest, model, promised = _cut_promised(rest, "/")
    namespace = host = ""
    if not promised:
        model = rest
    else:
        rest, namespace, promised = _cut_promised(rest, "/")
        if not promised:
            namespace = rest
        else:
            host = rest.split("://", 1)[-1]  # a scheme is dropped
    return f"{host or DEFAULT_HOST}/{namespace or DEFAULT_NAMESPACE}/{model}:{tag or DEFAULT_TAG}"


def _cut_promised(text: str, sep: str) -> tuple[str, str, bool]:
    """cutPromised: the text around the last `sep`; an empty side of a present one is MissingPart."""
    before, found, after = text.rpartition(sep)
    if not found:
        return text, "", False
    return before or _MISSING, after or _MISSING, True
