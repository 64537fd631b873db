"""POST /v1/audio/transcriptions (reference §1.30): multipart model + file -> a transcript.

Ollama runs the audio through a chat request on an audio-capable model; the mock has no audio, so
the transcript is words picked deterministically from a digest of the file bytes (same file, same
text). Errors keep Ollama's texts and check order.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .. import errors
from ..outcome import Outcome, RequestInfo, Single
from .common import JSON, NativeError, openai_errors

_WORDS = (
    "the quick brown fox jumps over a lazy dog while seven bright stars hum quietly above "
    "calm water and gentle wind carries distant voices across open fields toward morning light"
).split()


@openai_errors
def run(state: Any, form: dict[str, object], info: RequestInfo) -> Outcome:
    model = str(form.get("model") or "")
    if not model:
        raise errors.OllamaError.of("model_required")
    audio = form.get("file")
    if not isinstance(audio, bytes):  # FormFile wants a file part: a text field named "file" is none
        raise errors.OllamaError.of("audio_file_required", err="http: no such file")
    if not audio:
        raise errors.OllamaError.of("audio_file_empty")
    if getattr(state, "models", None) is not None:
        _chat_checks(state, model)
    text = transcript(audio)
    response_format = str(form.get("response_format") or "json")
    if response_format == "text":
        return Single(body=text, content_type="text/plain; charset=utf-8")
    # json and verbose_json both answer {"text": ...}: Ollama has no segments to report
    return Single(body={"text": text}, content_type=JSON)


def _chat_checks(state: Any, model: str) -> None:
    """What Ollama's chat handler, which runs the transcription, refuses first: a bad model name,
    a model not installed, one that cannot chat. (The mock has no audio models: any chat model
    transcribes.)"""
    from ..generation import pipeline, request

    try:
        request.check_model_ref(model, "model_required")
        entry = pipeline.lookup(state, model, "model_not_found")
        pipeline.check_capabilities(entry, model, "chat")
    except errors.OllamaError as error:
        raise NativeError.wrap(error) from None


def transcript(audio: bytes) -> str:
    """Four to twelve words chosen from the file's digest, as a sentence."""
    digest = hashlib.sha256(audio).digest()
    count = 4 + digest[0] % 9
    words = [_WORDS[digest[1 + i] % len(_WORDS)] for i in range(count)]
    return " ".join(words).capitalize() + "."
