"""Credentials: password hashing, JWTs, API keys and gateway tokens (no I/O)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api import ApiError
from domain.isotime import iso

ALGORITHM = "HS256"  # pinned: tokens naming any other algorithm are refused
ACCESS_TTL = timedelta(seconds=900)
REFRESH_TTL = timedelta(days=30)
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile
# A real hash to verify against when the email is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class InvalidToken(ApiError):
    """A token that is malformed, expired, of the wrong type, or badly signed."""


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether the password matches (constant work when there is no user)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and bool(
            stored_hash
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sha256(secret: str) -> str:
    """The stored form of a key or token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> str:
    """A fresh ``vk_`` key (shown once)."""
    return "vk_" + secrets.token_hex(24)


def new_gateway_token() -> str:
    """A fresh ``gw_`` token (shown once)."""
    return "gw_" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenPair:
    """An access and a refresh token."""

    access: str
    refresh: str
    refresh_id: str
    expires_in: int = int(ACCESS_TTL.total_seconds())


class Tokens:
    """Issue and check JWTs with one secret and a pinned algorithm."""

    def __init__(self, secret: str, issuer: str = "vigil") -> None:
        self.secret = secret
        self.issuer = issuer

    def pair(
        self, user_id: str, org_id: str, family: str, now: datetime, refresh_id: str
    ) -> TokenPair:
        """A new access token and a refresh token ``refresh_id`` in ``family``."""
        access = self._encode(
            {"sub": user_id, "org": org_id, "typ": "access"}, now, ACCESS_TTL
        )
        refresh = self._encode(
            {
                "sub": user_id,
                "org": org_id,
                "typ": "refresh",
                "jti": refresh_id,
                "fam": family,
            },
            now,
            REFRESH_TTL,
        )
        return TokenPair(access, refresh, refresh_id)

    def _encode(self, claims: dict[str, Any], now: datetime, ttl: timedelta) -> str:
        body = {**claims, "iss": self.issuer, "iat": now, "exp": now + ttl}
        return jwt.encode(body, self.secret, algorithm=ALGORITHM)

    def check(self, token: str, expected_type: str) -> dict[str, Any]:
        """The claims of a valid token of ``expected_type``."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "typ"]},
            )
        except jwt.ExpiredSignatureError as ex:
            raise InvalidToken("token expired") from ex
        except jwt.PyJWTError as ex:
            raise InvalidToken("invalid token") from ex
        if claims.get("typ") != expected_type:
            raise InvalidToken(f"not an {expected_type} token")
        return claims


def refresh_expiry(now: datetime) -> str:
    """When a refresh token issued now expires (ISO-8601)."""
    return iso(now + REFRESH_TTL)
