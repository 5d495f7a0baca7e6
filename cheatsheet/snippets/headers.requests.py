import os

import requests

api, token = os.environ["TOKENKIT_API_URL"], os.environ["TOKENKIT_TOKEN"]
ways = {
    "/data": {"Authorization": f"Bearer {token}"},  # RFC 6750: most APIs
    "/raw-token/data": {"Authorization": token},  # no scheme: a few APIs
    "/api-key/data": {"X-API-Key": token},  # a header of the API's own
}
for path, headers in ways.items():
    response = requests.get(f"{api}{path}", headers=headers, timeout=10)
    print(path, response.status_code)
# prints:
#   /data 200
#   /raw-token/data 200
#   /api-key/data 200
