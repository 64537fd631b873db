"""Go's decoding of /v1/messages `messages`: anthropic.MessageParam has its own UnmarshalJSON.

It reads each message as {role string, content json.RawMessage}, then the content as a string
(one text block) or else as []anthropic.ContentBlock. An error in there ends the request's
decoding at once, and Go names it from the request struct: `MessagesRequest.messages.role`,
`MessagesRequest.messages.text` (the blocks are decoded on their own, so their path leaves out
`content`), `MessagesRequest.messages of type []anthropic.ContentBlock`. A message that is null or
has no content fails as decoding empty input does: `unexpected end of JSON input`.
"""

from __future__ import annotations

from typing import Any

from .errors import OllamaError
from .gojson import json_kind

_WHERE = "MessagesRequest.messages"
_RAW = 'struct { Role string "json:\\"role\\""; Content json.RawMessage "json:\\"content\\"" }'
_EMPTY_INPUT = "unexpected end of JSON input"
# anthropic.ContentBlock's fields a wrong JSON type fails on (input and content are free-form);
# a nested struct maps its own fields the same way
_IMAGE_SOURCE = ("anthropic.ImageSource", {"type": "string", "media_type": "string", "data": "string", "url": "string"})
_CITATION = ("anthropic.Citation", {"type": "string", "url": "string", "title": "string", "encrypted_index": "string",
                                     "cited_text": "string"})
_BLOCK: dict[str, Any] = {"type": "string", "text": "string", "id": "string", "name": "string", "tool_use_id": "string",
                          "is_error": "bool", "thinking": "string", "signature": "string", "source": _IMAGE_SOURCE,
                          "citations": ("[]", _CITATION)}  # a list of structs
_PYTHON = {"string": (str,), "bool": (bool,)}


def check_messages(messages: Any) -> None:
    """OllamaError(400) with Go's message for the first message Go refuses (None: all decode)."""
    if not isinstance(messages, list):
        raise _mismatch(messages, "", "[]anthropic.MessageParam")
    for message in messages:
        _check_message(message)


def _check_message(message: Any) -> None:
    if message is None:  # UnmarshalJSON gets "null": no content to read
        raise OllamaError(400, _EMPTY_INPUT)
    if not isinstance(message, dict):
        raise _mismatch(message, "", _RAW)
    content, has_content = None, False
    for key, value in message.items():  # Go matches the keys case-insensitively; the last content wins
        name = key.lower()
        if name == "role" and value is not None and not isinstance(value, str):
            raise _mismatch(value, "role", "string")  # the first decode, before the content is read
        if name == "content":
            content, has_content = value, True
    if not has_content:
        raise OllamaError(400, _EMPTY_INPUT)
    if content is None or isinstance(content, str):
        return  # null reads as the empty string: one empty text block
    if not isinstance(content, list):
        raise _mismatch(content, "", "[]anthropic.ContentBlock")
    for block in content:
        if block is not None and not isinstance(block, dict):
            raise _mismatch(block, "", "anthropic.ContentBlock")
        _check_struct(block or {}, _BLOCK, ())


def _check_struct(value: dict[str, Any], fields: dict[str, Any], path: tuple[str, ...]) -> None:
    for key, item in value.items():  # in the order sent: Go keeps the first mismatch
        name = key if key in fields else key.lower()  # Go matches a field name case-insensitively
        go = fields.get(name)
        if go is None or item is None:
            continue
        if isinstance(go, tuple) and go[0] == "[]":  # a slice of structs: an array, then each item
            struct = go[1]
            if not isinstance(item, list):
                raise _mismatch(item, ".".join((*path, name)), "[]" + struct[0])
            for element in item:
                if element is not None and not isinstance(element, dict):
                    raise _mismatch(element, ".".join((*path, name)), struct[0])
                _check_struct(element or {}, struct[1], (*path, name))
        elif isinstance(go, tuple):  # a struct: an object, then its own fields
            if not isinstance(item, dict):
                raise _mismatch(item, ".".join((*path, name)), go[0])
            _check_struct(item, go[1], (*path, name))
        elif type(item) not in _PYTHON[go]:
            raise _mismatch(item, ".".join((*path, name)), go)


def _mismatch(value: Any, field: str, go_type: str) -> OllamaError:
    where = f"{_WHERE}.{field}" if field else _WHERE
    return OllamaError(400, f"json: cannot unmarshal {json_kind(value)} into Go struct field {where} of type {go_type}")
