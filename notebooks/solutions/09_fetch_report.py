from collections import defaultdict

import tokenkit


def fetch_report(api_url, source):
    auth = tokenkit.RefreshingAuth(source)  # a token on first use; renewed before expiry, and once on a 401
    with tokenkit.session(auth, retries=3) as http:  # waits Retry-After on 429/503; a timeout on every call
        response = http.get(f"{api_url}/data")
        tokenkit.raise_for_auth(response)  # 401/403/429 -> AuthenticationError/ForbiddenError/RateLimitedError
        response.raise_for_status()  # any other error status -> requests.HTTPError
        rows = response.json()["rows"]

    totals = defaultdict(int)
    for row in rows:
        totals[row["region"]] += row["active_users"]
    return dict(sorted(totals.items()))


answer = fetch_report
