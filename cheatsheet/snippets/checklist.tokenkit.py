import requests
import tokenkit

api = tokenkit.from_env("TOKENKIT_API_URL")
token = tokenkit.from_env("TOKENKIT_TOKEN")
tries = [
    ("/data", {}),  # no token at all
    ("/data", {"Authorization": "Bearer None"}),  # the os.getenv trap
    ("/data", {"Authorization": token}),  # no "Bearer " scheme
    ("/notes", {"Authorization": f"Bearer {token}"}),  # scope data:read only
]
for path, headers in tries:
    r = requests.get(f"{api}{path}", headers=headers, timeout=10)
    print(r.status_code, tokenkit.diagnose(r).kind)  # print(diagnose(r)): all
# prints:
#   401 missing_credentials
#   401 malformed
#   401 wrong_scheme
#   403 insufficient_scope
