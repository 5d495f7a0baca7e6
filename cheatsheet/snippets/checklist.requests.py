import os
import re

import requests

api, token = os.environ["TOKENKIT_API_URL"], os.environ["TOKENKIT_TOKEN"]
tries = [
    ("/data", {}),  # no token at all
    ("/data", {"Authorization": "Bearer None"}),  # the os.getenv trap
    ("/data", {"Authorization": token}),  # no "Bearer " scheme
    ("/notes", {"Authorization": f"Bearer {token}"}),  # scope data:read only
]
for path, headers in tries:
    r = requests.get(f"{api}{path}", headers=headers, timeout=10)
    challenge = r.headers.get("WWW-Authenticate", "")  # RFC 6750 §3
    found = re.search(r'error="([^"]+)"', challenge)
    print(r.status_code, found[1] if found else "(no error code: no token)")
# prints:
#   401 (no error code: no token)
#   401 invalid_token
#   401 invalid_token
#   403 insufficient_scope
