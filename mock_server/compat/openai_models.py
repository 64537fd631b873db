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
    from ..handlers.models import shown_model

    requested = info.path_params.get("model", "")
    try:  # the middleware asks Ollama's show handler: its checks, its errors (a `:local` suffix too)
        entry = shown_model(state, requested)
    except errors.OllamaError as error:
        raise NativeError.wrap(error) from None
    return Single(body=_model(requested, entry), content_type=JSON)


def _model(model_id: str, entry: Any) -> dict[str, Any]:
    parsed = names.parse(model_id)
    return {
        "id": model_id,
        "object": "model",
        "created": int(entry.modified_at.timestamp()),
        "owned_by": parsed.namespace if parsed else "",
    }
