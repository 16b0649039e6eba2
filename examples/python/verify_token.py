#!/usr/bin/python3
"""Verifies a dcapd signed result (an EAR token) with PyJWT, as a relying party does.

Usage: verify_token.py TOKEN|- JWKS_FILE [--at UNIX_SECONDS] [--nonce HEX] [--allow-insecure-root]

TOKEN is the compact JWT dcapd answers with when asked for token "ear" (gRPC Verify, Get or Check;
HTTP ?token=ear or Accept: application/eat+jwt), or - to read it from standard input. JWKS_FILE
holds the daemon's public keys (gRPC GetKeys, or GET /.well-known/jwks.json). Prints the claims as
JSON. Exit 0 when the token verifies and its ear.status is affirming or warning, 1 when it verifies
and says the quote is not to be trusted (contraindicated, none), 2 when it does not verify (one
line on stderr: the reason, spelled as dcapd's Java verifier spells it) or on bad usage.

A token whose verdict rests on a root other than Intel's (submods.quote.dcapd.insecure_root not
false: the daemon ran with --insecure-trust-root, whose holder can make quotes it calls genuine,
or the token does not say) is refused as INSECURE_ROOT unless --allow-insecure-root is given.

Needs Debian python3-jwt and python3-cryptography (PyJWT's ES256).

Time: PyJWT judges exp against this machine's clock only. So that a token can be judged as of
another instant (--at; the tests judge tokens from a daemon whose clock is fixed in 2025), PyJWT's
own exp and iat checks are turned off and verify() checks both against the instant, with the 30 s
leeway of dcapd's Java verifier: expired from exp + 30 s on, refused when issued more than 30 s
after the instant. Without --at the instant is now.
"""
import argparse
import json
import re
import sys
import time

import jwt

PROFILE = "tag:github.com,2023:veraison/ear"
LEEWAY_SECONDS = 30
ACCEPTED = ("affirming", "warning")


class Refused(Exception):
    """A token not to be trusted, with the reason dcapd's EarVerifier gives."""

    def __init__(self, reason, message):
        super().__init__("%s: %s" % (reason, message))
        self.reason = reason


def verify(token, jwks_json, at=None, nonce=None, allow_insecure_root=False):
    """The claims of a dcapd EAR signed by a key of jwks_json, valid at `at` (Unix seconds, default
    now), carrying `nonce` (hex) when one is given, and anchored in Intel's root unless
    `allow_insecure_root`; raises Refused otherwise."""
    try:
        keys = jwt.PyJWKSet.from_json(jwks_json)
    except (jwt.PyJWKError, jwt.PyJWKSetError, ValueError) as e:
        raise Refused("MALFORMED", "not a usable JWKS: %s" % e)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as e:
        raise Refused("MALFORMED", "not a signed JWT: %s" % e)
    if header.get("alg") != "ES256":
        raise Refused("WRONG_ALGORITHM", "signed with %s, not ES256" % header.get("alg"))
    kid = header.get("kid")
    try:
        key = keys[kid]
    except KeyError:
        raise Refused("UNKNOWN_KEY", "signed by key %s, which is not trusted" % kid)
    try:
        # dcapd's tokens carry no nbf: iat is where they start.
        claims = jwt.decode(token, key.key, algorithms=["ES256"],
                            options={"require": ["exp", "iat"], "verify_exp": False, "verify_iat": False,
                                     "verify_nbf": False})
    except jwt.InvalidSignatureError as e:
        raise Refused("BAD_SIGNATURE", str(e))
    except jwt.InvalidTokenError as e:
        raise Refused("MALFORMED", str(e))

    now = time.time() if at is None else at
    if not isinstance(claims["exp"], int) or not isinstance(claims["iat"], int):
        raise Refused("MALFORMED", "iat and exp are not whole seconds")
    if now >= claims["exp"] + LEEWAY_SECONDS:
        raise Refused("EXPIRED", "expired at %d" % claims["exp"])
    if claims["iat"] > now + LEEWAY_SECONDS:
        raise Refused("EXPIRED", "issued in the future, at %d" % claims["iat"])
    if claims.get("eat_profile") != PROFILE:
        raise Refused("WRONG_PROFILE", "eat_profile is %r" % claims.get("eat_profile"))
    submods = claims.get("submods")
    if not isinstance(submods, dict) or not isinstance(submods.get("quote"), dict):
        raise Refused("MALFORMED", "no submods.quote")
    if nonce is not None and str(claims.get("eat_nonce", "")).lower() != nonce.lower():
        raise Refused("WRONG_NONCE", "the token does not carry the expected nonce")
    dcapd = submods["quote"].get("dcapd")
    insecure_root = dcapd.get("insecure_root") if isinstance(dcapd, dict) else None
    # Only the JSON value false says Intel's root; anything else (true, absent, 0, "false") is refused.
    if insecure_root is not False and not allow_insecure_root:
        if insecure_root is None:
            raise Refused("INSECURE_ROOT", "the token does not say whether its verdict rests on Intel's root "
                                           "(no insecure_root claim)")
        raise Refused("INSECURE_ROOT", "its verdict rests on a root other than Intel's (insecure_root: %s)"
                      % json.dumps(insecure_root))
    return claims


def status(claims):
    """The appraisal of the quote: affirming, warning, contraindicated or none."""
    return claims["submods"]["quote"]["ear.status"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("token", metavar="TOKEN|-")
    parser.add_argument("jwks", metavar="JWKS_FILE")
    parser.add_argument("--at", type=int, help="judge iat/exp at this instant (Unix seconds; default now)")
    parser.add_argument("--nonce", help="require this eat_nonce (hex)")
    parser.add_argument("--allow-insecure-root", action="store_true",
                        help="accept a verdict that rests on a root other than Intel's (testing only)")
    args = parser.parse_args()
    if args.nonce is not None:
        args.nonce = args.nonce[2:] if args.nonce.lower().startswith("0x") else args.nonce
        if not re.fullmatch(r"(?:[0-9a-fA-F]{2})+", args.nonce):
            parser.error("--nonce is not hex")
    token = sys.stdin.read().strip() if args.token == "-" else args.token
    try:
        with open(args.jwks) as f:
            jwks = f.read()
    except OSError as e:
        print("verify_token.py: %s: %s" % (args.jwks, e.strerror), file=sys.stderr)
        return 2
    try:
        claims = verify(token, jwks, args.at, args.nonce, args.allow_insecure_root)
    except Refused as e:
        print("verify_token.py: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(claims, indent=2))
    if status(claims) in ACCEPTED:
        return 0
    print("verify_token.py: the token verifies and its ear.status is %s" % status(claims), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
