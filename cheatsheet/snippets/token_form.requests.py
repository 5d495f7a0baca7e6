import os

import requests

client_id = os.environ["TOKENKIT_CLIENT_ID"]
client_secret = os.environ["TOKENKIT_CLIENT_SECRET"]
response = requests.post(
    os.environ["TOKENKIT_TOKEN_URL"],
    data={"grant_type": "client_credentials", "scope": "data:read"},  # form
    auth=(client_id, client_secret),  # HTTP Basic
    timeout=10,
)
if response.status_code != 200:  # the body says why (RFC 6749 §5.2)
    raise SystemExit(f"{response.status_code} {response.text}")
token = response.json()  # keep expires_in: it says when to get a new one
print(token["token_type"], token["expires_in"], token["scope"])
# prints: Bearer 3600 data:read
