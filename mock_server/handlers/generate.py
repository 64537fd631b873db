"""POST /api/generate: checks in Ollama's order, then the reply rendered as generate records.

The /v1/completions layer calls `run_generate` with a translated native body.
"""

from __future__ import annotations

from typing import Any

from ..errors import OllamaError
from ..generation import metrics, pipeline, render, request, template, text
from ..generation.responder import seed_of
from ..outcome import Outcome, RequestInfo
from ..reply import ReplyContext


def run_generate(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    model = pipeline.text_field(body, "model")
    images = list(body.get("images") or [])  # a null entry is a nil image: it still counts
    request.check_images(images)
    if state.profile.logprobs:
        request.check_top_logprobs(body)
    request.check_model_ref(model, "model_not_found")
    entry = pipeline.lookup(state, model, "model_not_found")
    prompt = pipeline.text_field(body, "prompt")
    if prompt == "" and request.is_unload(body):
        state.models.unload(entry)
        return render.load_record("generate", model, state.clock.now(), "unload")
    raw = body.get("raw") is True
    if raw and (
        pipeline.text_field(body, "template") or pipeline.text_field(body, "system") or body.get("context")
    ):
        raise OllamaError.of("raw_with_template")
    pipeline.check_think_level(state, body)  # before the capability checks, as the generate handler did
    pipeline.check_think(state, body, model, entry.capabilities)
    suffix = pipeline.text_field(body, "suffix")
    pipeline.check_capabilities(entry, model, "generate", suffix=bool(suffix))
    options = request.check_options(body.get("options"))
    now = state.clock.now()  # read once: the load's expiry and the records' stamps start here
    load_ns = pipeline.load(state, entry, body, options, now)
    if prompt == "":
        return render.load_record("generate", model, now, "load")
    _check_template(pipeline.text_field(body, "template"))
    if body.get("_debug_render_only") is True:
        system = pipeline.text_field(body, "system") or entry.system
        # chatPrompt (which tags images) only without a template or suffix of the request's own
        tagged = 0 if pipeline.text_field(body, "template") or suffix or entry.renderer else len(images)
        rendered = template.render_generate(prompt, system, suffix, raw, tagged)
        return render.debug_record("generate", model, now, rendered, len(images))
    try:
        request.check_format(body.get("format"), state.profile.llama_server)
        frame = _frame(state, body, model, prompt, entry, options, load_ns, raw, now)
        pipeline.check_image_input(entry, bool(images))
    except OllamaError as error:
        raise pipeline.from_worker(error, body) from None
    ctx = _NEW(ReplyContext)  # as in chat: ReplyContext(...) without the class call's keyword dict
    ReplyContext.__init__(
        ctx,
        endpoint=info.endpoint,
        model=model,
        body=body,
        messages=[],
        prompt=prompt,
        tools=[],
        has_tool_results=False,
        turn_index=0,
        headers=dict(info.headers),
        capabilities=list(entry.capabilities),
        seed=frame.seed,
    )
    reply = pipeline.ask(state, ctx)
    return render.render(reply, frame, request.stop_sequences(options),
                         pipeline.budget(entry, body, options, frame.prompt_tokens))


def _check_template(text: str) -> None:
    """A request `template` Go cannot parse: template.Parse's error as a 500, before rendering."""
    if not text:
        return
    from .. import go_template

    try:
        go_template.check(text)
    except go_template.TemplateError as error:
        raise OllamaError(500, str(error)) from None


def _frame(
    state: Any,
    body: dict[str, Any],
    model: str,
    prompt: str,
    entry: Any,
    options: dict[str, Any],
    load_ns: int,
    raw: bool,
    now: Any,
) -> render.Frame:
    given = [
        int(t) for t in body.get("context") or [] if isinstance(t, (int, float)) and not isinstance(t, bool)
    ]
    system = pipeline.text_field(body, "system") or entry.system
    suffix = pipeline.text_field(body, "suffix")
    frame = _NEW(render.Frame)
    render.Frame.__init__(
        frame,
        kind="generate",
        model=model,
        seed=seed_of(body),
        now=now,
        stream=pipeline.streaming(body),
        profile=state.profile,
        load_ns=load_ns,
        prompt_tokens=pipeline.fit_context(
            entry, body, options, metrics.prompt_tokens_generate(prompt, system, suffix, given, raw,
                                                                  len(body.get("images") or []))
        ),
        keep_thinking=pipeline.keep_thinking(state, body),
        context=None if raw else given + _prompt_ids(prompt, system, suffix),
        logprobs=body.get("logprobs") is True and state.profile.logprobs,
        top_logprobs=pipeline.top_logprobs(body),
    )
    return frame


_NEW = object.__new__


# The rendered template's own tokens around the text (role markers, special tokens): six, as
# metrics.prompt_tokens_generate counts them
_TEMPLATE_IDS = text.token_ids([f"<|template-{i}|>" for i in range(6)])


def _prompt_ids(prompt: str, system: str, suffix: str) -> list[int]:
    """Token ids of the rendered prompt, one per token prompt_eval_count counts: Ollama returns
    Tokenize(rendered prompt + output) as the next `context`, so its length is the two counts' sum."""
    return [*text.token_ids(system.split()), *_TEMPLATE_IDS, *text.token_ids(prompt.split()),
            *text.token_ids(suffix.split())]

