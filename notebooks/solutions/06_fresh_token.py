import tokenkit


def fresh_token(token: tokenkit.Token, source: tokenkit.ClientCredentials, min_left: float = 30) -> tokenkit.Token:
    """``token`` if it has more than ``min_left`` seconds left, else a renewed one."""
    if not token.is_expired(skew=min_left):   # judged by the token's own clock
        return token
    if token.refresh_token:
        return source.refresh(token)          # refresh_token grant; the answer brings a new refresh token
    return source.fetch()                     # no refresh token: a new client_credentials grant


answer = fresh_token
