"""fetch_report.py: weekly active users per region from the analytics API, saved as a note.

Configuration comes from the environment or a .env file (see .env.example):
TOKENKIT_API_URL, TOKENKIT_CLIENT_ID, TOKENKIT_CLIENT_SECRET.
Exit status: 0 done; 2 fix the configuration or permissions; 3 try again later.

Run it as `python fetch_report.py`. Lesson 09 shows it and runs it against the lesson's mock;
tests/test_lesson09_script.py runs it against a live mock with its settings from the environment.
"""

import sys
from collections import defaultdict

import requests
import tokenkit

SCOPES = "data:read notes:write"  # only what this script needs


def connect(source):
    """A session that gets tokens from `source`, renews them, and waits out 429/503."""
    return tokenkit.session(tokenkit.RefreshingAuth(source), retries=3)


def fetch_report(api_url, source):
    """Active users per region, summed over the weeks /data returns."""
    with connect(source) as http:
        response = http.get(f"{api_url}/data")
        tokenkit.raise_for_auth(response)  # 401/403/429 -> a specific tokenkit error
        response.raise_for_status()  # any other error status -> requests.HTTPError
        data = response.json()
    totals = defaultdict(int)
    for row in data["rows"]:
        totals[row["region"]] += row["active_users"]
    weeks = sorted({row["week"] for row in data["rows"]})
    return {"weeks": f"{weeks[0]} to {weeks[-1]}", "active_users": dict(sorted(totals.items()))}


def save_note(api_url, source, report):
    """POST the report as a note; returns the created note."""
    lines = [f"{region}: {users}" for region, users in report["active_users"].items()]
    note = {"title": f"Weekly active users, {report['weeks']}", "body": "\n".join(lines), "tags": ["report", "analytics"]}
    with connect(source) as http:  # POST is not retried (not idempotent): a 429 here is an error
        response = http.post(f"{api_url}/notes", json=note)
        tokenkit.raise_for_auth(response)
        response.raise_for_status()
        return response.json()


def main():
    """Run the job; the exit status tells a scheduler whether running again later could help."""
    try:
        api_url = tokenkit.from_env("TOKENKIT_API_URL")
        source = tokenkit.ClientCredentials.from_env(scope=SCOPES)
        report = fetch_report(api_url, source)
        note = save_note(api_url, source, report)
    except tokenkit.MissingSecretError as err:  # a variable is not set
        print(f"configuration: {err}", file=sys.stderr)
        return 2
    except tokenkit.TokenEndpointError as err:  # wrong id/secret, or a scope the client may not have
        print(f"no token ({err.error}): check TOKENKIT_CLIENT_ID and TOKENKIT_CLIENT_SECRET. {err.error_description}", file=sys.stderr)
        return 2
    except (tokenkit.AuthenticationError, tokenkit.ForbiddenError) as err:  # refused even with a fresh token
        print(f"refused: {err}", file=sys.stderr)
        return 2
    except tokenkit.RateLimitedError as err:  # still limited after the retries
        print(f"rate limited: try again in {err.retry_after or 60:g} s", file=sys.stderr)
        return 3
    except requests.ConnectionError as err:  # includes tokenkit.ServerUnreachableError
        print(f"network: {err}", file=sys.stderr)
        return 3
    except requests.HTTPError as err:  # 404, 500...: not about tokens
        print(f"API error: {err}", file=sys.stderr)
        return 3
    print(f"saved note {note['id']}: {note['title']}")
    for region, users in report["active_users"].items():
        print(f"  {region:5} {users:>7,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
