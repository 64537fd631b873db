"""Request checks: Go's base64 error offsets, option types, format, think, keep_alive."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_conformance.mock_server import go_base64, names
from ollama_conformance.mock_server.errors import OllamaError
from ollama_conformance.mock_server.generation import request


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"", None),
        (b"QUJD", None),
        (b"QUI=", None),
        (b"QQ==", None),
        (b"QU\nJD", None),
        (b"abc", 0),  # short final quantum: Go reports where the quantum began
        (b"abcde", 4),
        (b"abcdef", 4),
        (b"ab!d", 2),
        (b"QUJDQUJD*", 8),
        (b"Q===", 1),  # padding too early
        (b"QQ=", 3),  # "==" expected, input ended
        (b"QQ=x", 2),
        (b"QUI=QUJD", 4),  # data after padding
        (b"\xc3\xa9AAA", 0),
        (b"not base64!", 3),
    ],
)
def test_base64_error_offsets_match_go(data: bytes, offset: int | None) -> None:
    assert go_base64.base64_error_offset(data) == offset


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.binary(max_size=40))
def test_valid_base64_is_accepted(raw: bytes) -> None:
    assert go_base64.base64_error_offset(base64.b64encode(raw)) is None


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from([b"Q", b"U", b"J", b"D", b"=", b"\n", b"+", b"!", b"QUJD"]), max_size=14).map(b"".join))
def test_the_c_decoder_shortcut_never_changes_the_answer(data: bytes) -> None:
    # the shortcut only says "valid" where the exact walk of Go's decoder does too
    exact = go_base64._walk_offset(data)
    assert go_base64.base64_error_offset(data) == exact
    if go_base64._plainly_valid(data):
        assert exact is None


def test_check_images_message() -> None:
    with pytest.raises(OllamaError) as err:
        request.check_images(["QUJD", "ab!d"])
    assert (err.value.status, err.value.message) == (400, "illegal base64 data at input byte 2")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stop": "x"}, 'option "stop" must be of type array'),
        ({"stop": ["a", 1]}, 'option "stop" must be of an array of strings'),
        ({"num_predict": "5"}, 'option "num_predict" must be of type integer'),
        ({"seed": True}, 'option "seed" must be of type integer'),
        ({"temperature": "hot"}, 'option "temperature" must be of type float32'),
        ({"use_mmap": 1}, 'option "use_mmap" must be of type boolean'),
    ],
)
def test_option_type_errors_are_500(options: dict, message: str) -> None:
    with pytest.raises(OllamaError) as err:
        request.check_options(options)
    assert (err.value.status, err.value.message) == (500, message)


def test_ignored_and_null_options_pass() -> None:
    options = {"mirostat": "x", "tfs_z": [], "temperature": None, "num_predict": 5.7, "top_p": 1}
    assert request.check_options(options) is options


@pytest.mark.parametrize("fmt", [None, "", "json", {"type": "object"}])
def test_valid_formats(fmt: object) -> None:
    request.check_format(fmt)


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("xml", 'invalid format: "\\"xml\\""; expected "json" or a valid JSON Schema object'),
        (5, 'invalid format: "5"; expected "json" or a valid JSON Schema object'),
        ([1], 'invalid format: "[1]"; expected "json" or a valid JSON Schema object'),
    ],
)
def test_invalid_formats_are_500(fmt: object, message: str) -> None:
    with pytest.raises(OllamaError) as err:
        request.check_format(fmt)
    assert (err.value.status, err.value.message) == (500, message)


def test_think_rules() -> None:
    assert request.think_requested(True) and request.think_requested("low")
    assert not request.think_requested(False) and not request.think_requested(None)
    assert request.think_enabled(None, ["thinking"], True)
    assert not request.think_enabled(False, ["thinking"], True)
    assert not request.think_enabled(True, ["completion"], True)
    assert not request.think_enabled(True, ["thinking"], False)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (0, 0.0),
        ("0", 0.0),
        ("0s", 0.0),
        ("5m", 300.0),
        (-1, -1.0),
        ("1h30m", 5400.0),
        (None, None),
        ("soon", None),
        (1e12, -1.0),  # past int64 nanoseconds: forever, never a 500
        (10**400, -1.0),
        ("2562047h", 9223369200.0),
        ("2562048h", None),  # Go's overflow error
        (1e-10, 0.0),  # Go truncates to whole nanoseconds: an unload
        ("0.1ns", 0.0),
    ],
)
def test_keep_alive_seconds(value: object, seconds: float | None) -> None:
    assert request.keep_alive_seconds(value) == seconds


@pytest.mark.parametrize(
    ("model", "status", "message"),
    [
        ("", 404, "model '' not found"),
        ("bad name!", 400, "invalid model name"),
        ("gpt-oss:20b-cloud:local", 400, 'use either :local or :cloud, not both: "gpt-oss:20b-cloud:local"'),
        ("x:cloud:LOCAL", 400, 'use either :local or :cloud, not both: "x:cloud:LOCAL"'),
        ("   ", 404, "model '   ' not found"),  # spaces alone: the empty-model error
        ("llama3.2:latest:local:local", 400, None),
    ],
)
def test_model_ref_errors(model: str, status: int, message: str | None) -> None:
    with pytest.raises(OllamaError) as err:
        request.check_model_ref(model, "model_not_found")
    assert err.value.status == status
    if message:
        assert err.value.message == message


def test_top_logprobs_range() -> None:
    request.check_top_logprobs({"top_logprobs": 20})
    with pytest.raises(OllamaError, match="top_logprobs must be between 0 and 20"):
        request.check_top_logprobs({"top_logprobs": 21})


@pytest.mark.parametrize(
    ("model", "base"),
    [
        ("llama3.2:local", "llama3.2"),
        ("llama3.2:LOCAL", "llama3.2"),
        ("llama3.2:latest:local", "llama3.2:latest"),
        (" llama3.2 ", "llama3.2"),
        ("x-cloud:local", "x-cloud"),  # one source suffix: no conflict
        ("llama3.2:cloud", "llama3.2:cloud"),  # cloud models stay unknown to the mock
        ("user/model:tag", "user/model:tag"),
    ],
)
def test_model_references_drop_spaces_and_a_local_suffix(model: str, base: str) -> None:
    request.check_model_ref(model, "model_not_found")
    assert names.local_base(model) == base
