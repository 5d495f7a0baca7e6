import tokenkit

api = tokenkit.from_env("TOKENKIT_API_URL")
auth = tokenkit.BearerAuth(tokenkit.from_env("TOKENKIT_TOKEN"))
# Retry + HTTPAdapter inside: 429/503 retried, Retry-After honoured up to
# max_wait (a longer one returns the 429 at once), backoff with up to 0.5 s
# of jitter, POST not retried, and a default timeout on every request.
with tokenkit.session(auth=auth, retries=3, max_wait=60, jitter=0.5) as http:
    print([http.get(f"{api}/data").status_code for _ in range(7)])
# prints: [200, 200, 200, 200, 200, 200, 200]
