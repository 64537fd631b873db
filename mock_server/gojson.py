"""Go encoding/json's view of a request body: where the first value ends, its syntax errors, and
the JSON kind names its type-mismatch messages use (reference §0.4); and a value as Go holds it
once decoded into `any` (`go_decoded`).

Python's json module accepts what Go rejects (NaN, Infinity) and words its errors differently;
`first_value_end` scans the text the way Go's decoder does and raises Go's message for the first
syntax error. Gin decodes only the first value of a body, so the end of that value is returned.
"""

from __future__ import annotations

from typing import Any

from .errors import OllamaError

_KIND_OF: dict[type, str] = {str: "string", list: "array", dict: "object", bool: "bool", int: "number", float: "number"}


def json_kind(value: Any) -> str:
    """The JSON kind Go names in "cannot unmarshal <kind>": string, number, bool, array or object."""
    return _KIND_OF.get(type(value)) or _slow_kind(value)


def _slow_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else "array" if isinstance(value, list) else "object"


def first_value_end(text: str) -> int:
    """The offset just after the first JSON value of `text`; OllamaError(400) with Go's syntax message."""
    return _Scanner(text).scan()


class _Scanner:
    """Finds the end of the first JSON value, or raises Go's decoder message for the first error."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def scan(self) -> int:
        self._value("looking for beginning of value")
        return self.pos

    def _peek(self) -> str:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1
        if self.pos >= len(self.text):
            raise OllamaError.of("json_eof")
        return self.text[self.pos]

    def _fail(self, context: str) -> OllamaError:
        return OllamaError(400, f"invalid character {quote_char(self.text[self.pos])} {context}")

    def _value(self, context: str) -> None:
        ch = self._peek()
        if ch == "{":
            self._container("}", "looking for beginning of object key string", "after object key:value pair")
        elif ch == "[":
            self._container("]", "", "after array element")
        elif ch == '"':
            self._string()
        elif ch == "-" or ch.isdigit():
            self._number()
        elif ch in "tfn":
            self._literal({"t": "true", "f": "false", "n": "null"}[ch])
        else:
            raise self._fail(context)

    def _container(self, close: str, key_context: str, after: str) -> None:
        self.pos += 1
        if self._peek() == close:
            self.pos += 1
            return
        while True:
            if close == "}":
                if self._peek() != '"':
                    raise self._fail(key_context)
                self._string()
                if self._peek() != ":":
                    raise self._fail("after object key")
                self.pos += 1
            self._value("looking for beginning of value")
            ch = self._peek()
            self.pos += 1
            if ch == close:
                return
            if ch != ",":
                self.pos -= 1
                raise self._fail(after)

    def _string(self) -> None:
        self.pos += 1
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == '"':
                self.pos += 1
                return
            if ch < " ":
                raise self._fail("in string literal")
            if ch == "\\":
                self.pos += 1
                self._escape()
            self.pos += 1
        raise OllamaError.of("json_eof")

    def _escape(self) -> None:
        if self.pos >= len(self.text):
            raise OllamaError.of("json_eof")
        if self.text[self.pos] == "u":
            for _ in range(4):
                self.pos += 1
                if self.pos >= len(self.text):
                    raise OllamaError.of("json_eof")
                if self.text[self.pos] not in "0123456789abcdefABCDEF":
                    raise self._fail("in \\u hexadecimal character escape")
        elif self.text[self.pos] not in '"\\/bfnrt':
            raise self._fail("in string escape code")

    def _number(self) -> None:
        if self.text[self.pos] == "-":  # Go's stateNeg: one digit must follow; then 0 or 1-9 as unsigned
            self._need_digit("in numeric literal")
        if self.text[self.pos] == "0":
            self.pos += 1
        else:
            self._digits("in numeric literal", need=False)
        if self._at("."):
            self._digits("after decimal point in numeric literal", need=True)
        if self._at("e") or self._at("E"):
            if self.pos + 1 < len(self.text) and self.text[self.pos + 1] in "+-":
                self.pos += 1
            self._digits("in exponent of numeric literal", need=True)

    def _at(self, ch: str) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] == ch

    def _need_digit(self, context: str) -> None:
        """Step past the current character onto a digit: Go's EOF or syntax error otherwise."""
        self.pos += 1
        if self.pos >= len(self.text):
            raise OllamaError.of("json_eof")
        if not self.text[self.pos].isdigit():
            raise self._fail(context)

    def _digits(self, context: str, need: bool) -> None:
        if need:
            self._need_digit(context)
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1

    def _literal(self, word: str) -> None:
        for i, expected in enumerate(word):
            if self.pos >= len(self.text):
                raise OllamaError.of("json_eof")
            if self.text[self.pos] != expected:
                raise self._fail(f"in literal {word} (expecting {quote_char(expected)})")
            self.pos += 1 if i < len(word) else 0


def quote_char(ch: str) -> str:
    """Go's quoteChar of one byte (read as a rune, then strconv.Quote, in single quotes). Go's
    decoder works on bytes: scan the body's bytes as Latin-1 text so that each character is one
    (a BOM then reads 'ï', an invalid 0xE9 'é')."""
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    if ch >= "\u0100":  # text that was not scanned byte-wise: its first UTF-8 byte
        ch = chr(ch.encode("utf-8", "surrogatepass")[0])
    from ollama_conformance.contracts import go_quote

    return "'" + go_quote(ch)[1:-1] + "'"


def go_decoded(value: Any) -> Any:
    """A JSON value as Go holds it in an `any` and encoding/json writes it back: a whole float64
    has no fraction (42.0 -> 42, where Python's encoder writes "42.0"), in lists and objects too."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e21 else value  # Go's 'e' form from 1e21
    if isinstance(value, dict):
        return {key: go_decoded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [go_decoded(item) for item in value]
    return value
