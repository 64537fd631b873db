"""GET /v1/models and GET /v1/models/{model} from the mock's model store (reference §3.4)."""

from __future__ import annotations

from typing import Any

from .. import errors, names
from ..outcome import Outcome, RequestInfo, Single
from .common import JSON, NativeError, openai_errors


@openai_errors
def run_list(state: Any, info: RequestInfo) -> Outcome:
    """The installed models, newest first; `data` is null (not []) when there are none."""
    data = [_model(entry.name, entry) for entry in state.models.list()]
    return Single(body={"object": "list", "data": data or None}, content_type=JSON)


@openai_errors
def run_retrieve(state: Any, info: RequestInfo) -> Outcome:
    """One model; `id` is the path parameter verbatim, the 404 names the normalised model."""
    requested = info.path_params.get("model", "")
    parsed = names.parse(requested)
    # these come from Ollama's show handler behind the middleware
    if parsed is None:
        raise NativeError.wrap(errors.OllamaError.of("invalid_model_name"))
    entry = state.models.get(requested)
    if entry is None:
        raise NativeError.wrap(errors.OllamaError.of("v1_model_not_found_normalised", model=parsed.display()))
    return Single(body=_model(requested, entry), content_type=JSON)


def _model(model_id: str, entry: Any) -> dict[str, Any]:
    parsed = names.parse(model_id)
    return {
        "id": model_id,
        "object": "model",
        "created": int(entry.modified_at.timestamp()),
        "owned_by": parsed.namespace if parsed else "",
    }
