"""POST /api/chat: checks in Ollama's order, then the reply rendered as native chat records.

The /v1 chat, responses and Anthropic layers call `run_chat` with a translated native body.
"""

from __future__ import annotations

from typing import Any

from ..errors import OllamaError
from ..generation import metrics, pipeline, render, request, template
from ..generation.responder import seed_of
from ..outcome import Chunk, Outcome, RequestInfo, Stream, stream_of, undelayed
from ..reply import Reply, ReplyContext


def run_chat(state: Any, body: dict[str, Any], info: RequestInfo, digest: bytes | None = None) -> Outcome:
    """The answer to a native chat body; `digest`: its responder.seed_of when the caller worked it
    out already (/v1 chat, whose id derives from it)."""
    model = pipeline.text_field(body, "model")
    # a null message or tool is Go's zero value: it still counts (no load answer, the tools check)
    messages = [m if isinstance(m, dict) else {} for m in body.get("messages") or []]
    images = False
    for message in messages:
        if message.get("images"):
            images = True
            request.check_images(message["images"])
    if state.profile.logprobs:
        request.check_top_logprobs(body)
    request.check_model_ref(model, "model_required")
    entry = pipeline.lookup(state, model, "model_not_found")
    if not messages and request.is_unload(body):
        state.models.unload(entry)
        return render.load_record("chat", model, state.clock.now(), "unload", state.profile.chat_done_reason_first)
    pipeline.check_think(state, body, model, entry.capabilities)
    sent_tools = body.get("tools") or []
    tools = [t for t in sent_tools if t is not None]
    pipeline.check_capabilities(entry, model, "chat", tools=bool(sent_tools))
    options = request.check_options(body.get("options"))
    now = state.clock.now()  # read once: the load's expiry and the records' stamps start here
    load_ns = pipeline.load(state, entry, body, options, now)
    if not messages:
        return render.load_record("chat", model, now, "load", state.profile.chat_done_reason_first)
    if body.get("_debug_render_only") is True:
        return _debug(state, body, model, messages, tools, entry)
    pipeline.check_think_level(state, body)  # after the load and the render, as the chat handler did
    format_error = None
    try:
        format_error = _format_error(body.get("format"), state.profile.llama_server)
        if format_error is not None and not (
            pipeline.streaming(body) and request.think_enabled(body.get("think"), entry.capabilities, state.profile.thinking)
        ):
            raise format_error
        frame = _frame(state, body, model, messages, tools, entry, options, load_ns, now, digest)
        pipeline.check_image_input(entry, images)
    except OllamaError as error:
        raise pipeline.from_worker(error, body) from None
    reply = pipeline.ask(state, _context(body, info, model, messages, tools, entry.capabilities, frame.seed))
    if format_error is not None:
        return _thinking_then(format_error, reply, frame, body)
    return render.render(reply, frame, request.stop_sequences(options),
                         pipeline.budget(entry, body, options, frame.prompt_tokens))


def _format_error(value: Any, llama_server: bool) -> OllamaError | None:
    try:
        request.check_format(value, llama_server)
    except OllamaError as error:
        return error
    return None


def _thinking_then(error: OllamaError, reply: Any, frame: render.Frame, body: dict[str, Any]) -> Outcome:
    """A thinking model's stream with a format Ollama cannot use: the model thinks unconstrained
    first, and the format fails when generation restarts with it, after the thinking went out:
    the thinking records, then the error line (no thinking: the error is the first item)."""
    if not reply.thinking or not frame.keep_thinking:
        raise pipeline.from_worker(error, body)
    thought = render.render(Reply(thinking=reply.thinking, chunk_sizes=reply.chunk_sizes), frame, [], None)
    items = thought.items if isinstance(thought, Stream) else []  # frame.stream: always a Stream
    records = [item.body for item in items[:-1] if isinstance(item, Chunk)]  # not the final done:true record
    return stream_of(undelayed([*records, {"error": error.message}]), dict(thought.headers))


def _debug(
    state: Any, body: dict[str, Any], model: str, messages: list[dict[str, Any]], tools: list[Any], entry: Any
) -> Outcome:
    think = request.think_enabled(body.get("think"), entry.capabilities, state.profile.thinking)
    rendered = template.render_chat(entry.system, messages, tools, think, tag_images=not entry.renderer)
    images = sum(len(m.get("images") or []) for m in messages)
    return render.debug_record("chat", model, state.clock.now(), rendered, images)


def _context(
    body: dict[str, Any],
    info: RequestInfo,
    model: str,
    messages: list[dict[str, Any]],
    tools: list[Any],
    capabilities: list[str],
    seed: bytes,
) -> ReplyContext:
    users, last_user, tool_results = 0, None, False
    for message in messages:
        role = message.get("role")
        if role == "user":
            users, last_user = users + 1, message
        elif role == "tool":
            tool_results = True
    ctx = _NEW(ReplyContext)
    ReplyContext.__init__(
        ctx,
        endpoint=info.endpoint,
        model=model,
        body=body,
        messages=messages,
        prompt=str(last_user.get("content") or "") if last_user is not None else "",
        tools=tools,
        has_tool_results=tool_results,
        turn_index=max(0, users - 1),
        headers=dict(info.headers),
        capabilities=list(capabilities),
        seed=seed,
    )
    return ctx


def _frame(
    state: Any,
    body: dict[str, Any],
    model: str,
    messages: list[dict[str, Any]],
    tools: list[Any],
    entry: Any,
    options: dict[str, Any],
    load_ns: int,
    now: Any,
    digest: bytes | None = None,
) -> render.Frame:
    system = entry.system if messages[0].get("role") != "system" else ""
    frame = _NEW(render.Frame)
    render.Frame.__init__(
        frame,
        kind="chat",
        model=model,
        seed=digest or seed_of(body),
        now=now,
        stream=pipeline.streaming(body),
        profile=state.profile,
        load_ns=load_ns,
        prompt_tokens=pipeline.fit_context(
            entry, body, options, metrics.prompt_tokens_chat(messages, system, tools)
        ),
        keep_thinking=pipeline.keep_thinking(state, body),
        logprobs=body.get("logprobs") is True and state.profile.logprobs,
        top_logprobs=pipeline.top_logprobs(body),
    )
    if tools and frame.stream and state.profile.stream_tool_calls == "buffered":
        frame.held_back = True
    return frame


# ReplyContext and Frame are built as `made = _NEW(C); C.__init__(made, field=...)`: the object
# `C(field=...)` makes, without the class call's dict of keyword arguments (half the cost of one
# with eleven fields, and there are two on every request)
_NEW = object.__new__
