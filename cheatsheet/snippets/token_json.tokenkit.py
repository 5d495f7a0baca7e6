import tokenkit

source = tokenkit.ClientCredentials.from_env(
    scope="data:read",
    auth_method="json",  # or "client_secret_post": id and secret in the form
)
token = source.fetch()
print(token.token_type, token.scope)
# prints: Bearer data:read
