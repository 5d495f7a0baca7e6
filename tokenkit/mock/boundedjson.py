"""JSON from strangers, parsed only when it is shallow enough to parse safely.

``json.loads`` recurses once per level of nesting, so ``[[[[…]]]]`` a few kilobytes deep
ends in a ``RecursionError`` (a 500) instead of a refusal. Everything the mock parses
from a request (token segments, ``/oauth/*`` bodies) goes through ``loads`` here, which
measures the nesting first and refuses it as plain bad input (``ValueError``).
"""

from __future__ import annotations

import json
from typing import Any

#: Far deeper than any token header, claim set or OAuth body is (they are flat objects).
MAX_DEPTH = 32


class TooDeeplyNested(ValueError):
    """The document nests deeper than ``MAX_DEPTH``: refused before parsing."""


def nesting_depth(text: str) -> int:
    """How deeply ``[``/``{`` nest in ``text``, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted input: ``ValueError`` for bad JSON, too deep, or not UTF-8.

    The common case costs one ``count`` per bracket kind: a document with no more opening
    brackets than ``max_depth`` cannot nest deeper, so only the rare other one is scanned.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data  # UnicodeDecodeError is a ValueError
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise TooDeeplyNested(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text)
