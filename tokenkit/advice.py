"""Advice as data: for each kind of refusal, a summary, its likely causes and what to do.

Layer 3 (it imports nothing). :mod:`tokenkit.classify` picks a kind; this table says what
to tell a person about it; :mod:`tokenkit.render` lays it out as text or HTML. Keeping
the words here, apart from the rules, means a lesson or a translation can change what
is said without touching how an answer is classified.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Advice", "TEXT", "TOKEN_ENDPOINT_TEXT", "NOT_TOKENS", "DESCRIPTION_WORDS", "REASON_SUMMARIES"]


class Advice(NamedTuple):
    """What to say about one kind: a one-line ``summary``, ``causes`` and ``actions``."""

    summary: str
    causes: tuple[str, ...]
    actions: tuple[str, ...]


#: The fallback for servers that send no reason code: words of ``error_description`` that
#: point at a cause, in the order they are tried (see :mod:`tokenkit.reasons`).
DESCRIPTION_WORDS: list[tuple[str, tuple[str, ...]]] = [    ("wrong_scheme", ("scheme", "raw token", "x-api-key", "'bearer ' came", "bearer' but no token", "more than one word",
                      "does not look like")),
    ("revoked", ("revoked",)),
    ("expired", ("expired",)),
    ("not_yet_valid", ("not valid until", "not yet valid", "nbf", "in the future")),
    ("bad_signature", ("signature",)),
    ("unknown_key", ("unknown key", "kid", "signing key")),
    ("wrong_audience", ("audience",)),
    ("wrong_issuer", ("issuer",)),
    ("algorithm_not_allowed", ("algorithm", " alg ")),
    ("missing_claim", ("required claim", "lacks the", "missing claim")),
    ("malformed", ("malformed", "base64", "not a jwt")),
]

TEXT: dict[str, Advice] = {
    # kind: (summary, causes, actions)
    "missing_credentials": Advice(
        "The request carried no credentials the server could use.",
        ("No Authorization header was sent (the auth= or headers= argument is missing).",
         "The token variable is empty, or the header was set on another request/session.",
         "A redirect to another host dropped the Authorization header (requests does this on purpose)."),
        ("Get a token, then send it: requests.get(url, auth=BearerAuth(token)) or headers={'Authorization': f'Bearer {token}'}.",),
    ),
    "wrong_scheme": Advice(
        "A token was sent, but not in the form this endpoint expects.",
        ("'Bearer ' missing before the token, or added where the API wants the raw token.",
         "The token went in another header (X-API-Key vs Authorization) than this endpoint reads.",
         "Basic credentials were sent to an API endpoint; Basic is for the token endpoint."),
        ("Check the API's docs for the exact header and scheme; compare with the WWW-Authenticate challenge.",
         "Use BearerAuth(token), HeaderAuth(token, scheme=None) or ApiKeyAuth(token) to match it."),
    ),
    "expired": Advice(
        "The access token has expired.",
        ("Tokens are short-lived on purpose; this one outlived its expires_in.",
         "The token was cached (in a variable, a file, .env) and reused after expiry."),
        ("Get a new token (or use the refresh token) and retry.",
         "Let RefreshingAuth(source) renew tokens before they expire."),
    ),
    "not_yet_valid": Advice(
        "The token is not valid yet (its nbf/iat is in the server's future).",
        ("The clocks of the issuer and the API disagree.",),
        ("Sync the clocks (NTP); servers usually allow a few seconds of leeway.",),
    ),
    "bad_signature": Advice(
        "The token's signature does not match its contents.",
        ("The token was edited, truncated or had characters added when copied.",
         "It was signed by another server or key than the one this API trusts."),
        ("Use the access_token exactly as the token endpoint returned it; get a fresh one.",),
    ),
    "unknown_key": Advice(
        "The token was signed with a key this API does not know (its kid is not in the JWKS).",
        ("The token comes from another server, or from an earlier run of the server (keys rotated).",),
        ("Get a new token from the token endpoint this API trusts.",),
    ),
    "wrong_audience": Advice(
        "The token was issued for another API (its aud claim does not match).",
        ("The audience parameter of the token request named another API.",),
        ("Request the token for this API's audience (or leave audience out for the default).",),
    ),
    "wrong_issuer": Advice(
        "The token was issued by an issuer this API does not trust.",
        ("The token came from another server, or from the same server under another base URL.",),
        ("Get the token from the token endpoint at the same base URL as the API calls.",),
    ),
    "revoked": Advice(
        "The token was revoked and will never work again.",
        ("Someone (maybe your own code, via /oauth/revoke) revoked it, or reuse of a refresh token revoked its family.",),
        ("Get a new token.",),
    ),
    "algorithm_not_allowed": Advice(
        "The token's signing algorithm is not accepted.",
        ("The token is unsigned (alg none) or signed with another algorithm than the API allows.",),
        ("Use a token from the API's own token endpoint; never build tokens by hand.",),
    ),
    "missing_claim": Advice(
        "The token lacks a claim the API requires.",
        ("This is not an access token for this API (an ID token, or a hand-made JWT).",),
        ("Use the access_token from the token endpoint.",),
    ),
    "malformed": Advice(
        "The token is not a well-formed JWT.",
        ("It was cut short, wrapped over lines, quoted, or had 'Bearer ' included twice.",),
        ("Send the access_token value exactly as returned; tokenkit.decode(token) shows which part is wrong.",),
    ),
    "invalid_token": Advice(
        "The server refused the token (invalid_token).",
        ("Expired, revoked, altered, or issued for another API; the server did not say which.",),
        ("Decode it with tokenkit.decode(token) to check exp, aud and iss; then get a new token.",),
    ),
    "invalid_request": Advice(
        "The server could not read the credentials in this request (invalid_request).",
        ("The token was sent in the URL, twice, or in a malformed or oversized header.",),
        ("Send the token once, in the header the API expects.",),
    ),
    "unauthorized": Advice(
        "The server wants authentication this request did not satisfy.",
        ("The credentials are not accepted for this endpoint.",),
        ("Read the WWW-Authenticate challenge for the scheme it wants.",),
    ),
    "insufficient_scope": Advice(
        "The token is valid but lacks a scope this endpoint needs.",
        ("The token was requested without that scope, or the client is not allowed it.",),
        ("Request the token with the needed scope (scope=… in the token request), from a client that may have it.",),
    ),
    "forbidden": Advice(
        "The server knows who you are but refuses this action.",
        ("The account or client lacks the permission (not a token format problem).",),
        ("Check the permissions of the client/user; a new token alone will not help.",),
    ),
    "rate_limited": Advice(
        "Too many requests: the rate limit for this token or client is used up.",
        ("Requests were sent faster than the limit allows.",),
        ("Wait Retry-After seconds before retrying; slow down, back off (tokenkit.session(retries=…)) or spread load (TokenPool).",),
    ),
}

TOKEN_ENDPOINT_TEXT: dict[str, Advice] = {
    "invalid_request": Advice(
        "The token endpoint could not read the token request (invalid_request).",
        ("A required parameter (grant_type…) is missing or sent twice.",
         "The body is not form-encoded (use data=… not params=… or a raw string).",
         "The client authenticated in two ways at once (Basic and client_secret in the body)."),
        ("Send grant_type and the client credentials in a form-encoded body, exactly once each.",),
    ),
    "invalid_client": Advice(
        "The token endpoint did not accept the client credentials (invalid_client).",
        ("Wrong client_id or client_secret (typo, stray space or newline, a secret of another client).",
         "A secret with special characters sent in Basic without form-urlencoding (RFC 6749 §2.3.1).",
         "The server's secrets changed (e.g. the mock restarted without a seed)."),
        ("Check TOKENKIT_CLIENT_ID / TOKENKIT_CLIENT_SECRET (tokenkit.from_env) against the server's list.",
         "Let ClientCredentials build the Basic header, or try auth_method='client_secret_post'."),
    ),
    "invalid_grant": Advice(
        "The grant was refused (invalid_grant): the refresh token is expired, revoked, unknown or already used.",
        ("Refresh tokens rotate: an old one was reused instead of the newest.",
         "The refresh token belongs to another client, or to an earlier run of the server."),
        ("Store the newest refresh_token from every answer; get a fresh token with client_credentials now.",),
    ),
    "unauthorized_client": Advice(
        "This client is not allowed the grant type it used (unauthorized_client).",
        ("The client is registered without that grant (e.g. no refresh tokens).",),
        ("Use a grant the client is allowed (client_credentials), or a client that has this one.",),
    ),
    "unsupported_grant_type": Advice(
        "The token endpoint does not support this grant_type (unsupported_grant_type).",
        ("A typo in grant_type, or a grant for users and browsers sent by a script.",),
        ("Use grant_type=client_credentials for machine-to-machine access.",),
    ),
    "invalid_scope": Advice(
        "The requested scope is unknown or not allowed for this client (invalid_scope).",
        ("A typo in the scope, scopes not space-separated, or a scope this client may not have.",),
        ("Ask only for scopes the client is registered for.",),
    ),
}

NOT_TOKENS: dict[str, Advice] = {
    "ok": Advice("The request succeeded; there is nothing wrong with authentication.", (), ()),
    "redirect": Advice(
        "A redirect: not an authentication problem.",
        ("requests removes the Authorization header when a redirect leads to another host.",),
        ("Call the final URL directly if a later answer is a 401.",),
    ),
    "not_found": Advice(
        "Not found: the URL or the resource does not exist. This is not about your token.",
        ("A typo in the path, a wrong base URL, or an id that does not exist (any more).",),
        ("Check the URL against the API's docs or index.",),
    ),
    "method_not_allowed": Advice(
        "This HTTP method is not allowed on this URL. This is not about your token.",
        ("GET vs POST/PUT/PATCH/DELETE mixed up.",),
        ("Check which methods the endpoint takes.",),
    ),
    "bad_request": Advice(
        "The server rejected the request itself (its data or parameters), not the token.",
        ("A missing or invalid field in the body or query.",),
        ("Read the error body for the field at fault; send JSON with json=….",),
    ),
    "server_error": Advice(
        "The server failed. This is not about your token.",
        ("A bug or an outage on the server side.",),
        ("Retry later (with backoff); report it if it persists.",),
    ),
    "client_error": Advice("The server refused the request for a reason unrelated to tokens.", (), ("Read the error body.",)),
}

TEXT["wrong_token_type"] = Advice(
    "The token is a JWT of the right issuer but not an access token (its typ header is not at+jwt).",
    ("An ID token or another JWT of the same issuer was sent instead of the access_token.",),
    ("Send the access_token from the token endpoint's answer, not the id_token.",),
)

TEXT["unknown_client"] = Advice(
    "The token names a client this server does not know (any more).",
    ("The token was issued to a client that was deleted, or by another server.",),
    ("Get a new token with the client credentials this server knows.",),
)

#: A sharper summary for reason codes that share a kind (``invalid_request`` has three causes).
REASON_SUMMARIES: dict[str, str] = {
    "token_in_url": "The token was sent in the URL; this server accepts it only in the Authorization header.",
    "duplicate_credentials": "The request carried credentials twice (two headers, or a header and the URL).",
    "credential_too_long": "The credential is longer than the server accepts: a token pasted twice, or a whole file?",
}
