from tokenkit import ClientCredentials

source = ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, scope="notes:read")
answer = source.fetch()
