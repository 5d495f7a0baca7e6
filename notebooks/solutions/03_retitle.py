import requests
from tokenkit import BearerAuth


def retitle(token, note_id, title):
    """Change a note's title and keep everything else: PATCH sends only what changes."""
    response = requests.patch(f"{BASE_URL}/notes/{note_id}", json={"title": title}, auth=BearerAuth(token), timeout=10)
    response.raise_for_status()
    return response.json()


# The same with PUT, which replaces the whole note: read it, change the title, send back
# the fields a note is made of (not id, owner or the times, which the server refuses).
#
#     note = requests.get(url, auth=BearerAuth(token), timeout=10).json()
#     whole = {"title": title, "body": note["body"], "tags": note["tags"]}
#     response = requests.put(url, json=whole, auth=BearerAuth(token), timeout=10)

answer = retitle
