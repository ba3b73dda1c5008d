"""Access tokens are JWTs (PyJWT) signed with HS256 and `AUTH_SECRET_KEY`: short-lived, checked
without a database round trip. The algorithm is pinned, so `alg: none` and a token signed with
another algorithm are refused; every registered claim is required and `iss` and `aud` must be
this service's.

An access token names its sign-in (`sid`: the family of refresh tokens it came with), so that
ending the sign-in ends its access tokens too (see `callers`).

Refresh tokens and API keys are opaque random strings; only their SHA-256 digest is stored (see
the users resource), so a copy of the database hands out no working token or key."""

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt

from ..api.fields import MAX_ID

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "sub", "jti", "iss", "aud", "sid"]
LONGEST_SESSION = 32
CLOCK_SKEW_SECONDS = 30
"""How far the clock of a host that checks a token may be off from the one that issued it."""
VERIFIED_KEPT_AT_MOST = 4096
"""Verified tokens remembered per process (a client sends the same one until it expires), so
that its signature and claims are checked once; past it the oldest is checked again."""


class InvalidToken(Exception):
    """Expired, not yet valid, for another audience or issuer, badly signed or malformed."""


@dataclass(frozen=True, slots=True)
class Bearer:
    """Whom a valid token was issued to, and in which sign-in."""

    user_id: int
    session: str
    expires_at: float
    """`exp`: seconds since the epoch."""


class AccessTokens:
    def __init__(self, key: str, *, issuer: str, audience: str, lifetime_seconds: int) -> None:
        self._key = key
        self.issuer = issuer
        self.audience = audience
        self.lifetime_seconds = lifetime_seconds
        self._verified: dict[str, tuple[float, Bearer]] = {}

    def issue(self, user_id: int, session: str) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "sid": session,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
            "iss": self.issuer,
            "aud": self.audience,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def read(self, token: str) -> Bearer:
        """The user and sign-in a valid token was issued to. A token verified before is known
        by its exact text until it expires."""
        kept = self._verified.get(token)
        if kept is not None and time.time() < kept[0]:
            return kept[1]
        self._verified.pop(token, None)
        bearer = self._verify(token)
        if len(self._verified) >= VERIFIED_KEPT_AT_MOST:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (bearer.expires_at + CLOCK_SKEW_SECONDS, bearer)
        return bearer

    def _verify(self, token: str) -> Bearer:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
                leeway=CLOCK_SKEW_SECONDS,
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        subject = claims["sub"]
        if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
            raise InvalidToken("the subject is not a user id")
        if len(subject) > len(str(MAX_ID)) or int(subject) > MAX_ID:
            raise InvalidToken("the subject is not a user id")  # no row can have it
        session = claims["sid"]
        if not (isinstance(session, str) and 0 < len(session) <= LONGEST_SESSION):
            raise InvalidToken("the session is not one this service issues")
        return Bearer(int(subject), session, claims["exp"])


def new_session() -> str:
    """The id of a new sign-in: the family its refresh tokens share."""
    return uuid.uuid4().hex


def new_refresh_token() -> tuple[str, str]:
    """A refresh token for the client and the digest to store."""
    token = secrets.token_urlsafe(32)
    return token, stored_digest(token)


def stored_digest(secret: str) -> str:
    """What is stored of a refresh token or an API key, and looked up by."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


API_KEY_PREFIX = "ak_"
"""Marks a key for what it is (in a log, a secret scanner, a config file)."""
LONGEST_API_KEY = 100


def new_api_key() -> tuple[str, str]:
    """An API key for its user, shown once, and the digest to store."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, stored_digest(key)


RESET_TOKEN_PREFIX = "pr_"
LONGEST_RESET_TOKEN = 100


def new_reset_nonce() -> str:
    """What a password reset's row keeps to make its token again: not the token itself."""
    return secrets.token_hex(16)


def password_reset_token(key: str, nonce: str) -> str:
    """A reset's token, the same each time it is made from the signing key and the row's
    nonce: a job that sends it again sends the same one, and the database alone cannot make
    it. Its digest (`stored_digest`) is stored and looked up by."""
    mac = hmac.new(key.encode(), f"password-reset:{nonce}".encode(), hashlib.sha256).digest()
    return RESET_TOKEN_PREFIX + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
