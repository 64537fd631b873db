"""Log probabilities for generated tokens (`logprobs` / `top_logprobs` requests).

Each entry is Ollama's Logprob: {"token", "logprob", "bytes"?, "top_logprobs"?}; the chosen
token is the most likely one, alternatives come from the word list with lower values.
"""

from __future__ import annotations

from typing import Any

from . import text


def entries(pieces: list[str], seed: bytes, top_n: int, offset: int = 0) -> list[dict[str, Any]]:
    return [_entry(piece, seed, top_n, offset + i) for i, piece in enumerate(pieces)]


def _entry(piece: str, seed: bytes, top_n: int, position: int) -> dict[str, Any]:
    # each position draws on its own (a stream's records and the whole answer agree): the value,
    # then a word and a drop per alternative
    drawn = text.numbers(seed, f"logprob-{position}", 1 + 2 * max(top_n - 1, 0))
    best = -round(0.0001 + 0.8999 * drawn[0] * text.UNIT, 6)
    entry = _token(piece, best)
    if top_n > 0:
        words = text.WORDS
        alternatives = [
            _token(" " + words[drawn[1 + 2 * k] % len(words)], round(best - (0.5 + 3.5 * drawn[2 + 2 * k] * text.UNIT) * (k + 1), 6))
            for k in range(top_n - 1)
        ]
        entry["top_logprobs"] = [_token(piece, best), *alternatives]
    return entry


def _token(token: str, logprob: float) -> dict[str, Any]:
    out: dict[str, Any] = {"token": token, "logprob": logprob}
    if token:
        out["bytes"] = list(token.encode("utf-8"))
    return out
