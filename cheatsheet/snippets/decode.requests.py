import os
from datetime import datetime, timezone

import jwt  # PyJWT

token = os.environ["TOKENKIT_TOKEN"]
# NOT verified: for looking while debugging, never for decisions.
header = jwt.get_unverified_header(token)
claims = jwt.decode(token, options={"verify_signature": False})
print(header["alg"], header["typ"], claims["sub"], claims["scope"])
print("exp", datetime.fromtimestamp(claims["exp"], timezone.utc))
# prints:
#   RS256 at+jwt analytics-reader data:read
#   exp …+00:00
