import os

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

retry = Retry(
    total=3, status_forcelist=[429, 503],  # honour Retry-After if sent,
    backoff_factor=0.5,  # else wait 0 s, 1 s, 2 s ... and, urllib3 2.x,
    backoff_jitter=0.5,  # ... up to 0.5 s more at random (jitter)
)  # GET, PUT, DELETE ... are retried; POST only if in allowed_methods
http = requests.Session()
http.mount("https://", HTTPAdapter(max_retries=retry))
http.mount("http://", HTTPAdapter(max_retries=retry))
http.headers["Authorization"] = f"Bearer {os.environ['TOKENKIT_TOKEN']}"
url = f"{os.environ['TOKENKIT_API_URL']}/data"
print([http.get(url, timeout=10).status_code for _ in range(7)])
# prints: [200, 200, 200, 200, 200, 200, 200]
