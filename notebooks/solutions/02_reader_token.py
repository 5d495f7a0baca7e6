import requests

reader = api.clients["analytics-reader"]  # in your code: its id and secret from the environment
response = requests.post(
    TOKEN_URL,
    data={"grant_type": "client_credentials", "scope": "data:read"},
    auth=(reader.client_id, reader.client_secret),  # HTTP Basic, the RFC 6749 way
    timeout=10,
)
response.raise_for_status()
answer = response.json()["access_token"]
