"""Winnowing fingerprints of Python code (Schleimer, Wilkerson and Aiken, 2003), with no
Django: the code is cut into tokens (local names made alike, so renaming hides nothing;
attribute names, keywords and builtins kept, so `np.mean` is not `np.var`), every K
consecutive tokens hashed, and of every W consecutive hashes the smallest kept. Two answers
sharing a fragment of at least K + W - 1 tokens share at least one fingerprint.

Our own rather than `copydetect`: copydetect fingerprints files for an HTML report (pygments,
jinja2, its own file walking); what the index needs is the hashes with their character
offsets, for one language, which Python's own lexical rules give in a few lines."""

from __future__ import annotations

import builtins
import hashlib
import keyword
import re
from dataclasses import dataclass

K = 12
W = 8
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>[rRbBuUfF]{0,2}(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'[^'\n]*'|"[^"\n]*"))
      | (?P<number>\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
      | (?P<name>[A-Za-z_]\w*)
      | (?P<op>\*\*=?|//=?|->|:=|[-+*/%@&|^<>=!]=|<<|>>|[-+*/%@&|^~<>=.,:;()\[\]{}])
      | (?P<space>\s+)
      | (?P<other>.)""",
    re.VERBOSE,
)
_KEEP = set(keyword.kwlist) | set(dir(builtins))


@dataclass(frozen=True)
class Fingerprint:
    hash: int  # a signed 64-bit integer (a PostgreSQL bigint)
    start: int  # the fragment's character offsets in the code
    end: int


def tokens(code: str) -> list[tuple[str, int, int]]:
    """(normalized token, start, end) of every token that carries meaning."""
    out: list[tuple[str, int, int]] = []
    previous = ""
    for match in _TOKEN.finditer(code):
        kind, text = match.lastgroup, match.group()
        if kind in ("comment", "space"):
            continue
        if kind == "string":
            word = "S"
        elif kind == "number":
            word = "N"
        elif kind == "name":
            word = text if (text in _KEEP or previous == ".") else "V"
        else:
            word = text
        out.append((word, match.start(), match.end()))
        previous = text
    return out


def _hash(words: list[str]) -> int:
    digest = hashlib.blake2b("\x1f".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def fingerprints(code: str) -> list[Fingerprint]:
    """The winnowed fingerprints of `code`, in the order of the code."""
    toks = tokens(code)
    if len(toks) < K:
        return []
    words = [t[0] for t in toks]
    grams = [
        Fingerprint(_hash(words[i : i + K]), toks[i][1], toks[i + K - 1][2])
        for i in range(len(toks) - K + 1)
    ]
    if len(grams) <= W:
        return [min(grams, key=lambda g: g.hash)]
    chosen: dict[int, Fingerprint] = {}
    for i in range(len(grams) - W + 1):
        window = grams[i : i + W]
        # The rightmost smallest: a run of equal hashes keeps one fingerprint.
        j = min(range(W), key=lambda k: (window[k].hash, -k))
        chosen[i + j] = window[j]
    return [chosen[i] for i in sorted(chosen)]


def boilerplate_hashes(starter_code: str, statement: str) -> set[int]:
    """What every answer shares by design: the starter code and the statement's code
    blocks (fenced or indented in its Markdown)."""
    blocks = re.findall(r"```[^\n]*\n([\s\S]*?)```", statement)
    blocks += re.findall(r"`([^`\n]+)`", statement)
    hashes = {f.hash for f in fingerprints(starter_code)}
    for block in blocks:
        hashes |= {f.hash for f in fingerprints(block)}
    return hashes
