import tokenkit

api = tokenkit.from_env("TOKENKIT_API_URL")
token = tokenkit.from_env("TOKENKIT_TOKEN")
with tokenkit.session(auth=tokenkit.BearerAuth(token)) as http:
    response = http.get(f"{api}/me")  # session(): a default timeout
if response.status_code != 200:  # stop here, saying what is wrong and why
    raise SystemExit(str(tokenkit.diagnose(response)))
me = response.json()
print(response.status_code, me["client_id"], me["scope"], me["expires_in"])
# prints: 200 analytics-reader data:read …
