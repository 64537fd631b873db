"""Reply -> native records: the NDJSON chunks of a stream, or the one object of stream:false.

First the reply is "generated" under the request's limits (stop sequences, num_predict,
thinking switched off), giving the pieces that are streamed one per record; then the pieces
become generate or chat records in Ollama's key order, with the profile's tool-call shape.

`created_at`: Ollama stamps each record when it writes it. The clock is read once per request
(Frame.now) and record N is stamped now + N x the request's per-token time (clock.Stamps), so the
stamps never go backwards and a fixed --clock gives the same bytes every time. Records are built
as literal dicts in key order; nothing is re-validated here (the self-check is in wire, opt-in).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..clock import Stamps, stamp_after
from ..gojson import go_decoded
from ..outcome import Chunk, Outcome, Single, Stream, StreamItem, single, undelayed
from ..profiles import Profile
from ..reply import Reply, ToolCallPlan
from . import fast, metrics, text, tools
from . import logprobs as lp

DELIBERATE = "X-Ollama-Mock-Deliberate"


@dataclass
class Produced:
    """What the model emitted: pieces (one per stream record) and why it stopped."""

    thinking: list[str]
    content: list[str]
    calls: list[ToolCallPlan]
    done_reason: str
    eval_count: int


@dataclass
class Frame:
    """Everything about the request that shapes the records, apart from the reply."""

    kind: str  # "generate" or "chat"
    model: str  # echoed as sent
    seed: bytes
    now: datetime
    stream: bool
    profile: Profile
    load_ns: int
    prompt_tokens: int
    keep_thinking: bool = True
    context: list[int] | None = None  # generate only; None in raw mode
    logprobs: bool = False
    top_logprobs: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    tick_us: int | None = None
    stamps: Stamps | None = None  # created_at per step, made on first use
    held_back: bool = False  # a stream whose text waits for the end (tools on a release before v0.8.0)


def produce(reply: Reply, frame: Frame, stops: list[str], budget: int | None) -> Produced:
    """Apply stop sequences and the num_predict budget to a reply, cut into pieces."""
    thinking = reply.thinking if frame.keep_thinking else ""
    content, calls = reply.content, list(reply.tool_calls)
    if frame.stream and calls and frame.profile.stream_tool_calls == "as_text":
        content += ("\n" if content else "") + "\n".join(_call_text(c) for c in calls)
        calls = []
    content, stopped = text.cut_at_stop(content, stops)
    if stopped:
        calls = []
    think_pieces, content_pieces = _split(thinking, reply.chunk_sizes), _split(content, reply.chunk_sizes)
    done_reason = "stop" if stopped else reply.done_reason
    if budget is not None:
        think_pieces, content_pieces, calls, cut = _spend(budget, think_pieces, content_pieces, calls)
        done_reason = "length" if cut else done_reason
    used = len(think_pieces) + len(content_pieces) + sum(_call_tokens(c) for c in calls)
    used = min(used, budget) if budget is not None else used
    return Produced(think_pieces, content_pieces, calls, done_reason, used)


def render(reply: Reply, frame: Frame, stops: list[str], budget: int | None) -> Outcome:
    if not frame.stream and budget is None and reply.chunk_sizes is None and not frame.logprobs and frame.context is None:
        return _whole(reply, frame, stops)
    made = produce(reply, frame, stops, budget)
    calls = [_native_call(c, i, frame) for i, c in enumerate(made.calls)]
    if any("index" not in c["function"] for c in calls):
        frame.headers[DELIBERATE] = f"native_tool_call_index={frame.profile.native_tool_call_index}"
    stats = metrics.compute(frame.seed, frame.load_ns, frame.prompt_tokens, made.eval_count)
    if not frame.stream:
        answer = single(_single(made, calls, stats, frame), dict(frame.headers))
        return _late(answer, reply, len(made.thinking) + len(made.content) + len(calls) + 1)
    bodies, run = _held_back(made, calls, stats, frame) if frame.held_back else _stream_records(made, calls, stats, frame)
    headers = dict(frame.headers)
    delays = reply.delays if isinstance(reply.delays, list) else [reply.delays]
    if not any(delays):  # the usual case: no pacing, so no per-record delay to look up
        return fast.stream(run, headers) if run is not None else Stream(undelayed(bodies), headers=headers)
    if run is not None:
        bodies = run.bodies()
    items: list[StreamItem] = [
        Chunk(b, float(delays[min(i, len(delays) - 1)]) if delays else 0.0) for i, b in enumerate(bodies)
    ]
    return Stream(items, headers=headers)


def _whole(reply: Reply, frame: Frame, stops: list[str]) -> Single:
    """`render` for the usual stream:false request (no budget, chunk sizes, logprobs or generate
    context): the same body, with the tokens counted instead of cut out and joined again."""
    thinking = reply.thinking if frame.keep_thinking else ""
    content, stopped = text.cut_at_stop(reply.content, stops) if stops else (reply.content, False)
    plans = [] if stopped else reply.tool_calls
    steps = (text.count_pieces(thinking) if thinking else 0) + (text.count_pieces(content) if content else 0)
    calls = [_native_call(c, i, frame) for i, c in enumerate(plans)] if plans else []
    if any("index" not in c["function"] for c in calls):
        frame.headers[DELIBERATE] = f"native_tool_call_index={frame.profile.native_tool_call_index}"
    used = steps + sum(_call_tokens(c) for c in plans) if plans else steps
    chat = frame.kind == "chat"
    if frame.stamps is None and frame.tick_us is None:  # its one stamp, without a Stamps object
        stamp = stamp_after(frame.now, steps * metrics.tick_us(frame.seed))
    else:
        stamp = _stamps(frame).at(steps)
    body = _record(frame, steps, content, thinking, calls if chat else [], True, stamp)
    # no pieces: _finish reads them only for a generate context or logprobs, never the case here
    made = Produced([], [], plans, "stop" if stopped else reply.done_reason, used)
    fields = metrics.final_fields(frame.seed, frame.load_ns, frame.prompt_tokens, used)
    answer = single(_finish(body, made, fields, frame, calls if not chat else []), dict(frame.headers))
    return _late(answer, reply, steps + len(calls) + 1) if reply.delays else answer


def _late(answer: Single, reply: Reply, records: int) -> Single:
    """A stream:false answer with scenario `delays`: it comes when the stream would have ended,
    after every record's wait (the last value repeats, as in a stream)."""
    delays = reply.delays if isinstance(reply.delays, list) else [reply.delays]
    if delays and any(delays):
        answer.__dict__["delay"] = float(sum(delays[min(i, len(delays) - 1)] for i in range(records)))
    return answer


def created_at(moment: datetime) -> str:
    """RFC 3339 in UTC with Z and trailing zeros of the fraction trimmed, as Go prints it."""
    m = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    frac = f"{m.microsecond:06d}".rstrip("0")
    stamp = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    return stamp + ("." + frac if frac else "") + "Z"


def load_record(kind: str, model: str, now: datetime, reason: str, done_reason_first: bool = False) -> Single:
    """The one object of a load/unload request, whatever `stream` says (`done_reason_first`: the
    chat struct order before v0.12.6)."""
    body: dict[str, Any] = {"model": model, "created_at": created_at(now)}
    if kind == "chat":
        body["message"] = {"role": "assistant", "content": ""}
    else:
        body["response"] = ""
    if done_reason_first:
        body.update(done_reason=reason, done=True)
    else:
        body.update(done=True, done_reason=reason)
    return Single(body)


def debug_record(kind: str, model: str, now: datetime, rendered: str, image_count: int) -> Single:
    """`_debug_render_only`: Ollama's zero-valued response carrying only the rendered prompt."""
    body: dict[str, Any] = {"model": model, "created_at": created_at(now)}
    if kind == "chat":
        body["message"] = {"role": "", "content": ""}
    else:
        body["response"] = ""
    info: dict[str, Any] = {"rendered_template": rendered}
    if image_count:
        info["image_count"] = image_count
    body.update(done=False, _debug_info=info)
    # Ollama answers done:false (and role "" on chat) here, which the response schema has no
    # variant for yet: marked so the self-check does not report Ollama's own shape.
    return Single(body, headers={DELIBERATE: "_debug_render_only"})


def _split(value: str, sizes: list[int] | None) -> list[str]:
    if not value:
        return []
    return text.chunk_by_sizes(value, sizes) if sizes else text.tokens(value)


def _spend(budget: int, think: list[str], content: list[str], calls: list[ToolCallPlan]) -> tuple:
    """Keep what fits in `budget` tokens: thinking first, then text, then tool calls.

    A call the budget runs out in is still reported (the parser had it) with "length", as
    Ollama does; calls that never started are dropped.
    """
    cut = len(think) + len(content) > budget
    think = think[:budget]
    content = content[: max(0, budget - len(think))]
    left = budget - len(think) - len(content)
    kept = []
    for call in calls:
        if left <= 0:
            cut = True
            break
        kept.append(call)
        left -= _call_tokens(call)
    return think, content, kept, cut or left < 0


def _call_text(call: ToolCallPlan) -> str:
    return json.dumps({"name": call.name, "arguments": call.arguments}, ensure_ascii=False)


def _call_tokens(call: ToolCallPlan) -> int:
    return text.count_tokens(_call_text(call)) + 2


def _call_pieces(call: ToolCallPlan) -> list[str]:
    """The tokens a call is made of (as many as _call_tokens counts): its markers and its words."""
    words = _call_text(call).split()
    return ["<tool_call>", *(w if i == 0 else " " + w for i, w in enumerate(words)), "</tool_call>"]


def _native_call(call: ToolCallPlan, index: int, frame: Frame) -> dict[str, Any]:
    """A native ToolCall: {"id"?, "function": {"index"?, "name", "arguments"}} per the profile."""
    fn: dict[str, Any] = {}
    mode = frame.profile.native_tool_call_index
    if mode == "always" or (index != 0 and (mode == "omitempty" or (mode == "stream_only" and frame.stream))):
        fn["index"] = index
    # Ollama holds the model's arguments as Go decoded them (map[string]any): 42.0 is written 42
    fn.update(name=call.name, arguments=go_decoded(call.arguments) if isinstance(call.arguments, dict) else {})
    out: dict[str, Any] = {}
    if frame.profile.native_tool_call_ids:
        out["id"] = call.id or tools.call_id(frame.seed, index)
    out["function"] = fn
    return out


def _stamps(frame: Frame) -> Stamps:
    if frame.stamps is None:  # records are spaced by the request's token time
        if frame.tick_us is None:
            frame.tick_us = metrics.tick_us(frame.seed)
        frame.stamps = Stamps(frame.now, frame.tick_us)
    return frame.stamps


def _stream_records(
    made: Produced, calls: list[dict], stats: metrics.Metrics, frame: Frame
) -> tuple[list[dict], fast.TextRun | None]:
    """([], the run holding all records) for plain streams; (all bodies, None) with logprobs."""
    before = [_record(frame, step, "", piece, [], False) for step, piece in enumerate(made.thinking)]
    if not frame.logprobs:
        after = _after(made, calls, stats, frame, len(before) + len(made.content))
        return [], fast.TextRun(frame.kind, frame.model, _stamps(frame), made.content, before, after)
    # each runner chunk carries its token's logprobs, thinking ones included
    for body, entry in zip(before, lp.entries(made.thinking, frame.seed, frame.top_logprobs, 0), strict=True):
        body["logprobs"] = [entry]
    bodies = before
    for piece in made.content:
        body = _record(frame, len(bodies), piece, "", [], False)
        body["logprobs"] = lp.entries([piece], frame.seed, frame.top_logprobs, len(bodies))
        bodies.append(body)
    if calls and frame.kind == "chat":
        # the parser holds a call's tokens back: each token's logprobs go out in a chunk of their
        # own (content ""), and the chunk with the call carries its last token's
        for plan, call in zip(made.calls, calls, strict=True):
            entries = lp.entries(_call_pieces(plan), frame.seed, frame.top_logprobs, len(bodies))
            for entry in entries[:-1]:
                body = _record(frame, len(bodies), "", "", [], False)
                body["logprobs"] = [entry]
                bodies.append(body)
            body = _record(frame, len(bodies), "", "", [call], False)
            body["logprobs"] = entries[-1:]
            bodies.append(body)
        calls = []
    return bodies + _after(made, calls, stats, frame, len(bodies)), None


def _held_back(made: Produced, calls: list[dict], stats: metrics.Metrics, frame: Frame) -> tuple[list[dict], None]:
    """The stream of a request with tools before v0.8.0: the chat handler sent nothing until the
    text so far parsed as a call (sent alone, the text dropped) or the reply ended; the final record
    carries the whole text when no call came (compat-gaps row 2)."""
    steps = len(made.thinking) + len(made.content)
    if calls:
        return _after(made, calls, stats, frame, steps), None
    final = _record(frame, steps, "".join(made.content), "".join(made.thinking), [], True)
    return [_finish(final, made, stats.fields(), frame, [])], None


def _after(made: Produced, calls: list[dict], stats: metrics.Metrics, frame: Frame, step: int) -> list[dict]:
    """The tool-call records and the final record, from `step` on."""
    out = [_record(frame, step + i, "", "", [call], False) for i, call in enumerate(calls)]
    final = _record(frame, step + len(calls), "", "", [], True)
    out.append(_finish(final, made, stats.fields(), frame, calls if frame.kind == "generate" else []))
    return out


def _single(made: Produced, calls: list[dict], stats: metrics.Metrics, frame: Frame) -> dict[str, Any]:
    body = _record(
        frame,
        len(made.thinking) + len(made.content),
        "".join(made.content),
        "".join(made.thinking),
        calls if frame.kind == "chat" else [],
        True,
    )
    if frame.logprobs and frame.kind == "chat":
        _set_logprobs(body, made, frame)
    return _finish(body, made, stats.fields(), frame, calls if frame.kind == "generate" else [])


def _set_logprobs(body: dict[str, Any], made: Produced, frame: Frame) -> None:
    """The logprobs of every token of a whole answer, thinking first; none at all when no token was
    made (Go's `logprobs,omitempty`)."""
    pieces = made.thinking + made.content + [p for plan in made.calls for p in _call_pieces(plan)]
    if pieces:
        body["logprobs"] = lp.entries(pieces, frame.seed, frame.top_logprobs, 0)


def _record(
    frame: Frame, step: int, content: str, thinking: str, calls: list[dict], done: bool, stamp: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": frame.model, "created_at": stamp or _stamps(frame).at(step)}
    if frame.kind == "chat":
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if thinking:
            message["thinking"] = thinking
        if calls:
            message["tool_calls"] = calls
        body["message"] = message
    else:
        body["response"] = content
        if thinking:
            body["thinking"] = thinking
    body["done"] = done
    return body


def _finish(body: dict, made: Produced, fields: dict[str, int], frame: Frame, gen_calls: list[dict]) -> dict:
    """Final-record fields after `done` (`fields`: the metrics), in Ollama's order for the endpoint."""
    if made.done_reason:
        if frame.kind == "chat" and frame.profile.chat_done_reason_first:
            del body["done"]  # written again after done_reason
        body["done_reason"] = made.done_reason
        body["done"] = True
    if frame.kind == "generate":
        if frame.context is not None:
            body["context"] = frame.context + text.token_ids(made.thinking + made.content)
        body.update(fields)
        if gen_calls:
            body["tool_calls"] = gen_calls
        if frame.logprobs and not frame.stream:
            _set_logprobs(body, made, frame)
        return body
    logs = body.pop("logprobs", None)
    if logs is not None:
        body["logprobs"] = logs
    body.update(fields)
    return body
