"""Cost of contract validation with compiled (cached) validators.

    python benchmarks/bench_validate.py [--rounds N]

Prints, per case, the median time per call and the ratio to a baseline measured in the
same run on the same bytes (json.loads): a typical parsed /api/chat response through
contracts.validate (target <= 50 us) and a raw 100-line /api/chat NDJSON stream through
contracts.validate_stream, parsing included (target <= 5 ms). Nothing but CPU.
Valid input takes the compiled fast path (contracts/fastcheck.py); jsonschema itself
(~1 ms per chat response on this machine) only runs to explain invalid input.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from ollama_conformance.contracts import validation

from ollama_conformance import contracts

CHAT_RESPONSE: dict[str, Any] = {
    "model": "llama3.2",
    "created_at": "2026-08-21T17:02:12.100001Z",
    "message": {"role": "assistant", "content": "Hello there! How can I help you today?"},
    "done": True,
    "done_reason": "stop",
    "total_duration": 1589000000,
    "load_duration": 42000000,
    "prompt_eval_count": 26,
    "prompt_eval_duration": 130000000,
    "eval_count": 259,
    "eval_duration": 1410000000,
}
TARGETS_US = {"chat response": 50.0, "100-line stream": 5000.0}


def stream_body(lines: int = 100) -> bytes:
    records = [
        {
            "model": "llama3.2",
            "created_at": "2026-08-21T17:02:11.512309Z",
            "message": {"role": "assistant", "content": f" tok{i}"},
            "done": False,
        }
        for i in range(lines - 1)
    ]
    records.append({**CHAT_RESPONSE, "message": {"role": "assistant", "content": ""}})
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()


def per_call_us(fn: Callable[[], Any], rounds: int, calls: int) -> float:
    """Median over `rounds` of the mean time of `calls` calls, in microseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def report(name: str, cost: float, baseline: float) -> str:
    verdict = "ok" if cost <= TARGETS_US[name] else "OVER TARGET"
    return f"{name:<16} {cost:10.1f} us   json.loads {baseline:8.1f} us   ratio {cost / baseline:6.1f}x   target {TARGETS_US[name]:.0f} us: {verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (median is reported)")
    args = parser.parse_args(argv)
    body = json.dumps(CHAT_RESPONSE).encode()
    raw = stream_body()
    assert contracts.validate("POST /api/chat", "response", CHAT_RESPONSE) == []  # warm up + sanity
    assert contracts.validate_stream("POST /api/chat", raw) == []

    def validate_response() -> Any:  # the parsed body, as a client holds it
        return contracts.validate("POST /api/chat", "response", CHAT_RESPONSE)

    def parse_response() -> Any:
        return json.loads(body)

    def validate_stream() -> Any:
        return contracts.validate_stream("POST /api/chat", raw)

    def parse_stream() -> Any:
        return [json.loads(line) for line in raw.splitlines()]

    slow = validation.validator(contracts.operation("POST /api/chat")["response"]["schema"])
    jsonschema_us = per_call_us(lambda: list(slow.iter_errors(CHAT_RESPONSE)), args.rounds, 100)
    print(
        f"{'(jsonschema only)':<16} {jsonschema_us:10.1f} us   the chat response through jsonschema alone (no fast path)"
    )
    print(
        report(
            "chat response",
            per_call_us(validate_response, args.rounds, 2000),
            per_call_us(parse_response, args.rounds, 2000),
        )
    )
    print(
        report(
            "100-line stream",
            per_call_us(validate_stream, args.rounds, 50),
            per_call_us(parse_stream, args.rounds, 50),
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
