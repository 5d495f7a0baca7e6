from urllib.parse import urlsplit

# The same decisions with tokenkit.diagnose(response), if you prefer:
#   d = tokenkit.diagnose(response)
#   if not d.about_tokens: return "not_auth"
#   if d.token_endpoint: return "fix_client"
#   return {401: "renew_token", 403: "more_scope", 429: "wait"}[d.status]


def what_next(response) -> str:
    """What to do about a failed response: one of the five answers of the exercise."""
    status = response.status_code
    path = urlsplit(response.request.url).path
    # The token endpoint refuses the *client* (RFC 6749 §5.2: 400, or 401 for a failed
    # client login): no token exists yet, so there is nothing to renew.
    if path.endswith("/oauth/token") and status in (400, 401):
        return "fix_client"
    if status == 401:
        return "renew_token"   # no token, or invalid_token (RFC 6750): get one, send it, retry once
    if status == 403:
        return "more_scope"    # insufficient_scope: ask for the scope, with a client allowed it
    if status == 429:
        return "wait"          # Retry-After says how long
    return "not_auth"          # 404, 422, 500…: not the token's fault


answer = what_next
