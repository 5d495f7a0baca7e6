import os

import requests

api, token = os.environ["TOKENKIT_API_URL"], os.environ["TOKENKIT_TOKEN"]
headers = {"Authorization": f"Bearer {token}"}
response = requests.get(f"{api}/me", headers=headers, timeout=10)
if response.status_code != 200:  # stop here: nothing else would work either
    challenge = response.headers.get("WWW-Authenticate", "")
    raise SystemExit(f"smoke test: {response.status_code} {challenge}")
me = response.json()
print(response.status_code, me["client_id"], me["scope"], me["expires_in"])
# prints: 200 analytics-reader data:read …
