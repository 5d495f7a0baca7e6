import tokenkit

# The environment first, then the nearest .env from the working directory
# up; nothing is copied into os.environ. Missing: MissingSecretError.
client_id = tokenkit.from_env("TOKENKIT_CLIENT_ID")
client_secret = tokenkit.from_env("TOKENKIT_CLIENT_SECRET")
print(client_id, "secret:", tokenkit.mask(client_secret))
source = tokenkit.ClientCredentials.from_env()  # all settings in one call
print(source.client_id, source.token_url.endswith("/oauth/token"))
# prints:
#   analytics-reader secret: … (… chars)
#   analytics-reader True
