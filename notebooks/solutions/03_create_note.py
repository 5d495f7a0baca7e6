import requests
from tokenkit import BearerAuth, ClientCredentials

token = ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET).fetch().access_token
note = {"title": "Weekly report", "body": "Numbers for the client, every Friday.", "tags": ["work", "reports"]}
response = requests.post(f"{BASE_URL}/notes", json=note, auth=BearerAuth(token), timeout=10)
print(response.status_code, response.headers["Location"])  # 201 /notes/<id>
answer = response.json()["id"]
