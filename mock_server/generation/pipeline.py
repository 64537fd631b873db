"""Steps generate and chat share: finding the model, capability checks, asking for a reply.

Each step raises Ollama's error for its check; the handlers call them in Ollama's order.
"""

from __future__ import annotations

from typing import Any

from .. import names
from ..errors import OllamaError
from ..reply import Reply, ReplyContext
from . import request
from .responder import default_responder

DEFAULT_NUM_CTX = 4096  # Ollama's default context below 23 GiB of VRAM (reference §0.8)


def text_field(body: dict[str, Any], key: str) -> str:
    """A string field as Go sees it: null or absent is ""."""
    value = body.get(key)
    return value if isinstance(value, str) else ""


def streaming(body: dict[str, Any]) -> bool:
    return body.get("stream") is not False


def from_worker(error: OllamaError, body: dict[str, Any]) -> OllamaError:
    """`error` as Ollama's generation goroutine raises it (format, context, prompt errors): when
    streaming, it is the stream's first item, a plain HTTP error without the charset (§0.3, §2.1),
    sent after Go flushed the headers (chunked)."""
    if streaming(body):
        error.headers["Content-Type"] = "application/json"
        error.flushed = True
    return error


def lookup(state: Any, model: str, not_found_key: str) -> Any:
    """The installed model an inference request names (a `:local` suffix dropped), else 404."""
    entry = state.models.get(names.local_base(model))
    if entry is None:
        raise OllamaError.of(not_found_key, model=model)
    return entry


def check_think(state: Any, body: dict[str, Any], model: str, capabilities: list[str]) -> None:
    """400 when thinking is asked of a model without it (think false is always fine)."""
    if (
        state.profile.thinking
        and request.think_requested(body.get("think"))
        and "thinking" not in capabilities
    ):
        raise OllamaError.of("no_thinking", model=model)


def check_think_level(state: Any, body: dict[str, Any]) -> None:
    """Releases before think levels were general: a level is gpt-oss's only (the catalogue has no
    harmony model), any other model's request is a 400."""
    think = body.get("think")
    if not state.profile.think_levels and state.profile.thinking and isinstance(think, str):
        raise OllamaError.of("think_level_unsupported", value=think)


def check_capabilities(entry: Any, model: str, kind: str, *, tools: bool = False, suffix: bool = False) -> None:
    """Scheduling-time capability errors, in Ollama's order (images ask for no capability: see
    check_image_input)."""
    caps = entry.capabilities
    if "completion" not in caps:
        raise OllamaError.of("no_generate" if kind == "generate" else "no_chat", model=model)
    if tools and "tools" not in caps:
        raise OllamaError.of("no_tools", full_name=entry.full_name)
    if suffix and "insert" not in caps:
        raise OllamaError.of("no_insert", full_name=entry.full_name)


def check_image_input(entry: Any, images: bool) -> None:
    """Images sent to a model without vision: the runner's 500 when it gets them, after the load,
    the template and the format (a request that only loads the model never reaches it)."""
    if images and "vision" not in entry.capabilities:
        raise OllamaError.of("no_vision")


def load(state: Any, entry: Any, body: dict[str, Any], options: dict[str, Any], now: Any = None) -> int:
    """Load (or keep) the model at `now` (the request's clock reading; the clock's when None); the
    load_duration in ns the store reports."""
    return int(state.models.load(entry, body.get("keep_alive"), _asked_context(entry, options), now))


def fit_context(entry: Any, body: dict[str, Any], options: dict[str, Any], prompt_tokens: int) -> int:
    """The prompt tokens evaluated: cut to the context (truncate, the default) or a 400."""
    limit = context_size(entry, options)
    if prompt_tokens <= limit:
        return prompt_tokens
    if body.get("truncate") is False:
        raise OllamaError.of("embed_input_too_long")  # same text for chat and generate
    return limit


def context_size(entry: Any, options: dict[str, Any]) -> int:
    """The runner's context in tokens: num_ctx as the model allows it, else the default."""
    return _asked_context(entry, options) or min(entry.context_length, DEFAULT_NUM_CTX)


def budget(entry: Any, body: dict[str, Any], options: dict[str, Any], prompt_tokens: int) -> int | None:
    """The tokens the reply may take (None: unbounded): num_predict, and with `shift: false` no
    more than the context has room for; the runner stops there with done_reason "length"."""
    limit = request.num_predict(options)
    if body.get("shift") is False:
        room = max(context_size(entry, options) - prompt_tokens, 0)
        limit = room if limit is None else min(limit, room)
    return limit


def _asked_context(entry: Any, options: dict[str, Any]) -> int | None:
    """options.num_ctx, cut to the context the model was trained for (the runner does that, with a
    warning in its log); None when not asked for."""
    num_ctx: Any = options.get("num_ctx")
    if not _positive(num_ctx):
        return None
    trained = entry.context_length
    return min(int(num_ctx), trained) if trained > 0 else int(num_ctx)


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def ask(state: Any, ctx: ReplyContext) -> Reply:
    """The reply of the first responder that answers (scenarios first, the default last)."""
    reply_for = getattr(state, "reply_for", None)
    reply = reply_for(ctx) if reply_for is not None else default_responder(ctx)
    if reply.error is not None:
        status, message = reply.error
        raise OllamaError(int(status), str(message))
    return reply


def keep_thinking(state: Any, body: dict[str, Any]) -> bool:
    """Thinking text is shown unless think is false or the profile predates thinking."""
    return bool(state.profile.thinking) and body.get("think") is not False


def top_logprobs(body: dict[str, Any]) -> int:
    value = body.get("top_logprobs")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
