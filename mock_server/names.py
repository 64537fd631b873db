"""Model names as Ollama parses them (reference §0.5): [host/][namespace/]model[:tag].

Defaults are host registry.ollama.ai, namespace library, tag latest. The "shortest display"
form drops the default host and namespace but always keeps the tag.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_PART = {
    "host": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:\-]{0,349}\Z"),
    "namespace": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,79}\Z"),
    "model": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,79}\Z"),
    "tag": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,79}\Z"),
}


class Name(NamedTuple):
    host: str
    namespace: str
    model: str
    tag: str

    def display(self) -> str:
        prefix = ""
        if self.host != DEFAULT_HOST:
            prefix = f"{self.host}/{self.namespace}/"
        elif self.namespace != DEFAULT_NAMESPACE:
            prefix = f"{self.namespace}/"
        return f"{prefix}{self.model}:{self.tag}"

    def full(self) -> str:
        return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"

    def key(self) -> str:
        """Lookup key: installed models match case-insensitively."""
        return self.full().lower()


def parse(text: str) -> Name | None:
    """The parsed name, with defaults filled in; None when `text` is not a valid name."""
    if not isinstance(text, str):
        return None
    return _parse(text)


@lru_cache(maxsize=1024)  # the same few names come back on every request
def _parse(text: str) -> Name | None:
    if not text or text != text.strip():
        return None
    parts = text.split("/")
    if len(parts) > 3:
        return None
    model, tag = _split_tag(parts[-1])
    namespace = parts[-2] if len(parts) >= 2 else DEFAULT_NAMESPACE
    host = parts[-3] if len(parts) == 3 else DEFAULT_HOST
    name = Name(host, namespace, model, tag)
    checks = (("host", host), ("namespace", namespace), ("model", model), ("tag", tag))
    return name if all(_PART[kind].match(value) for kind, value in checks) else None


def _split_tag(last: str) -> tuple[str, str]:
    model, sep, tag = last.rpartition(":")
    return (model, tag) if sep else (last, DEFAULT_TAG)


def is_valid(text: str) -> bool:
    return parse(text) is not None


def display(text: str) -> str:
    """Shortest display form ("llama3.2" -> "llama3.2:latest"); invalid names come back as given."""
    name = parse(text)
    return name.display() if name else text


def full_name(text: str) -> str:
    """Fully qualified form ("registry.ollama.ai/library/llama3.2:latest")."""
    name = parse(text)
    return name.full() if name else text


def key(text: str) -> str | None:
    return _key(text) if isinstance(text, str) else None


@lru_cache(maxsize=1024)  # every generation looks its model up by this key
def _key(text: str) -> str | None:
    name = _parse(text)
    return name.key() if name else None


def has_local_and_cloud(text: str) -> bool:
    """True for a name with two source suffixes, e.g. `m:cloud:local` (400 in Ollama)."""
    return _reference(text)[1]


def local_base(text: str) -> str:
    """The name an inference request's `model` is looked up by: spaces trimmed and a `:local`
    source suffix (any case) dropped, as Ollama's model references read it. `:cloud` and
    `-cloud` stay part of the name: the mock runs no cloud models, so those are not found."""
    return _reference(text)[0]


@lru_cache(maxsize=1024)  # the same few names come with every request
def _reference(text: str) -> tuple[str, bool]:
    """(lookup name, two source suffixes?) of a model reference."""
    raw = text.strip()
    base, source = _source_suffix(raw)
    if source and _source_suffix(base)[1]:
        return raw, True
    return (base if source == "local" else raw), False


def _source_suffix(raw: str) -> tuple[str, str]:
    """(name without it, "local" | "cloud") for a trailing source suffix, else (raw, "")."""
    head, colon, last = raw.rpartition(":")
    if colon:
        suffix = last.strip().lower()
        if suffix in ("local", "cloud"):
            return head, suffix
        if "/" not in last and suffix.endswith("-cloud"):  # "m:tag-cloud" is "m:tag" in the cloud
            return f"{head}:{last[: -len('-cloud')]}", "cloud"
    return raw, ""


@lru_cache(maxsize=1024)  # the same few names come with every request
def seed_name(text: str) -> str:
    """One spelling per model for the reply's digest: "Llama3.2", "llama3.2:latest" and
    "llama3.2:local" pick the same weights, so they get the same words (shortest display form,
    lower case, the default tag dropped); text that is no name comes back as given."""
    name = parse(local_base(text))
    if name is None:
        return text
    shown = name.display().lower()
    return shown[: -len(":" + DEFAULT_TAG)] if shown.endswith(":" + DEFAULT_TAG) else shown
