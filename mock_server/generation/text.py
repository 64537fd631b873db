"""Deterministic model text: English-like words from a fixed list, cut into tokens.

Everything here is a pure function of a digest of the request, so the same request always
gets the same words. A "token" is one word with its leading space (punctuation stays on the
word), which is what the mock streams one record at a time and counts in eval_count.
"""

from __future__ import annotations

import _random
import hashlib
import json
import random
import re
import struct
from functools import lru_cache
from typing import Any

_POS = {
    "D": "the a this every one each".split(),
    "A": "simple clear quick bright quiet small large warm cool early late common useful careful gentle steady "
    "strong open honest curious patient".split(),
    "N": "model answer question light water time world system value result idea example reason way day part "
    "place case point fact group number problem word story book city river mountain sky sun moon star sea "
    "tree garden house road bridge machine engine signal pattern shape colour sound voice music".split(),
    "V": "makes keeps gives shows turns helps finds brings holds moves builds learns explains describes follows "
    "returns changes carries reaches".split(),
    "P": "about into from with after before during through across between within under over around".split(),
    "R": "often usually always sometimes rarely also still even quite mostly nearly".split(),
    "C": "and but so because while when".split(),
}
# Sentence shapes: D determiner, A adjective, N noun, V verb, P preposition, R adverb, C conjunction.
_SHAPES = (
    "D A N V D N P D N",
    "D N R V D A N",
    "D N V D N, C D A N V R",
    "R D N V P D A N",
    "D A N V D N",
    "D N P D N V D A N",
)
WORDS = tuple(dict.fromkeys(w for words in _POS.values() for w in words))

THINK_OPENERS = (
    "Okay, the user is asking about",
    "Let me think about",
    "Hmm, the question is about",
    "Alright, I need to consider",
)

_STOPWORDS = frozenset(
    "the a an is are was were be to of in on at for and or but what why how who which when "
    "where can could would should will do does did you your i me my it its this that with "
    "from by about please tell give me us our".split()
)
_TOKEN = re.compile(r"\s*\S+|\s+")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
# JSONEncoder.encode builds a new C encoder on every call; this one is built once, with the same
# options (no circular check: request bodies come from JSON, so they hold no cycles).
_MAKE = getattr(json.encoder, "c_make_encoder", None)
_C_CANONICAL = (
    _MAKE(None, str, json.encoder.encode_basestring, None, ":", ",", True, False, True) if _MAKE else None
)


def digest(*parts: Any) -> bytes:
    """sha256 of the canonical JSON of `parts`: the seed of everything a request produces."""
    raw = "".join(_C_CANONICAL(parts, 0)) if _C_CANONICAL is not None else _CANONICAL.encode(parts)
    return _sha256(raw.encode("utf-8"))


def _sha256(data: bytes) -> bytes:
    # a copy of an empty hash skips looking the algorithm up again (~40% of a short digest's time)
    made = _EMPTY_SHA256.copy()
    made.update(data)
    return made.digest()


_EMPTY_SHA256 = hashlib.sha256()


def rng(seed: bytes, salt: str = "") -> random.Random:
    """A Random seeded from `seed` (and a salt, so independent streams do not repeat)."""
    # random.Random(n) seeds twice (from the OS in __new__, then from n in __init__); seeding the
    # bare object from n once gives the same state (a fresh request seeds three of them)
    made = _NEW_RANDOM(random.Random)
    _SEED_RANDOM(made, int.from_bytes(hashlib.sha256(seed + salt.encode()).digest()[:16], "big"))
    made.gauss_next = None  # type: ignore[attr-defined]  # what Random.__init__ sets
    return made


def numbers(seed: bytes, salt: str, count: int) -> list[int]:
    """`count` 64-bit numbers from `seed` (and a salt): for the few draws of metrics and
    logprobs, sha256 in counter mode costs a tenth of seeding a Random (Mersenne Twister's
    624-word state), which `rng` needs for the long draws of text."""
    base = seed + salt.encode()
    out = list(_FOUR_NUMBERS(_sha256(base)))
    for block in range(1, (count + 3) // 4):
        out += _FOUR_NUMBERS(_sha256(base + block.to_bytes(4, "big")))
    return out[:count]


_FOUR_NUMBERS = struct.Struct(">4Q").unpack  # a digest as four big-endian 64-bit numbers


UNIT = 2.0**-64  # numbers() x UNIT: a float in [0, 1)


_NEW_RANDOM = random.Random.__new__
_SEED_RANDOM = _random.Random.seed


def topic_words(prompt: str, limit: int = 3) -> list[str]:
    """Content words of the prompt (lower-cased, no stopwords), first ones first."""
    found: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", prompt):
        low = word.lower()
        if low not in _STOPWORDS and low not in found:
            found.append(low)
        if len(found) == limit:
            break
    return found


def phrase(r: random.Random, length: int) -> str:
    """`length` words from the vocabulary, for short string values."""
    return " ".join(r.choice(WORDS) for _ in range(max(1, length)))


def _sentence(r: random.Random, extra: list[str] | None) -> tuple[str, int]:
    """One capitalised sentence from a fixed shape (the prompt's topic words stand in as nouns) and
    its word count. `r.choice(pool)` is `pool[r._randbelow(len(pool))]`, and
    _randbelow draws getrandbits(len(pool).bit_length()) until the draw is below the length: done
    here inline, the same draws in the same order (a fresh answer picks ~30 words)."""
    bits = r.getrandbits
    shape = bits(_SHAPE_BITS)
    while shape >= len(_SLOTS):
        shape = bits(_SHAPE_BITS)
    words = []
    for pool, size, width, comma, noun in _SLOTS[shape]:
        if noun and extra and r.random() < 0.3:
            pool, size = extra, len(extra)
            width = size.bit_length()
        index = bits(width)
        while index >= size:
            index = bits(width)
        words.append(pool[index] + "," if comma else pool[index])
    return " ".join(words).capitalize() + ".", len(words)


# Each shape's slots, split once: (word pool, its size, the bits a draw takes, comma after, a noun)
_SLOTS = tuple(
    tuple((pool, len(pool), len(pool).bit_length(), slot.endswith(","), slot.startswith("N"))
          for slot in shape.split() for pool in (_POS[slot.rstrip(",")],))
    for shape in _SHAPES
)
_SHAPE_BITS = len(_SLOTS).bit_length()


@lru_cache(maxsize=2048)  # pure; identical requests (benchmarks, retries) skip the word draw
def paragraph(seed: bytes, prompt: str, salt: str = "answer", words: tuple[int, int] = (14, 40)) -> str:
    """A deterministic answer of roughly `words` words, touching the prompt's topic words."""
    r = rng(seed, salt)
    total = r.randint(*words)
    extra = topic_words(prompt)
    out: list[str] = []
    while total > 0:
        said, count = _sentence(r, extra)
        out.append(said)
        total -= count
    return " ".join(out)


@lru_cache(maxsize=1024)
def thinking(seed: bytes, prompt: str, level: str = "medium") -> str:
    """Reasoning text for thinking models; longer for higher think levels."""
    span = {"low": (8, 16), "medium": (16, 32), "high": (30, 50), "max": (45, 70)}.get(level, (16, 32))
    r = rng(seed, "thinking")
    topic = " ".join(topic_words(prompt, 2)) or "this"
    return f"{r.choice(THINK_OPENERS)} {topic}. " + paragraph(seed, prompt, "thinking-body", span)


def tokens(text: str) -> list[str]:
    """Split text into tokens that join back to it exactly: each word with its leading space."""
    if len(text) > _CACHED_TEXT:
        return _TOKEN.findall(text)
    return list(_tokens(text))


def count_pieces(text: str) -> int:
    """len(tokens(text)), without the list."""
    return len(_tokens(text)) if len(text) <= _CACHED_TEXT else len(_TOKEN.findall(text))


_CACHED_TEXT = 4096  # longer texts are split each time: the cache must not hold megabytes


@lru_cache(maxsize=2048)  # pure; a reply's text is split again on every identical request
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text))


def count_tokens(text: str) -> int:
    return len(text.split())


def chunk_by_sizes(text: str, sizes: list[int]) -> list[str]:
    """Cut text into pieces of the given character sizes (the last size repeats)."""
    pieces: list[str] = []
    pos, i = 0, 0
    while pos < len(text):
        size = max(1, sizes[min(i, len(sizes) - 1)])
        pieces.append(text[pos : pos + size])
        pos += size
        i += 1
    return pieces


def cut_at_stop(text: str, stops: list[str]) -> tuple[str, bool]:
    """Text before the earliest stop sequence, and whether one was found."""
    hits = [text.find(s) for s in stops if s and s in text]
    if not hits:
        return text, False
    return text[: min(hits)], True


def token_ids(pieces: list[str]) -> list[int]:
    """Stable fake vocabulary ids for pieces of text (the `context` of /api/generate)."""
    ids = []
    for piece in pieces:
        h = hashlib.blake2b((piece.strip() or piece).encode(), digest_size=4, key=b"vocab").digest()
        ids.append(int.from_bytes(h, "big") % 150_000 + 100)
    return ids
