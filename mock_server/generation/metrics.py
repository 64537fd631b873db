"""The six timing/count fields of a final generation record, consistent with what was produced.

Durations are derived from the token counts and the request digest (a fixed per-request
speed), so they are deterministic, non-zero, and add up: total >= load + prompt eval + eval.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import text

IMAGE_TOKENS = 256  # prompt inputs one image's embedding takes (the runner counts them as prompt)


@dataclass(frozen=True)
class Metrics:
    load_duration: int
    prompt_eval_count: int
    prompt_eval_duration: int
    eval_count: int
    eval_duration: int
    overhead: int

    @property
    def total_duration(self) -> int:
        return self.load_duration + self.prompt_eval_duration + self.eval_duration + self.overhead

    def fields(self) -> dict[str, int]:
        """The metrics in Ollama's key order, each left out when 0 (Go omitempty)."""
        out = {"total_duration": int(self.total_duration), "load_duration": int(self.load_duration),
               "prompt_eval_count": int(self.prompt_eval_count), "prompt_eval_duration": int(self.prompt_eval_duration),
               "eval_count": int(self.eval_count), "eval_duration": int(self.eval_duration)}
        if all(out.values()):  # compute() makes every one of them at least 1
            return out
        return {key: value for key, value in out.items() if value}


@lru_cache(maxsize=4096)  # pure in the request digest
def token_ns(seed: bytes) -> int:
    """Nanoseconds per generated token for this request: about 40-60 tokens per second."""
    return 16_000_000 + text.numbers(seed, "speed", 1)[0] % 9_000_001


def tick_us(seed: bytes) -> int:
    """Microseconds between the request's stream records: its token time in whole milliseconds
    (the records' created_at then share their microsecond digits, which `wire` writes cheaply)."""
    return token_ns(seed) // 1_000_000 * 1000


@lru_cache(maxsize=4096)
def _jitter(seed: bytes) -> tuple[int, int, int]:
    """The request's random parts of prompt eval, eval and overhead time, in that draw order."""
    prompt, evals, overhead = text.numbers(seed, "metrics", 3)
    return 1_000_000 + prompt % 8_000_001, 100_000 + evals % 800_001, 200_000 + overhead % 1_800_001


def compute(seed: bytes, load_ns: int, prompt_tokens: int, eval_tokens: int) -> Metrics:
    # The same frozen Metrics, filled without the per-field object.__setattr__ of its __init__
    # (one per request; that __init__ costs more than the arithmetic).
    load, prompt_tokens, prompt_eval, eval_tokens, evals, overhead = _amounts(seed, load_ns, prompt_tokens, eval_tokens)
    made = object.__new__(Metrics)
    made.__dict__.update(load_duration=load, prompt_eval_count=prompt_tokens, prompt_eval_duration=prompt_eval,
                         eval_count=eval_tokens, eval_duration=evals, overhead=overhead)
    return made


def final_fields(seed: bytes, load_ns: int, prompt_tokens: int, eval_tokens: int) -> dict[str, int]:
    """`compute(...).fields()` without the Metrics object (every non-stream answer needs just this)."""
    load, prompt_tokens, prompt_eval, eval_tokens, evals, overhead = _amounts(seed, load_ns, prompt_tokens, eval_tokens)
    return {"total_duration": load + prompt_eval + evals + overhead, "load_duration": load,
            "prompt_eval_count": prompt_tokens, "prompt_eval_duration": prompt_eval,
            "eval_count": eval_tokens, "eval_duration": evals}  # every one >= 1: none is omitted


def _amounts(seed: bytes, load_ns: int, prompt_tokens: int, eval_tokens: int) -> tuple[int, int, int, int, int, int]:
    """(load, prompt tokens, prompt eval, eval tokens, eval, overhead), each at least 1."""
    prompt_extra, eval_extra, overhead = _jitter(seed)
    prompt_tokens = max(1, prompt_tokens)
    eval_tokens = max(1, eval_tokens)
    return (max(1, int(load_ns)), prompt_tokens, prompt_tokens * 900_000 + prompt_extra, eval_tokens,
            eval_tokens * token_ns(seed) + eval_extra, overhead)


def prompt_tokens_chat(messages: list[dict[str, Any]], system: str, tools: list[Any]) -> int:
    """Prompt size of a chat: each message's words plus template overhead, tools included."""
    count = text.count_tokens(system) + (4 if system else 0)
    for msg in messages:
        count += 4 + text.count_tokens(str(msg.get("content") or ""))
        count += IMAGE_TOKENS * len(msg.get("images") or [])
        for call in msg.get("tool_calls") or []:
            count += 8 + text.count_tokens(str(call))
    if tools:
        count += 10 + sum(text.count_tokens(str(t)) for t in tools)
    return count + 3


def prompt_tokens_generate(prompt: str, system: str, suffix: str, context: list[int], raw: bool, images: int = 0) -> int:
    """Prompt size of a generate call: words of prompt/system/suffix, the context, the template,
    and the images' embeddings (as many per image as chat counts)."""
    count = text.count_tokens(prompt) + text.count_tokens(suffix) + len(context) + IMAGE_TOKENS * images
    if not raw:
        count += 6 + text.count_tokens(system)
    return count
