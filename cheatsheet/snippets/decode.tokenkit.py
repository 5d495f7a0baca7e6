import tokenkit

token = tokenkit.from_env("TOKENKIT_TOKEN")
decoded = tokenkit.decode(token)  # NOT verified (decoded.verified is False)
header, claims = decoded.header, decoded.claims
print(header["alg"], header["typ"], claims["sub"], claims["scope"])
print("exp", decoded.times["exp"], decoded.state)
# print(decoded): header, claims and times, labelled UNVERIFIED
# prints:
#   RS256 at+jwt analytics-reader data:read
#   exp … UTC fresh
