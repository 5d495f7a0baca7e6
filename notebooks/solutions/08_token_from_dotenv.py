import tokenkit


def get_token(env_file):
    # TOKENKIT_API_URL, TOKENKIT_CLIENT_ID and TOKENKIT_CLIENT_SECRET, from the environment
    # or else from env_file (the environment wins, so a CI secret is never shadowed).
    source = tokenkit.ClientCredentials.from_env(dotenv_path=env_file)
    return source.fetch()  # a Token: it knows its expiry, and masks itself when printed


answer = get_token
