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
    data = form.get("file")
    if data is None:
        raise errors.OllamaError.of("audio_file_required", err="http: no such file")
    audio = data if isinstance(data, bytes) else str(data).encode("utf-8")
    if not audio:
        raise errors.OllamaError.of("audio_file_empty")
    models = getattr(state, "models", None)
    if models is not None and models.get(model) is None:
        raise NativeError.wrap(
            errors.OllamaError.of("model_not_found", model=model)
        )  # the chat handler's 404
    text = transcript(audio)
    response_format = str(form.get("response_format") or "json")
    if response_format == "text":
        return Single(body=text, content_type="text/plain; charset=utf-8")
    # json and verbose_json both answer {"text": ...}: Ollama has no segments to report
    return Single(body={"text": text}, content_type=JSON)


def transcript(audio: bytes) -> str:
    """Four to twelve words chosen from the file's digest, as a sentence."""
    digest = hashlib.sha256(audio).digest()
    count = 4 + digest[0] % 9
    words = [_WORDS[digest[1 + i] % len(_WORDS)] for i in range(count)]
    return " ".join(words).capitalize() + "."
