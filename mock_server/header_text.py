"""Whether a text the user chose can go out as an HTTP header value.

The mock sends some names in its own response headers (the profile in X-Ollama-Mock-Profile, the
scenario rule in X-Ollama-Mock-Rule). h11 refuses a value with a control character (a line break
above all), and then every answer that carries it fails: such names are refused where they are read.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # a tab is allowed inside a value
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half a UTF-16 pair ("\\ud800" in JSON): no bytes encode it


def header_value_problem(text: str) -> str | None:
    """Why `text` cannot be a header value (None: it can)."""
    if not text.strip(" \t"):
        return "is empty"
    found = _CONTROL.search(text)
    if found is not None:
        return f"has the control character {found.group()!r}"
    found = _SURROGATE.search(text)
    if found is not None:
        return f"has the lone surrogate {found.group()!r}"
    if text != text.strip(" \t"):
        return "starts or ends with a space"
    return None
