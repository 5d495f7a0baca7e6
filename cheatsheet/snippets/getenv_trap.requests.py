import os

token = os.getenv("TOKENKIT_TOKN")  # a typo: no error, just None
print({"Authorization": f"Bearer {token}"})  # the API answers 401
token = os.environ.get("TOKENKIT_TOKEN")
if not token:  # the fix: stop at start-up, naming the variable
    raise SystemExit("set TOKENKIT_TOKEN (export it, or put it in .env)")
print("TOKENKIT_TOKEN:", len(token), "chars")
# prints:
#   {'Authorization': 'Bearer None'}
#   TOKENKIT_TOKEN: … chars
