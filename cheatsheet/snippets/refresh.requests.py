import os

import requests

url = os.environ["TOKENKIT_TOKEN_URL"]
client_id = os.environ["TOKENKIT_CLIENT_ID"]
client = (client_id, os.environ["TOKENKIT_CLIENT_SECRET"])  # HTTP Basic


def grant(**form: str) -> dict:
    response = requests.post(url, data=form, auth=client, timeout=10)
    response.raise_for_status()  # 400 invalid_grant: used, expired, revoked
    return response.json()


old = grant(grant_type="client_credentials")
new = grant(grant_type="refresh_token", refresh_token=old["refresh_token"])
# keep new["refresh_token"]: a server that rotates them refuses the old one
print("new access token:", new["access_token"] != old["access_token"])
print("refresh token rotated:", new["refresh_token"] != old["refresh_token"])
# prints:
#   new access token: True
#   refresh token rotated: True
