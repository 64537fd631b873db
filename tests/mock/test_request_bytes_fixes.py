"""Request bytes read as Ollama reads them (third audit): unpaired surrogate escapes (Go's U+FFFD,
never a 500), zstd bodies on the /v1 and Anthropic routes (§0.1), Go's two ways of quoting a
value in a message (strconv's %q for think, time.quote for durations), and the trailing newline
that only the /v1 writers add (gin's c.JSON writes none)."""

from __future__ import annotations

from typing import Any

import pytest
import zstandard
from ollama_conformance.contracts import go_quote

CHAT_HI = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}


def raw_post(client: Any, path: str, body: bytes, **headers: str) -> Any:
    return client.post(path, content=body, headers={"content-type": "application/json", **headers})


# --- unpaired surrogates: Go decodes them as U+FFFD ----------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/chat", b'{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"a\\ud800b"}]}'),
        ("/api/generate", b'{"model":"llama3.2","stream":false,"prompt":"\\udfff"}'),
        ("/v1/chat/completions", b'{"model":"llama3.2","messages":[{"role":"user","content":"\\ud83d"}]}'),
        ("/v1/messages", b'{"model":"llama3.2","max_tokens":3,"messages":[{"role":"user","content":"\\ud800"}]}'),
        ("/v1/responses", b'{"model":"llama3.2","input":"x\\ud800"}'),
    ],
)
def test_a_lone_surrogate_is_answered_not_a_500(asgi_client: Any, path: str, body: bytes) -> None:
    response = raw_post(asgi_client, path, body)
    assert response.status_code == 200, response.text


def test_a_lone_surrogate_reaches_the_journal_as_the_replacement_character(asgi_client: Any) -> None:
    raw_post(asgi_client, "/api/chat", b'{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"a\\ud800\\u0041\\ud83d\\ude00"}]}')
    entries = asgi_client.get("/_mock/requests").json()["requests"]
    assert entries[-1]["body"]["messages"][0]["content"] == "a\ufffdA\U0001F600"


def test_a_surrogate_in_a_checked_value_gets_gos_message(asgi_client: Any) -> None:
    think = raw_post(asgi_client, "/api/chat", b'{"model":"qwen3:8b","think":"\\ud800","messages":[]}')
    assert think.status_code == 400
    assert think.json()["error"].startswith('invalid think value: "\ufffd"')
    keep = raw_post(asgi_client, "/api/chat", b'{"model":"llama3.2","keep_alive":"\\ud800","messages":[]}')
    assert keep.status_code == 400
    assert keep.json() == {"error": 'time: invalid duration "\\xef\\xbf\\xbd"'}


# --- zstd bodies (§0.1) ----------------------------------------------------------------------------


def zstd(body: Any) -> bytes:
    import json

    return zstandard.ZstdCompressor().compress(json.dumps(body).encode())


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", CHAT_HI),
        ("/v1/completions", {"model": "llama3.2", "prompt": "hi"}),
        ("/v1/embeddings", {"model": "nomic-embed-text", "input": "hi"}),
        ("/v1/responses", {"model": "llama3.2", "input": "hi"}),
        ("/v1/messages", {**CHAT_HI, "max_tokens": 3}),
    ],
)
def test_zstd_bodies_are_decompressed_on_the_compat_routes(asgi_client: Any, path: str, body: Any) -> None:
    plain = raw_post(asgi_client, path, __import__("json").dumps(body).encode())
    packed = raw_post(asgi_client, path, zstd(body), **{"content-encoding": "zstd"})
    assert packed.status_code == plain.status_code == 200, packed.text
    assert asgi_client.get("/_mock/requests").json()["requests"][-1]["body"] == body  # journalled as decoded


def test_native_routes_read_zstd_bytes_as_json_as_ollama_does(asgi_client: Any) -> None:
    response = raw_post(asgi_client, "/api/chat", zstd({**CHAT_HI, "stream": False}), **{"content-encoding": "zstd"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid character '(' looking for beginning of value"}


def test_zstd_frames_in_a_row_are_one_body(asgi_client: Any) -> None:
    text = b'{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]}'
    packer = zstandard.ZstdCompressor()
    body = packer.compress(text[:20]) + packer.compress(text[20:])
    assert raw_post(asgi_client, "/v1/chat/completions", body, **{"content-encoding": "zstd"}).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"model":"llama3.2"}', "invalid input: magic number mismatch"),  # not compressed at all
        (zstd(CHAT_HI)[:-6], "unexpected EOF"),  # a frame cut short
        (zstandard.ZstdCompressor().compress(b" " * (21 << 20)), "http: request body too large"),  # past 20 MiB
    ],
)
def test_bad_zstd_bodies_are_400_in_the_openai_envelope(asgi_client: Any, body: bytes, message: str) -> None:
    response = raw_post(asgi_client, "/v1/responses", body, **{"content-encoding": "zstd"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json()["error"]["message"] == message


# --- Go's quoting in messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "quoted"),
    [("\b", '"\\b"'), ("\x07", '"\\a"'), ("\f", '"\\f"'), ("\v", '"\\v"'), ("\x01", '"\\x01"'), ("\x7f", '"\\x7f"'),
     ("\u2028", '"\\u2028"'), ("\u00a0", '"\\u00a0"'), ("\ufeff", '"\\ufeff"'), ("é", '"é"'), ('a"\\', '"a\\"\\\\"'),
     ("\U000e0001", '"\\U000e0001"')],
)
def test_go_quote_is_strconv_quote(value: str, quoted: str) -> None:
    assert go_quote(value) == quoted


@pytest.mark.parametrize(
    ("keep_alive", "message"),
    [
        ("5分", 'time: unknown unit "\\xe5\\x88\\x86" in duration "5\\xe5\\x88\\x86"'),
        ("é", 'time: invalid duration "\\xc3\\xa9"'),
        ("\n", 'time: invalid duration "\\x0a"'),
        ("\x7f", 'time: invalid duration "\x7f"'),  # DEL stays raw in time.quote
        ("5٣s", 'time: unknown unit "\\xd9\\xa3s" in duration "5\\xd9\\xa3s"'),  # only ASCII digits end a unit
    ],
)
def test_duration_errors_quote_as_gos_time_package(asgi_client: Any, keep_alive: str, message: str) -> None:
    response = asgi_client.post("/api/generate", json={"model": "llama3.2", "keep_alive": keep_alive})
    assert response.status_code == 400
    assert response.json() == {"error": message}


# --- trailing newline: the /v1 writers' Encode adds one, gin's c.JSON does not -----------------------


def test_compat_middleware_errors_have_no_trailing_newline(asgi_client: Any) -> None:
    for path, body in (("/v1/chat/completions", b""), ("/v1/chat/completions", b'{"model":"llama3.2"}'),
                       ("/v1/embeddings", b'{"model":"x"}'), ("/v1/messages", b'{"model":"llama3.2"}')):
        response = raw_post(asgi_client, path, body)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.content.endswith(b"}"), (path, response.content)


def test_compat_handler_errors_and_answers_end_with_a_newline(asgi_client: Any) -> None:
    missing = asgi_client.post("/v1/chat/completions", json={**CHAT_HI, "model": "nope"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    assert missing.content.endswith(b"}\n")
    assert asgi_client.post("/v1/chat/completions", json=CHAT_HI).content.endswith(b"}\n")


@pytest.mark.parametrize(("body", "named"), [("\ufeff{}".encode(), "'ï'"), ("é".encode(), "'Ã'"), (b"\x01", "'\\x01'"),
                                             (b"\xe9", "'é'"), (b"\x85", "'\\u0085'"), (b"\x0b", "'\\v'")])
def test_a_syntax_error_names_the_first_byte_as_go_does(asgi_client: Any, body: bytes, named: str) -> None:
    # Go's decoder reads bytes: a character beyond ASCII is named by its first UTF-8 byte
    response = raw_post(asgi_client, "/api/chat", body)
    assert response.json() == {"error": f"invalid character {named} looking for beginning of value"}


def test_zstd_skippable_frames_and_trailing_bytes_are_read_as_go_reads_them(asgi_client: Any) -> None:
    packed = zstd(CHAT_HI)
    skippable = bytes([0x50, 0x2A, 0x4D, 0x18]) + (3).to_bytes(4, "little") + b"xyz"
    for body in (skippable + packed, packed + b"trailing"):
        assert raw_post(asgi_client, "/v1/chat/completions", body, **{"content-encoding": "zstd"}).status_code == 200
