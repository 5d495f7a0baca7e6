import os

import requests

response = requests.post(
    os.environ["TOKENKIT_TOKEN_URL"],
    json={  # only where the API's docs ask for JSON: RFC 6749 says a form
        "grant_type": "client_credentials",
        "client_id": os.environ["TOKENKIT_CLIENT_ID"],
        "client_secret": os.environ["TOKENKIT_CLIENT_SECRET"],
        "scope": "data:read",
    },
    timeout=10,
)
response.raise_for_status()
print(response.json()["token_type"], response.json()["scope"])
# prints: Bearer data:read
