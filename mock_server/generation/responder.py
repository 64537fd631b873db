"""The default responder: what the mock's model says when no scenario rule answers.

`default_responder(ctx) -> Reply` is the last entry of `state.responders`. It is a pure
function of the request: same body (and options.seed) -> same reply.
"""

from __future__ import annotations

import json
from typing import Any

from .. import names
from ..reply import Reply, ReplyContext, ToolCallPlan
from . import prompt_schema, request, structured, text, tools


def seed_of(body: dict[str, Any]) -> bytes:
    """The request digest everything derives from: model, input, seed, format, tools."""
    get, options = body.get, body.get("options")
    model, seed = get("model", ""), options.get("seed") if options.__class__ is dict else None
    if seed.__class__ is float:
        seed = int(seed)  # Go's options.FromMap truncates a float sent for an int option
    return text.digest(
        names.seed_name(model) if model.__class__ is str else str(model),
        get("messages") if "messages" in body else get("prompt", ""),
        get("system", ""),
        get("suffix", ""),
        seed,
        get("format"),
        get("tools"),
        get("_tool_choice"),
    )


def default_responder(ctx: ReplyContext) -> Reply:
    seed = ctx.seed or seed_of(ctx.body)
    think = ctx.body.get("think")
    key = (seed, think if isinstance(think, (bool, str)) else None, *ctx.capabilities)
    reply = _TEXT_REPLIES.get(key)
    if reply is None:
        reply = _answer(ctx, seed)
        if not reply.tool_calls:  # calls carry argument dicts that end up in bodies: never shared
            if len(_TEXT_REPLIES) >= 2048:
                _TEXT_REPLIES.clear()
            _TEXT_REPLIES[key] = reply
    return reply


# Text replies by (request digest, think, model capabilities): all the default answer depends on
# (the digest covers model, messages, prompt, system, format, tools and options.seed). Replies
# are only read downstream; identical requests (retries, benchmarks) skip drawing the words.
_TEXT_REPLIES: dict[tuple[Any, ...], Reply] = {}


def _answer(ctx: ReplyContext, seed: bytes) -> Reply:
    reply = Reply()
    if "thinking" in ctx.capabilities and ctx.body.get("think") is not False:
        reply.thinking = text.thinking(seed, ctx.prompt, request.think_level(ctx.body.get("think")))
    if ctx.messages and ctx.tools and "tools" in ctx.capabilities:
        calls = _tool_calls(ctx, seed)
        if calls:
            reply.tool_calls = calls
            return reply
        if ctx.messages[-1].get("role") == "tool" and not ctx.body.get("format"):
            reply.content = tools.answer_from_results(ctx.messages, seed)
            return reply
        # with a format, the answer after the results is what the grammar allows (below)
    reply.content = _content(ctx, seed)
    return reply


def _tool_calls(ctx: ReplyContext, seed: bytes) -> list[ToolCallPlan]:
    """A call when the user just spoke, or when _tool_choice (openai-strict) demands one."""
    fns = tools.functions(ctx.tools)
    choice = ctx.body.get("_tool_choice")
    if not fns or choice == "none":
        return []
    if isinstance(choice, dict):
        # {"type": "function", "function": {"name": N}} (chat) or {"type": "function", "name": N}
        name = structured.mapping(choice.get("function")).get("name") or choice.get("name")
        named = [fn for fn in fns if fn["name"] == name]
        fn = named[0] if named else {"name": str(name or fns[0]["name"]), "parameters": {"type": "object"}}
        return tools.plan_calls(fn, seed, ctx.prompt)
    if choice == "required" or ctx.messages[-1].get("role") == "user":
        return tools.plan_calls(tools.choose(fns, ctx.prompt), seed, ctx.prompt)
    return []


def _content(ctx: ReplyContext, seed: bytes) -> str:
    fmt = ctx.body.get("format")
    if fmt == "json":
        asked = prompt_schema.schema_in(_instructions(ctx))  # a schema the prompt tells the model to follow
        answer = structured.generate(asked, seed) if asked is not None else _json_answer(seed, ctx.prompt)
        return json.dumps(answer, ensure_ascii=False)
    if isinstance(fmt, dict):
        return json.dumps(structured.generate(fmt, seed, _results_hint(ctx)), ensure_ascii=False)
    return text.paragraph(seed, ctx.prompt)


def _results_hint(ctx: ReplyContext) -> structured.Hint | None:
    """After tool results, a structured answer draws on them and the question, as a model's would
    ("weather in Paris" with get_weather's "sunny" fills city and the text fields)."""
    results = tools.trailing_results(ctx.messages) if ctx.messages and ctx.tools else []
    if not results:
        return None
    return tools.hinter(f"{ctx.prompt} {' '.join(content for _, content in results)}")


def _instructions(ctx: ReplyContext) -> list[str]:
    """The texts a JSON-mode prompt may carry a schema in: system text first, then the rest."""
    messages = [m for m in ctx.messages if isinstance(m.get("content"), str)]
    system = [m["content"] for m in messages if m.get("role") == "system"]
    rest = [m["content"] for m in messages if m.get("role") != "system"]
    body_system = ctx.body.get("system")
    return [*([body_system] if isinstance(body_system, str) else []), *system, *rest, ctx.prompt]


def _json_answer(seed: bytes, prompt: str) -> dict[str, Any]:
    r = text.rng(seed, "json")
    topics = text.topic_words(prompt, 2)
    return {
        "answer": text.paragraph(seed, prompt, "json-answer", (6, 14)),
        "topic": " ".join(topics) or r.choice(text.WORDS),
        "confidence": round(r.uniform(0.5, 0.99), 2),
    }
