"""Deterministic text: words, tokens, stop sequences, chunking, token ids."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server.generation import text


def test_paragraph_is_deterministic_and_seed_sensitive() -> None:
    a = text.paragraph(text.digest("m", "hello"), "hello")
    assert a == text.paragraph(text.digest("m", "hello"), "hello")
    assert a != text.paragraph(text.digest("m", "hello", 7), "hello")


def test_paragraph_is_sentences_of_known_words() -> None:
    out = text.paragraph(text.digest("x"), "Tell me about rivers")
    assert out[0].isupper() and out.endswith(".")
    vocabulary = set(text.WORDS) | {"rivers"}
    assert all(w.strip(".,").lower() in vocabulary for w in out.split())


def test_topic_words_skip_stopwords() -> None:
    assert text.topic_words("Why is the sky blue?") == ["sky", "blue"]


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.text(max_size=80))
def test_tokens_join_back_exactly(value: str) -> None:
    assert "".join(text.tokens(value)) == value


def test_tokens_are_words_with_leading_space() -> None:
    assert text.tokens("Hello big world.") == ["Hello", " big", " world."]


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.text(min_size=1, max_size=60), st.lists(st.integers(1, 7), min_size=1, max_size=4))
def test_chunk_by_sizes_joins_back_and_respects_sizes(value: str, sizes: list[int]) -> None:
    pieces = text.chunk_by_sizes(value, sizes)
    assert "".join(pieces) == value
    for i, piece in enumerate(pieces[:-1]):
        assert len(piece) == sizes[min(i, len(sizes) - 1)]


def test_cut_at_stop_takes_the_earliest_stop() -> None:
    assert text.cut_at_stop("one two three four", ["four", "two"]) == ("one ", True)
    assert text.cut_at_stop("one two", ["nine"]) == ("one two", False)
    assert text.cut_at_stop("one two", [""]) == ("one two", False)


def test_thinking_length_grows_with_level() -> None:
    seed = text.digest("think")
    low, high = text.thinking(seed, "q", "low"), text.thinking(seed, "q", "max")
    assert len(low.split()) < len(high.split())


def test_token_ids_are_stable_ints() -> None:
    ids = text.token_ids(["Hello", " world"])
    assert ids == text.token_ids(["Hello", "world"]) and all(isinstance(i, int) and i >= 100 for i in ids)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.integers(), st.none(),
                          st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)), max_size=4))
def test_the_digest_is_sha256_of_the_canonical_json_and_numbers_are_sha256_in_counter_mode(parts) -> None:
    import hashlib
    import json
    import struct

    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    assert text.digest(*parts) == hashlib.sha256(canonical.encode("utf-8")).digest()
    seed = text.digest(*parts)
    blocks = [hashlib.sha256(seed + b"s").digest(), hashlib.sha256(seed + b"s" + (1).to_bytes(4, "big")).digest()]
    assert text.numbers(seed, "s", 6) == [n for block in blocks for n in struct.unpack(">4Q", block)][:6]
