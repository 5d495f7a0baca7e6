"""Lesson 06 (expiry, refresh, rotation): keep a token fresh by hand, with the refresh token."""

from __future__ import annotations

import time
from typing import Any

import tokenkit

from . import Exercise, Verdict, demo_source, not_yet, raised, right


def _left(token: Any, api: Any) -> float:
    return float(token.expires_at) - api.clock.now()


def _used(source: tokenkit.ClientCredentials, refresh_token: str) -> bool:
    """True when the server no longer accepts ``refresh_token`` (used, so rotated)."""
    return not source.introspect(refresh_token).get("active", False)


def check_fresh_token(answer: Any, api: Any = None) -> Verdict:
    """``answer`` is ``fresh_token(token, source, min_left)``; the check moves the mock's clock.

    The check uses the ``short-lived`` client (60-second tokens with rotating refresh
    tokens) and a source that judges time by the mock's clock. It moves that clock
    forward about three minutes in all.
    """
    if answer is None:
        return not_yet(
            "`answer` is still None.",
            "Write def fresh_token(token, source, min_left): ... and set answer = fresh_token.",
        )
    if not callable(answer):
        return not_yet(
            f"`answer` should be a function, not a {type(answer).__name__}.",
            "Set answer = fresh_token (the function itself, without calling it).",
        )
    if api is None:
        return not_yet("the check needs the lesson's mock: call it as check_fresh_token(answer, api=api).")
    source = demo_source(api, "short-lived", clock=api.clock.now)
    try:
        first = source.fetch()
    except Exception as exc:  # noqa: BLE001 - a check never raises
        return not_yet(f"the check could not get a token from the mock ({raised(exc)}).", "Is the setup cell's mock still running?")

    def call(token: Any, min_left: float) -> Any:
        return answer(token, source, min_left)

    def describe(token: Any) -> str:
        return f"{_left(token, api):.0f} s left"

    try:
        # 1. Plenty of time left: the same token must come back, no request.
        got = call(first, 30)
        if isinstance(got, str):
            return not_yet("your function returned a string; return the Token itself.", "return token, or the Token that source.refresh(token) gives you.")
        if not isinstance(got, tokenkit.Token):
            return not_yet(f"your function returned {type(got).__name__}, not a Token.", "return token, or the Token that source.refresh(token) gives you.")
        if got.access_token != first.access_token:
            return not_yet(
                f"the token had {describe(first)} and min_left was 30, yet you renewed it.",
                "Renew only when fewer than min_left seconds are left: every renewal is a request to the token endpoint.",
            )

        # 2. 25 s left: fine for min_left=10, stale for min_left=30.
        api.clock.advance(35)
        got = call(first, 10)
        if got.access_token != first.access_token:
            return not_yet(
                f"with {describe(first)} and min_left=10 you renewed the token.",
                "Use the min_left you are given, not a fixed number.",
            )
        second = call(first, 30)
        if second.access_token == first.access_token:
            if _used(source, first.refresh_token):
                return not_yet(
                    f"the token had {describe(first)} and you did renew it (its refresh token is spent), "
                    "but you returned the old token.",
                    "source.refresh(token) does not change `token`; it returns a new Token: return that one "
                    "(return source.refresh(token)).",
                )
            return not_yet(
                f"the token had {describe(first)}, fewer than min_left=30, and you returned it unchanged.",
                "Judge the time with the token's own clock, here the mock's (token.expires_in or "
                "token.is_expired(skew=min_left)), not time.time(): this lesson moved the mock's clock.",
            )
        if _left(second, api) <= 30:
            return not_yet(f"the token you returned has only {describe(second)}.", "Return the new token from source.refresh(token).")
        if not _used(source, first.refresh_token):
            return not_yet(
                "you got a new token, but the old refresh token was never used: that was a whole new client_credentials grant.",
                "When the token has a refresh_token, renew with source.refresh(token) (the refresh_token grant, RFC 6749 §6).",
            )

        # 3. The new token is fresh: keep it.
        if call(second, 30).access_token != second.access_token:
            return not_yet(f"the token you had just obtained ({describe(second)}) was renewed again.", "Renew only below min_left.")

        # 4. Stale again: renew from the *new* refresh token (rotation).
        api.clock.advance(45)
        third = call(second, 30)
        if third.access_token == second.access_token:
            return not_yet(f"the token had {describe(second)} and was not renewed.", "Compare the seconds left with min_left.")

        # 5. Expired outright: still renewable (refresh tokens outlive access tokens).
        api.clock.advance(100)
        fourth = call(third, 30)
        if fourth.access_token == third.access_token or _left(fourth, api) <= 30:
            return not_yet(f"the token had expired ({describe(third)}) and was not renewed.", "An expired token has fewer than min_left seconds left too.")
    except tokenkit.TokenEndpointError as exc:
        if exc.error == "invalid_grant":
            return not_yet(
                f"the token endpoint refused a refresh: {exc.error_description}",
                "Refresh tokens rotate: use the refresh token of the token you were given (token.refresh_token), "
                "never one you kept from earlier.",
            )
        return not_yet(f"the token endpoint refused: {exc.error}: {exc.error_description}")
    except Exception as exc:  # noqa: BLE001
        return not_yet(f"your function raised {raised(exc)}", "fresh_token(token, source, min_left) returns a Token.")
    return right(
        "the token is kept while it has more than min_left seconds, and renewed with its refresh "
        "token (which rotates: each renewal spends the old one) once it is stale or expired, judged by "
        "the token's own clock. That is what RefreshingAuth does before every request."
    )


# -- answers that must fail ------------------------------------------------------------------


def _always_refresh(token: tokenkit.Token, source: Any, min_left: float = 30) -> tokenkit.Token:
    return source.refresh(token)


def _wall_clock(token: tokenkit.Token, source: Any, min_left: float = 30) -> tokenkit.Token:
    if token.expires_at - time.time() > min_left:
        return token
    return source.refresh(token)


def _fetch_instead(token: tokenkit.Token, source: Any, min_left: float = 30) -> tokenkit.Token:
    return source.fetch() if token.is_expired(min_left) else token


def _fixed_threshold(token: tokenkit.Token, source: Any, min_left: float = 30) -> tokenkit.Token:
    return source.refresh(token) if token.is_expired(30) else token


def _keeps_first_refresh_token() -> Any:
    kept: dict[str, str] = {}

    def fresh_token(token: tokenkit.Token, source: Any, min_left: float = 30) -> tokenkit.Token:
        kept.setdefault("refresh_token", token.refresh_token)  # the first one, kept forever
        return source.refresh(kept["refresh_token"]) if token.is_expired(min_left) else token

    return fresh_token


def _refreshes_but_returns_old(token: tokenkit.Token, source: Any, min_left: float = 30) -> tokenkit.Token:
    if token.is_expired(min_left):
        source.refresh(token)  # the new Token is thrown away
    return token


def _string(token: tokenkit.Token, source: Any, min_left: float = 30) -> str:
    return token.access_token


EXERCISES = {
    "fresh_token": Exercise(
        solution="solutions/06_fresh_token.py",
        check=check_fresh_token,
        context=("api",),
        wrong_answers=(
            lambda ns: _always_refresh,
            lambda ns: _wall_clock,
            lambda ns: _fetch_instead,
            lambda ns: _fixed_threshold,
            lambda ns: _keeps_first_refresh_token(),
            lambda ns: _refreshes_but_returns_old,
            lambda ns: _string,
        ),
        objective="judge a token before sending it",
    ),
}


# -- quick checks (checks.quiz) --------------------------------------------------------------

from .quiz import predict, quiz  # noqa: E402 - the questions follow the exercise they sit beside

quiz(
    "06_leeway",
    "A token's exp was 3 seconds ago, and the API still answered 200. What should your client conclude?",
    options={
        "a": "Tokens last a little longer than exp says: renew a few seconds after it.",
        "b": "The server allows some leeway for clocks that disagree; it is the server's margin, so renew before exp, not after.",
        "c": "The server's clock must be wrong: report it.",
        "d": "exp is only a suggestion; the server decides at random.",
    },
    answer="b",
    explain={
        "a": "The leeway differs between servers (seconds to minutes) and may be zero: a client that counts on it fails on the next API.",
        "b": "Leeway absorbs small clock skew between servers and clients (RFC 7519 §4.1.4 allows 'some small leeway'). A client renews ahead of exp, with a skew of its own.",
        "c": "A few seconds of tolerance is deliberate, not a fault; it is there because clocks disagree a little.",
        "d": "The server applies exp plus a fixed leeway, the same every time: the lesson showed the exact boundary.",
    },
    objective="watch a token expire",
)

predict(
    "06_reuse",
    "first = refresh(old_refresh_token)        # works: a new access token and a new refresh token\n"
    "again = refresh(old_refresh_token)        # the same old refresh token, a second time\n"
    "newest = refresh(first[\"refresh_token\"])  # the newest refresh token\n"
    "print(again.status_code, newest.status_code)",
    options={
        "a": "200 200",
        "b": "400 200",
        "c": "400 400",
        "d": "200 400",
    },
    answer="c",
    explain={
        "a": "With refresh-token rotation each refresh token works once: the second use of the old one is refused.",
        "b": "The old token is refused, but the server does more: a reused refresh token looks like theft, so it revokes the whole family, newest included.",
        "c": "Reuse detection (RFC 9700 §4.14.2): the second use is refused with invalid_grant and every token of the family is revoked, so the newest one fails too.",
        "d": "The first use of a refresh token works; it is the second use of the same one that is refused.",
    },
    objective="why the old refresh token dies",
)

quiz(
    "06_schedule_or_failure",
    "RefreshingAuth renews 30 s before exp by its own clock. Which case does only the renewal on a 401 catch?",
    options={
        "a": "A token that expires normally while the script runs for hours.",
        "b": "A token revoked by an administrator, or refused because the server's clock is ahead of ours.",
        "c": "A 403 insufficient_scope.",
        "d": "A 429 Too Many Requests.",
    },
    answer="b",
    explain={
        "a": "Normal expiry is what the schedule is for: it renews before the token is sent, and no request fails.",
        "b": "No clock on the client can predict a revocation or the server's skew; only the server's 401 reveals them, so the auth renews once and resends (response.history keeps the 401).",
        "c": "A 403 is never retried: a new token with the same scopes would be refused the same way.",
        "d": "A 429 is about pace, not the token; it is the session's Retry (lesson 07) that waits it out.",
    },
    objective="let `RefreshingAuth` renew on a schedule and on failure",
)
