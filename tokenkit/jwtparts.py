"""The pieces of a JWT, read with the standard library only: segments, base64url, JSON.

Layer 1 of the core (only ``errors`` and ``secrets`` below it). :mod:`tokenkit.tokens`
reads ``exp`` and ``scope`` from a JWT access token through this module, and
:mod:`tokenkit.decode` builds its :class:`~tokenkit.DecodedToken` on it, so neither has to
import the other: the claims are read once, here, and nothing here verifies anything.

Every function takes input from the network or a clipboard and raises only
:class:`~tokenkit.TokenDecodeError` on it, naming the part that is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .errors import TokenDecodeError

__all__ = ["MAX_TOKEN_LENGTH", "MAX_DEPTH", "strip_bearer", "split_jwt", "b64url_decode", "json_object", "depth", "claims_or_empty"]

#: A JWT longer than this is refused before any parsing (servers refuse headers of 8-16 KB).
MAX_TOKEN_LENGTH = 100_000
#: Header and claims nested deeper than this are refused: no real JWT comes close, and
#: deep nesting is how a crafted token exhausts a parser's recursion.
MAX_DEPTH = 32


def strip_bearer(raw: object, *, max_length: int | None = MAX_TOKEN_LENGTH) -> str:
    """The token text of ``raw`` (str or ASCII bytes), with a pasted ``Bearer `` prefix removed.

    Longer than ``max_length`` characters is refused before anything else (``None``: any
    length, for :meth:`Token.from_string <tokenkit.Token.from_string>`, where an opaque
    token is not parsed at all).
    """
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("ascii")
        except UnicodeDecodeError:
            raise TokenDecodeError("the token bytes are not ASCII: a JWT is base64url text", part="input") from None
    if not isinstance(raw, str):
        raise TokenDecodeError(f"expected a token string, got {type(raw).__name__}", part="input")
    if max_length is not None and len(raw) > max_length:
        raise TokenDecodeError(f"the token is {len(raw)} characters long, more than any real JWT", part="input")
    raw = raw.strip()
    if raw[:7].lower() == "bearer ":  # a whole header value pasted in
        raw = raw[7:].strip()
    return raw


def depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def b64url_decode(segment: str, part: str) -> bytes:
    """One base64url segment (padding optional), strictly: ``+``, ``/``, spaces and inner ``=`` refused."""
    if not segment:
        raise TokenDecodeError(f"the {part} segment is empty", part=part)
    if "=" in segment.rstrip("=") or any(c in segment for c in "+/ "):
        raise TokenDecodeError(
            f"the {part} segment is not base64url (it contains '+', '/', ' ' or '=' in the middle)",
            part=part,
        )
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenDecodeError(f"the {part} segment is not valid base64url: {exc}", part=part) from None


def json_object(raw: bytes, part: str) -> dict[str, Any]:
    """A segment's bytes as a JSON object of bounded depth."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TokenDecodeError(f"the {part} segment is base64url but not JSON: {exc}", part=part) from None
    except RecursionError:
        raise TokenDecodeError(f"the {part} is JSON nested too deeply to read", part=part) from None
    if not isinstance(value, dict):
        raise TokenDecodeError(f"the {part} is JSON but not an object ({type(value).__name__})", part=part)
    if depth(value) > MAX_DEPTH:
        raise TokenDecodeError(f"the {part} is JSON nested more than {MAX_DEPTH} levels deep", part=part)
    return value


def split_jwt(raw: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of the JWT ``raw`` (already stripped), unverified."""
    if not raw:
        raise TokenDecodeError("the token is empty", part="input")
    segments = raw.split(".")
    if len(segments) != 3:
        hint = " (5 segments: this is an encrypted JWE, not a signed JWT)" if len(segments) == 5 else ""
        raise TokenDecodeError(
            f"a JWT has 3 dot-separated segments (header.payload.signature); this has {len(segments)}{hint}",
            part="segments",
        )
    header = json_object(b64url_decode(segments[0], "header"), "header")
    claims = json_object(b64url_decode(segments[1], "payload"), "payload")
    return header, claims


def claims_or_empty(raw: str) -> dict[str, Any]:
    """The claims of ``raw`` if it is a JWT, else ``{}`` (an opaque token has none to read)."""
    if raw.count(".") != 2:
        return {}
    try:
        return split_jwt(raw)[1]
    except TokenDecodeError:
        return {}
