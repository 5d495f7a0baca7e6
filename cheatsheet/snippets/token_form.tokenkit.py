import tokenkit

# TOKENKIT_TOKEN_URL (or TOKENKIT_API_URL), _CLIENT_ID, _CLIENT_SECRET
source = tokenkit.ClientCredentials.from_env(scope="data:read")  # Basic
token = source.fetch()  # TokenEndpointError: the RFC 6749 error, explained
print(token.token_type, token.scope, tokenkit.mask(token.access_token))
# prints: Bearer data:read eyJh… (… chars)
