"""The default responder: what the mock's model says when no scenario rule answers.

`default_responder(ctx) -> Reply` is the last entry of `state.responders`. It is a pure
function of the request: same body (and options.seed) -> same reply.
"""

from __future__ import annotations

import json
from typing import Any

from ..reply import Reply, ReplyContext, ToolCallPlan
from . import request, structured, text, tools


def seed_of(body: dict[str, Any]) -> bytes:
    """The request digest everything derives from: model, input, seed, format, tools."""
    get, options = body.get, body.get("options")
    return text.digest(
        str(get("model", "")),
        get("messages") if "messages" in body else get("prompt", ""),
        get("system", ""),
        get("suffix", ""),
        options.get("seed") if options.__class__ is dict else None,
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
        if ctx.messages[-1].get("role") == "tool":
            reply.content = tools.answer_from_results(ctx.messages, seed)
            return reply
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
        return json.dumps(_json_answer(seed, ctx.prompt), ensure_ascii=False)
    if isinstance(fmt, dict):
        return json.dumps(structured.generate(fmt, seed), ensure_ascii=False)
    return text.paragraph(seed, ctx.prompt)


def _json_answer(seed: bytes, prompt: str) -> dict[str, Any]:
    r = text.rng(seed, "json")
    topics = text.topic_words(prompt, 2)
    return {
        "answer": text.paragraph(seed, prompt, "json-answer", (6, 14)),
        "topic": " ".join(topics) or r.choice(text.WORDS),
        "confidence": round(r.uniform(0.5, 0.99), 2),
    }
