import random

import requests


def get_all(http, url, n, sleep):
    """n GETs of url, all answered 200: paced from the headers, backing off on a 429."""
    responses = []
    while len(responses) < n:
        response = http.get(url, timeout=10)
        if response.status_code == 429:  # someone spent the budget: wait as asked, plus a little jitter
            sleep(float(response.headers.get("Retry-After", "1")) + random.uniform(0, 0.5))
            continue  # and send the same request again
        response.raise_for_status()
        responses.append(response)
        if response.headers.get("RateLimit-Remaining") == "0":  # budget spent: wait for the window
            sleep(float(response.headers.get("RateLimit-Reset", "1")))
    return responses


answer = get_all
