import tokenkit

client = api.clients["rate-limited"]  # the setup cell's CLIENT_ID: 5 requests per 2 s per token
source = tokenkit.ClientCredentials(TOKEN_URL, client.client_id, client.client_secret)

# 20 calls at 5 per token per window need 4 tokens, each fetched on its own:
# [source.fetch()] * 4 would be the same token, and so the same budget, four times.
answer = tokenkit.TokenPool([source.fetch() for _ in range(4)])
