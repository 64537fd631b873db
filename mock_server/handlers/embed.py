"""POST /api/embed (batch, L2-normalised) and POST /api/embeddings (legacy, one vector).

No capability check: Ollama embeds with any model. Check order per reference §4.3.
"""

from __future__ import annotations

from typing import Any

from ollama_conformance import contracts

from ..errors import OllamaError
from ..generation import embedding, pipeline, request, text
from ..outcome import Outcome, RequestInfo, Single

DEFAULT_DIMS = 768


def run_embed(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    model = pipeline.text_field(body, "model")
    request.check_model_ref(model, "model_not_found")
    inputs = _inputs(body.get("input"))
    entry = pipeline.lookup(state, model, "model_not_found_pull")
    options = request.check_options(body.get("options"))
    load_ns = pipeline.load(state, entry, body, options)
    if not inputs:
        return Single({"model": model, "embeddings": []})
    if not state.profile.embed_any_model and "embedding" not in entry.capabilities:
        raise OllamaError.of("embed_not_supported")  # the runner's answer, after the load
    limit = pipeline.context_size(entry, options)  # num_ctx, cut to the model's trained context
    texts, tokens = [], 0
    for value in inputs:
        count = embedding.token_count(value)
        if count > limit:
            if body.get("truncate") is False:
                raise OllamaError.of("embed_input_too_long")
            value, count = embedding.truncate(value, limit), limit
        texts.append(value)
        tokens += count
    dims = entry.embedding_length or DEFAULT_DIMS
    wanted = body.get("dimensions") if state.profile.embed_dimensions else None
    wanted = wanted if isinstance(wanted, int) and not isinstance(wanted, bool) else None
    vectors = [embedding.embed(entry.name, value, dims, wanted) for value in texts]
    total = (
        load_ns + tokens * 180_000 + text.rng(text.digest(model, texts), "embed").randint(300_000, 2_000_000)
    )
    return Single(
        {
            "model": model,
            "embeddings": vectors,
            "total_duration": total,
            "load_duration": load_ns,
            "prompt_eval_count": tokens,
        }
    )


def run_embeddings(state: Any, body: dict[str, Any], info: RequestInfo) -> Outcome:
    model = pipeline.text_field(body, "model")
    request.check_model_ref(model, "model_required")
    entry = pipeline.lookup(state, model, "model_not_found_pull")
    options = request.check_options(body.get("options"))
    pipeline.load(state, entry, body, options)
    prompt = pipeline.text_field(body, "prompt")
    if prompt == "":
        return Single({"embedding": []})
    if embedding.token_count(prompt) > pipeline.context_size(entry, options):
        # no truncation here: the runner refuses the input (llama-server's limit error, which
        # Embedding reports with /api/embed's text) and this handler answers any runner error 500
        raise OllamaError(500, contracts.message("embed_input_too_long"))
    return Single({"embedding": embedding.legacy(entry.name, prompt, entry.embedding_length or DEFAULT_DIMS)})


def _inputs(value: Any) -> list[str]:
    """`input` as a list of strings: absent, "" and [] are no input; other types are a 400."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise OllamaError.of("embed_invalid_input_type")

