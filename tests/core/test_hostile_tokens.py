"""Crafted tokens: every entry point returns, or raises a TokenKitError, never a raw Python error.

The probes: deeply nested JSON in each segment, time claims that are no NumericDate
(±1e20, ±1e300, 10**400, Infinity, NaN, strings, booleans, lists), control characters
and bidi overrides in claims, arbitrary text and bytes (hypothesis). Entry points:
decode, verify (with and without now=), Token.from_string, StaticToken,
RefreshingAuth(str), diagnose and raise_for_auth on a response that carried the token
(and on a WWW-Authenticate header made of it), and the ``tokenkit decode`` command.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import sys

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenkit import (
    AlgorithmNotAllowedError,
    HTTPAuthError,
    InvalidTokenError,
    MalformedTokenError,
    RefreshingAuth,
    StaticToken,
    Token,
    TokenDecodeError,
    TokenKitError,
    TokenVerificationError,
    WrongTokenTypeError,
    decode,
    diagnose,
    parse_retry_after,
    parse_www_authenticate,
    raise_for_auth,
    verify,
)
from tokenkit.cli import main
from tokenkit.headers import MAX_RETRY_AFTER

from .conftest import credentials, make_response

KEY = "a-test-hmac-key-of-at-least-32-bytes!"
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def seg(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(header_json: str, payload_json: str, key: str = KEY) -> str:
    """An HS256 JWT whose header and payload are exactly the given JSON texts."""
    head_and_body = f"{seg(header_json)}.{seg(payload_json)}"
    mac = hmac.new(key.encode(), head_and_body.encode(), hashlib.sha256).digest()
    return f"{head_and_body}.{seg(mac)}"


HEADER = '{"alg": "HS256", "typ": "at+jwt"}'
DEEP_LIST = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"x": ' + '{"a": ' * 60 + "1" + "}" * 61
NOT_UTF8 = seg(b"\xff\xfe{")
ODD_TIMES = {
    "1e20": "1e20", "-1e20": "-1e20", "1e300": "1e300", "-1e300": "-1e300", "10**400": "1" + "0" * 400,
    "1e999 (inf)": "1e999", "Infinity": "Infinity", "-Infinity": "-Infinity", "NaN": "NaN",
    "string": '"tomorrow"', "numeric string": '"2000000000"', "true": "true", "list": "[2000000000]",
    "object": '{"at": 2000000000}', "null": "null",
}

CRAFTED: dict[str, str] = {
    "deep list header": f"{seg(DEEP_LIST)}.{seg('{}')}.c2ln",
    "deep list payload": f"{seg(HEADER)}.{seg(DEEP_LIST)}.c2ln",
    "deep object payload": f"{seg(HEADER)}.{seg(DEEP_OBJECT)}.c2ln",
    "deep list signature": f"{seg(HEADER)}.{seg('{}')}.{seg(DEEP_LIST)}",
    "deep list, signed": signed(HEADER, '{"x": ' + DEEP_LIST + "}"),
    "not utf-8": f"{NOT_UTF8}.{seg('{}')}.c2ln",
    "control characters": signed(HEADER, json.dumps({"\x1b[2Jname": "\x1b]0;pwned\x07", "sub": "\u202eevil\x9b", "exp": 2_000_000_000})),
    "huge": f"{seg(HEADER)}.{'A' * 200_000}.c2ln",
    "five segments": "a.b.c.d.e",
    "empty": "",
    "spaces": "   ",
    "bearer only": "Bearer ",
}
for name, value in ODD_TIMES.items():
    for claim in ("exp", "iat", "nbf"):
        CRAFTED[f"{claim}={name}"] = signed(HEADER, f'{{"sub": "x", "{claim}": {value}, "aud": "api"}}')


def only_tokenkit_errors(fn, *args, **kwargs):
    """Call ``fn``; a TokenKitError is fine (returned), anything else fails the test."""
    try:
        return fn(*args, **kwargs)
    except TokenKitError as exc:
        return exc


def carrying(token: str, status: int, *, www: str | None = None, url: str = "https://api.example.test/data") -> requests.Response:
    """A response to a request that carried ``token`` (set directly: requests would refuse some values)."""
    request = requests.PreparedRequest()
    request.prepare(method="GET", url=url)
    request.headers["Authorization"] = f"Bearer {token}"
    headers = {"WWW-Authenticate": www} if www is not None else {}
    if status == 429:
        headers["Retry-After"] = "5"
    return make_response(status, headers=headers, json_body={"error": "invalid_token"}, request=request, url=url)


def exercise_everything(token: str | bytes) -> None:
    """Every entry point, each result used the way a caller would use it."""
    decoded = only_tokenkit_errors(decode, token)
    if not isinstance(decoded, TokenKitError):
        str(decoded), decoded.to_dict(), json.dumps(decoded.to_dict()), decoded.state, decoded.times, decoded.scopes
    tok = only_tokenkit_errors(Token.from_string, token)
    if not isinstance(tok, TokenKitError):
        repr(tok), str(tok), tok.state(), tok.is_expired(30), tok.expires_in
    only_tokenkit_errors(StaticToken, token)
    auth = only_tokenkit_errors(RefreshingAuth, token)
    if isinstance(auth, RefreshingAuth):
        only_tokenkit_errors(auth.get_token)
    if isinstance(token, str):
        for status in (401, 403, 429):
            for www in (f'Bearer error="invalid_token", error_description="{token[:200]}"', token[:2000]):
                response = carrying(token, status, www=www)
                d = diagnose(response)
                str(d), d._repr_html_(), d.to_dict(), repr(d)
                error = only_tokenkit_errors(raise_for_auth, response)
                if isinstance(error, HTTPAuthError):
                    str(error)
        parse_www_authenticate(token)


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_tokens_give_tokenkit_errors_only(name):
    exercise_everything(CRAFTED[name])


@pytest.mark.parametrize("name", [n for n in CRAFTED if n.startswith(("exp=", "iat=", "nbf="))])
def test_odd_time_claims_are_malformed_in_verify_with_and_without_now(name):
    token = CRAFTED[name]
    value = name.split("=", 1)[1]
    for now in (None, 1_700_000_000):
        outcome = only_tokenkit_errors(verify, token, key=KEY, algorithms=("HS256",), audience="api", now=now)
        if value == "null":  # JSON null is "no claim" to PyJWT: then a missing exp is the error
            assert isinstance(outcome, InvalidTokenError)
            continue
        assert isinstance(outcome, MalformedTokenError), (name, now, outcome)
        assert isinstance(outcome, TokenDecodeError) and isinstance(outcome, TokenVerificationError)
    d = decode(token)  # inspection still shows it, with no expiry made up
    assert d.expires_at is None or name.startswith(("iat", "nbf"))


def test_a_string_exp_never_counts_as_no_expiry_in_verify():
    token = signed(HEADER, '{"sub": "x", "exp": "2000000000"}')
    with pytest.raises(TokenVerificationError):
        verify(token, key=KEY, algorithms=("HS256",), now=1_700_000_000)
    with pytest.raises(TokenVerificationError):
        verify(token, key=KEY, algorithms=("HS256",))


@pytest.mark.parametrize("name", ["deep list header", "deep list payload", "deep object payload", "not utf-8", "huge", "five segments"])
def test_malformed_tokens_in_verify_are_caught_by_either_parent(name):
    with pytest.raises(TokenVerificationError):
        verify(CRAFTED[name], key=KEY, algorithms=("HS256",))
    with pytest.raises(InvalidTokenError):
        verify(CRAFTED[name], key=KEY, algorithms=("HS256",))
    with pytest.raises(TokenDecodeError):
        verify(CRAFTED[name], key=KEY, algorithms=("HS256",))


def test_abc_def_is_a_verification_error_and_an_invalid_token():
    for catch in (TokenVerificationError, TokenDecodeError, InvalidTokenError, ValueError):
        with pytest.raises(catch):
            verify("abc.def", key=KEY)
    assert issubclass(TokenDecodeError, InvalidTokenError) and issubclass(TokenVerificationError, InvalidTokenError)


def test_algorithm_confusion_with_a_jwks_key_is_a_tokenkit_error(mock_api):
    issued = credentials(mock_api, "notes-app", mock_clock=False).fetch()
    header = decode(issued).header
    claims = decode(issued).claims
    jwks = requests.get(f"{mock_api.url}/.well-known/jwks.json", timeout=5).text
    forged = signed(json.dumps({"alg": "HS256", "kid": header["kid"], "typ": "at+jwt"}), json.dumps(claims), key=jwks)
    with pytest.raises(AlgorithmNotAllowedError) as info:
        verify(forged, jwks_url=f"{mock_api.url}/.well-known/jwks.json", algorithms=("RS256", "HS256"),
               audience=claims.get("aud"))
    assert "HS256" in str(info.value)


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"])
def test_access_token_typ_is_accepted_in_any_spelling(typ):
    token = signed(json.dumps({"alg": "HS256", "typ": typ}), '{"sub": "x", "exp": 4000000000}')
    assert verify(token, key=KEY, algorithms=("HS256",)).verified


@pytest.mark.parametrize("header", [{"alg": "HS256", "typ": "JWT"}, {"alg": "HS256"}, {"alg": "HS256", "typ": "id_token+jwt"},
                                    {"alg": "HS256", "typ": 5}, {"alg": "HS256", "typ": "\x1b[31mred"}])
def test_another_typ_is_a_wrong_token_type(header):
    token = signed(json.dumps(header), '{"sub": "x", "exp": 4000000000}')
    with pytest.raises(WrongTokenTypeError) as info:
        verify(token, key=KEY, algorithms=("HS256",))
    assert isinstance(info.value, TokenVerificationError) and "\x1b" not in str(info.value)
    assert verify(token, key=KEY, algorithms=("HS256",), token_type=None).verified  # opted out
    if header.get("typ") == "JWT":
        assert verify(token, key=KEY, algorithms=("HS256",), token_type="JWT").verified


def test_the_mock_issues_access_tokens_verify_accepts(mock_api):
    from tokenkit.mock import API_AUDIENCE

    issued = credentials(mock_api, "notes-app", mock_clock=False).fetch()
    assert verify(issued, issuer=mock_api.url, audience=API_AUDIENCE).header["typ"].lower() == "at+jwt"


# -- the command line --------------------------------------------------------------------------

RAW_CONTROLS = [chr(c) for c in range(0x20) if chr(c) != "\n"] + ["\x7f", "\x9b", "\u202e", "\u2066"]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stderr
    sys.stderr = err
    try:
        code = main(argv, stdout=out, stdin=io.StringIO(""))
    finally:
        sys.stderr = old
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", list(CRAFTED))
@pytest.mark.parametrize("as_json", [False, True])
def test_tokenkit_decode_never_prints_a_traceback_or_a_raw_control_character(name, as_json):
    token = CRAFTED[name]
    argv = ["decode", "--json", token] if as_json else ["decode", token]
    if not token.strip():
        argv = argv[:-1] + ["-"]
    code, out, err = run_cli(argv)
    assert code in (0, 1)
    assert "Traceback" not in err and "unexpected" not in err
    assert not [c for c in RAW_CONTROLS if c in out + err]
    if code == 1:
        assert out == "" and err.startswith("tokenkit: error:") and err.count("\n") == 1
    elif as_json:
        json.loads(out)  # still valid JSON with the escapes


def test_control_characters_are_shown_escaped_and_round_trip_in_json():
    code, out, _ = run_cli(["decode", "--json", CRAFTED["control characters"]])
    assert code == 0
    claims = json.loads(out)["claims"]
    assert claims["\x1b[2Jname"] == "\x1b]0;pwned\x07" and claims["sub"] == "\u202eevil\x9b"
    code, out, _ = run_cli(["decode", CRAFTED["control characters"]])
    assert code == 0 and "\\u001b[2Jname" in out and "\\u202eevil" in out


# -- property tests ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.integers(min_value=10**300, max_value=10**400),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
claim_sets = st.dictionaries(st.sampled_from(["exp", "iat", "nbf", "scope", "scp", "aud", "sub", "iss"]) | st.text(max_size=8),
                             json_values, max_size=6)


@PROPERTY
@given(st.text(max_size=300))
def test_any_text_as_a_token(text):
    exercise_everything(text)


@PROPERTY
@given(st.binary(max_size=300))
def test_any_bytes_as_a_token(raw):
    exercise_everything(raw)
    exercise_everything(raw.decode("latin-1"))


@PROPERTY
@given(json_values, claim_sets, st.text(alphabet="abcXYZ019-_.=+/ ", max_size=12))
def test_any_json_in_a_jwt_shape(header, claims, signature):
    token = f"{seg(json.dumps(header))}.{seg(json.dumps(claims))}.{signature}"
    exercise_everything(token)
    only_tokenkit_errors(verify, token, key=KEY, algorithms=("HS256",))
    only_tokenkit_errors(verify, token, key=KEY, algorithms=("HS256",), now=1_700_000_000)


@PROPERTY
@given(claim_sets)
def test_any_claims_in_a_correctly_signed_token(claims):
    token = signed(HEADER, json.dumps(claims))
    exercise_everything(token)
    for now in (None, 1_700_000_000):
        outcome = only_tokenkit_errors(verify, token, key=KEY, algorithms=("HS256",), now=now)
        if not isinstance(outcome, TokenKitError):
            assert outcome.verified and outcome.expires_at is not None  # exp is required: a real one


@PROPERTY
@given(st.text(max_size=200))
def test_any_www_authenticate_and_retry_after(value):
    parse_www_authenticate(value)
    seconds = parse_retry_after(value)
    assert seconds is None or 0 <= seconds <= MAX_RETRY_AFTER
    for status in (401, 403, 429, 503):
        response = make_response(status, headers={"WWW-Authenticate": value, "Retry-After": value,
                                                  "RateLimit-Reset": value, "X-RateLimit-Reset": value})
        str(diagnose(response))
        only_tokenkit_errors(raise_for_auth, response)
