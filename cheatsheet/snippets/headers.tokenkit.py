import requests
import tokenkit

api = tokenkit.from_env("TOKENKIT_API_URL")
token = tokenkit.from_env("TOKENKIT_TOKEN")
ways = {
    "/data": tokenkit.BearerAuth(token),  # Authorization: Bearer <token>
    "/raw-token/data": tokenkit.HeaderAuth(token, scheme=None),
    "/api-key/data": tokenkit.ApiKeyAuth(token),  # X-API-Key: <token>
}
for path, auth in ways.items():
    response = requests.get(f"{api}{path}", auth=auth, timeout=10)
    print(path, response.status_code)
# prints:
#   /data 200
#   /raw-token/data 200
#   /api-key/data 200
