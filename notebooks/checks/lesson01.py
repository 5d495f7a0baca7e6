"""Lesson 01: quick checks on 401s, 403s and bearer tokens (the lesson has no exercise yet).

Each wrong option is a misconception that learners really bring: "401 means forbidden",
"the server can tell who sent a token", "a 401 body is data".
"""

from __future__ import annotations

from .quiz import predict, quiz

predict(
    "01_no_exception",
    'protected = requests.get(f"{BASE_URL}/data", timeout=10)   # no Authorization header\n'
    'print(protected.status_code, protected.reason, "|", protected.json()["error"])',
    options={
        "a": "It raises requests.HTTPError before printing anything.",
        "b": "401 Unauthorized | missing_token",
        "c": "200 and the analytics rows, because the endpoint is on the same server as /public/weather.",
        "d": "401 invalid_token",
    },
    answer="b",
    explain={
        "a": "requests never raises for a 4xx/5xx by itself: the answer is still an answer. Only raise_for_status() raises.",
        "b": "requests hands you the 401 without raising; its JSON body says what is wrong, in this API's words: no credentials at all.",
        "c": "Being on the same server gives nothing: /data has a rule that /public/weather does not, and a request with no credentials fails it.",
        "d": "invalid_token is for a token that was sent and is wrong (RFC 6750 §3.1). Nothing was sent here, so there is no token to be invalid.",
    },
    objective="tell a public endpoint from a protected one",
)

quiz(
    "01_three_places",
    "A request gets 401 Unauthorized with the header\n"
    'WWW-Authenticate: Bearer realm="analytics", error="invalid_token", error_description="The access token expired"\n'
    "What went wrong?",
    options={
        "a": "No token was sent at all.",
        "b": "A token was sent, and it has expired: get a new one.",
        "c": "The API wants the token in another form than Bearer.",
        "d": "The realm is wrong: send realm=\"analytics\" back with the token.",
    },
    answer="b",
    explain={
        "a": "With no credentials at all the challenge carries no error parameter (RFC 6750 §3.1). error=\"invalid_token\" means a token arrived and was refused.",
        "b": "The challenge names the cause: invalid_token (RFC 6750 §3.1), and the description says expired. Missing, expired or malformed: most 401s are one of those.",
        "c": "The scheme in the challenge is Bearer, the one you used; and the description names the cause. Suspect the form only when a fresh, whole token sent as the docs say is refused.",
        "d": "realm is a label for people; a client never sends it back.",
    },
    objective="in its three places",
)

quiz(
    "01_401_or_403",
    "A request with a valid token for analytics-reader to POST /notes gets 403 Forbidden, "
    'error="insufficient_scope". What should the caller do?',
    options={
        "a": "Fetch a new token for the same client and retry: the token must have expired.",
        "b": "Send the token in another form, for example without the word Bearer.",
        "c": "Get a token with the scope notes:write, from a client that is allowed it.",
        "d": "Retry the same request a few times; 403s are often temporary.",
    },
    answer="c",
    explain={
        "a": "An expired token gets a 401 (the server no longer knows who you are). A 403 means it knows you and refuses the action; a new token of the same kind is refused the same way.",
        "b": "A token in a form the API does not read is a 401 (no credentials it accepts). The 403 proves the server read the token and knows who sent it.",
        "c": "403 insufficient_scope: the server knows who you are and you may not do this. Only a token carrying the missing scope helps (RFC 6750 §3.1).",
        "d": "A 403 is a decision, not a hiccup: the same request gets the same answer. Retrying is for 429 and 503, and then only after waiting.",
    },
    objective="tell a 401 from a 403",
)

quiz(
    "01_bearer",
    "A colleague pastes a request, token included, into a public chat. The token is a JWT that "
    "expires in an hour. Why is that a problem?",
    options={
        "a": "It is not: only your program can use the token, because it was issued to your client.",
        "b": "Anyone who copies it can call the API as you until it expires: the server checks the token, not who holds it.",
        "c": "It is only a problem if the chat is not encrypted.",
        "d": "It is not: a JWT is signed, so nobody else can use it.",
    },
    answer="b",
    explain={
        "a": "That is the definition of what a bearer token is NOT: \"any party in possession of a bearer token can use it\" (RFC 6750 §1.2).",
        "b": "A bearer token is like a banknote or a ticket: whoever holds it may use it. Treat it like a password, and revoke it if it leaks.",
        "c": "Encryption in transit protects it on the wire; everyone in the chat still reads it, and each of them can use it.",
        "d": "The signature stops anyone from *changing* the token; it does nothing to stop someone *using* an unchanged copy.",
    },
    objective="what a *bearer* token is",
)

quiz(
    "01_server_log",
    "Your script says 401 and you are sure you sent the token. Where do you look first to compare "
    "what you meant to send with what arrived?",
    options={
        "a": "What the server saw: the mock's api.log() here (in real life the API's request log, or a debugging proxy).",
        "b": "The token itself: print it whole and read it.",
        "c": "Nowhere: 401s are random, rerun the script.",
    },
    answer="a",
    explain={
        "a": "The server's log shows the header as it arrived (masked): a missing header, a doubled 'Bearer ', a token cut short.",
        "b": "Never print a token whole (it is a password). And the token may be fine: the header around it is the usual mistake.",
        "c": "A 401 is deterministic: the same request gets the same refusal. Something in the request is wrong.",
    },
    objective="see what the server saw",
)
