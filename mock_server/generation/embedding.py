"""Deterministic embedding vectors: the same text always maps to the same vector.

A text's vector is the sum of its words' vectors plus a component of its own, so texts that
share words are closer than unrelated ones (retrieval tests behave plausibly). /api/embed
vectors are L2-normalised; the legacy /api/embeddings ones are not.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections import OrderedDict

from . import text

MAX_WORDS = 128  # words that shape a vector; the rest only count as tokens


# Word and text vectors are kept for reuse up to this many components in all (16 MB of doubles:
# ~2,600 vectors of 768 dimensions, ~500 of 4096), the least recently used going first: bounded by
# size, not count, so a model with wide vectors cannot take gigabytes
MAX_KEPT_COMPONENTS = 2_000_000
_kept: OrderedDict[tuple[str, str, int], array[float]] = OrderedDict()
_kept_components = 0


def _unit(model_key: str, token: str, dims: int) -> array[float]:
    global _kept_components
    key = (model_key, token, dims)
    vector = _kept.get(key)
    if vector is not None:
        _kept.move_to_end(key)
        return vector
    r = text.rng(text.digest(model_key, token, dims), "embedding")
    vector = array("d", [r.gauss(0.0, 1.0) for _ in range(dims)])
    _kept[key] = vector
    _kept_components += dims
    while _kept_components > MAX_KEPT_COMPONENTS and len(_kept) > 1:
        _kept_components -= len(_kept.popitem(last=False)[1])
    return vector


def raw_vector(model_key: str, value: str, dims: int) -> list[float]:
    """The unnormalised vector of `value` for a model (`model_key`: its normalised name)."""
    acc = [0.35 * x for x in _unit(model_key, "\x00text:" + value, dims)]
    for word in value.lower().split()[:MAX_WORDS]:
        for i, x in enumerate(_unit(model_key, word.strip(".,;:!?\"'()"), dims)):
            acc[i] += x
    return acc


# Go writes a float32 in exponent form only below 1e-6, Python's repr already below 1e-4: a
# component is kept at least this large, so that none is written as 5.1e-05 where Ollama writes
# 0.000051 (about 2 of 768 move, by under 1e-4: the norm stays 1 within 1e-8).
_SMALLEST = 1e-4


_F32 = struct.Struct("f")


def as_go_float32(value: float) -> float:
    """`value` as a float32, holding the shortest decimal that reads back as that float32: Go writes
    a []float32 with those digits (0.0896761 where a float64's repr would say 0.08967609703540802;
    1, not 1.0, for a whole number)."""
    pack, unpack = _F32.pack, _F32.unpack
    single = unpack(pack(value))[0]
    # whether `digits` significant digits read back as `single`, written inline (no closure built per
    # component of a 768-wide vector); most components need 7 or 8 digits: those are tried first
    if unpack(pack(float(f"{single:.7g}")))[0] == single:
        digits = 7
        while digits > 1 and unpack(pack(float(f"{single:.{digits - 1}g}")))[0] == single:
            digits -= 1
    else:
        digits = 8 if unpack(pack(float(f"{single:.8g}")))[0] == single else 9  # 9 always reads back
    shortest = float(f"{single:.{digits}g}")
    return int(shortest) if shortest.is_integer() else shortest


def normalised(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [as_go_float32(x / norm) if abs(x) >= _SMALLEST * norm else math.copysign(_SMALLEST, x) for x in vector]


def embed(model_key: str, value: str, dims: int, dimensions: int | None = None) -> list[float]:
    """An L2-normalised vector; `dimensions` (0 < d < dims) cuts it and normalises again."""
    vector = normalised(raw_vector(model_key, value, dims))
    if dimensions is not None and 0 < dimensions < dims:
        vector = normalised(vector[:dimensions])
    return vector


def legacy(model_key: str, value: str, dims: int) -> list[float]:
    """/api/embeddings: float32 values widened to float64, not normalised."""
    vector = normalised(raw_vector(model_key, value, dims))
    scale = 4.0 + text.rng(text.digest(model_key, value), "scale").random() * 8.0
    return [struct.unpack("f", struct.pack("f", x * scale))[0] for x in vector]  # each >= _SMALLEST * 4


def token_count(value: str) -> int:
    """Tokens of an embedding input: its words plus the two special tokens."""
    return text.count_tokens(value) + 2


def truncate(value: str, limit: int) -> str:
    """The input cut to `limit` tokens (special tokens included)."""
    return " ".join(value.split()[: max(0, limit - 2)])
