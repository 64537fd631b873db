"""Request checks shared by generate, chat and embed, each raising Ollama's exact error.

The handlers call these in Ollama's check order (reference §4.3); each function checks one
thing: top_logprobs range, the model reference, base64 images, think, option types, format.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from .. import names
from ..errors import OllamaError
from ..go_base64 import base64_error_offset
from ..go_duration import keep_alive_seconds as decode_keep_alive
from . import schema_grammar

_INT, _FLOAT, _BOOL, _ARRAY = "integer", "float32", "boolean", "array"
OPTION_TYPES = {
    **dict.fromkeys(
        (
            "num_ctx",
            "num_batch",
            "num_gpu",
            "main_gpu",
            "num_thread",
            "draft_num_predict",
            "num_keep",
            "seed",
            "num_predict",
            "top_k",
            "repeat_last_n",
        ),
        _INT,
    ),
    **dict.fromkeys(
        (
            "top_p",
            "min_p",
            "typical_p",
            "temperature",
            "repeat_penalty",
            "presence_penalty",
            "frequency_penalty",
        ),
        _FLOAT,
    ),
    "use_mmap": _BOOL,
    "stop": _ARRAY,
}


def check_top_logprobs(body: dict[str, Any]) -> None:
    value = body.get("top_logprobs")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= 20:
        raise OllamaError.of("top_logprobs_range")


def check_model_ref(model: str, empty_key: str) -> None:
    """Empty name (`empty_key` differs per endpoint; spaces alone count as empty), :local+:cloud
    conflict, bad name (after a `:local` suffix is dropped, see names.local_base)."""
    problem = _model_ref_problem(model)
    if problem is not None:
        if problem == "empty":
            raise OllamaError.of(empty_key, model=model)
        raise OllamaError.of(problem, model=model.strip()) if problem == "local_and_cloud" else OllamaError.of(problem)


@lru_cache(maxsize=1024)  # the same few names come with every request
def _model_ref_problem(model: str) -> str | None:
    if not model.strip():
        return "empty"
    if names.has_local_and_cloud(model):
        return "local_and_cloud"
    return None if names.is_valid(names.local_base(model)) else "invalid_model_name"


def check_images(images: Any) -> None:
    """Go's base64.StdEncoding: 400 "illegal base64 data at input byte N" with Go's N."""
    for image in images or []:
        if isinstance(image, str):
            offset = base64_error_offset(image.encode("utf-8"))
            if offset is not None:
                raise OllamaError.of("bad_base64", offset=offset)


def think_requested(think: Any) -> bool:
    """Did the request ask for thinking explicitly? (true or a level; false and absent do not)."""
    return think is True or (isinstance(think, str) and think != "")


def think_enabled(think: Any, capabilities: list[str], profile_thinking: bool) -> bool:
    """Does the model think for this request? Absent think on a thinking model means yes."""
    if not profile_thinking or "thinking" not in capabilities:
        return False
    return think is not False


def think_level(think: Any) -> str:
    return think if isinstance(think, str) and think in ("low", "medium", "high", "max") else "medium"


def check_options(options: Any) -> dict[str, Any]:
    """500 `option "<k>" must be of type <t>` for a known option of the wrong JSON type."""
    if not isinstance(options, dict):
        return {}
    for key, value in options.items():
        if value.__class__ in _FITS_BY_OPTION.get(key, _ANY):  # the usual: a known type, or unknown option
            continue
        kind = OPTION_TYPES.get(key)
        if kind is None:
            continue
        if not _option_ok(kind, value):
            raise _option_error("option_type", key, kind)
        if kind == _ARRAY and not all(isinstance(v, str) for v in value):
            raise _option_error("option_string_array", key, kind)
    return options


# Per option, the JSON value types that need no further look (null included); arrays are not among
# them: their items must be strings (checked below the fast test in check_options).
_FITS = {_INT: (int, float), _FLOAT: (int, float), _BOOL: (bool,), _ARRAY: ()}
_FITS_BY_OPTION = {key: frozenset((type(None), *_FITS[kind])) for key, kind in OPTION_TYPES.items()}
_ANY = frozenset((str, int, float, bool, list, dict, type(None)))  # an option Ollama does not type


def _option_error(message_key: str, option: str, kind: str) -> OllamaError:
    return OllamaError.of(message_key, option=option, type=kind)


def _option_ok(kind: str, value: Any) -> bool:
    if kind in (_INT, _FLOAT):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == _BOOL:
        return isinstance(value, bool)
    return isinstance(value, list)


def check_format(fmt: Any, llama_server: bool = True) -> None:
    """500 invalid format unless absent, null, "", "json" or a JSON object; a schema the grammar
    converter refuses gets its error (schema_grammar.refusal)."""
    if fmt is None or fmt == "" or fmt == "json":
        return
    if isinstance(fmt, dict):
        refused = schema_grammar.refusal(fmt, llama_server)
        if refused is not None:
            raise refused
        return
    raw = json.dumps(fmt, separators=(",", ":"), ensure_ascii=False)
    raise OllamaError.of("invalid_format", raw=raw)


def keep_alive_seconds(value: Any) -> float | None:
    """keep_alive in seconds as Go holds it (go_duration.keep_alive_seconds); None when absent or unreadable."""
    try:
        return decode_keep_alive(value)
    except (OllamaError, ValueError):
        return None


def is_unload(body: dict[str, Any]) -> bool:
    return keep_alive_seconds(body.get("keep_alive")) == 0.0


def num_predict(options: dict[str, Any]) -> int | None:
    """The token budget: None when unbounded (absent, -1, -2 or 0)."""
    value = options.get("num_predict")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and int(value) > 0:
        return int(value)
    return None


def stop_sequences(options: dict[str, Any]) -> list[str]:
    stops = options.get("stop")
    return [s for s in stops if isinstance(s, str) and s] if isinstance(stops, list) else []
