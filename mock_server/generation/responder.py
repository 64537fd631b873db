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
    options = structured.mapping(body.get("options"))
    return text.digest(
        str(body.get("model", "")),
        body.get("messages") if "messages" in body else body.get("prompt", ""),
        body.get("system", ""),
        body.get("suffix", ""),
        options.get("seed"),
        body.get("format"),
        body.get("tools"),
        body.get("_tool_choice"),
    )


def default_responder(ctx: ReplyContext) -> Reply:
    seed = ctx.seed or seed_of(ctx.body)
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
