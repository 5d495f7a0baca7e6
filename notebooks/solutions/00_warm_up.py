import requests

response = requests.get(f"{BASE_URL}/public/weather", params={"city": "Porto"}, timeout=10)
answer = response.json()
