import os

from dotenv import load_dotenv  # python-dotenv

# .env (git-ignored) holds lines like TOKENKIT_CLIENT_SECRET=...
load_dotenv(".env")  # copies it into os.environ; variables already set win
client_id = os.environ["TOKENKIT_CLIENT_ID"]  # KeyError names a missing one
client_secret = os.environ["TOKENKIT_CLIENT_SECRET"]
print(client_id, "secret:", len(client_secret), "chars")  # never the value
# prints: analytics-reader secret: … chars
