import tokenkit

try:
    token = tokenkit.from_env("TOKENKIT_TOKN")  # the same typo
except tokenkit.MissingSecretError as exc:  # uncaught, it stops the script
    print(str(exc).split(":")[0])  # ... and says where it looked, what to do
token = tokenkit.from_env("TOKENKIT_TOKEN")  # missing or empty: it raises
auth = tokenkit.BearerAuth(token)  # and BearerAuth(None) is a TypeError
print("TOKENKIT_TOKEN:", tokenkit.mask(token))
# prints:
#   TOKENKIT_TOKN is not set
#   TOKENKIT_TOKEN: eyJh… (… chars)
