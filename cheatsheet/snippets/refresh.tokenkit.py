import requests
import tokenkit

source = tokenkit.ClientCredentials.from_env()
old = source.fetch()
new = source.refresh(old)  # the refresh grant; keeps the newest refresh token
print("new access token:", new.access_token != old.access_token)
print("refresh token rotated:", new.refresh_token != old.refresh_token)
# In a program: renews before expiry (refresh grant, else a new fetch) and,
# on a 401, renews once and resends.
auth = tokenkit.RefreshingAuth(source)
api = tokenkit.from_env("TOKENKIT_API_URL")
print(requests.get(f"{api}/data", auth=auth, timeout=10).status_code)
# prints:
#   new access token: True
#   refresh token rotated: True
#   200
