"""Who is calling: Bearer JWTs, ``vk_`` API keys, ``gw_`` gateway tokens, and the
browser session cookie (with an Origin check on unsafe methods)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import falcon
import falcon.asgi

from api.credentials import InvalidToken, Tokens, sha256
from api.rate_limit import RateLimiter, retry_after
from api.usage import KeyUsage
from domain.entity import EntityStateBase
from domain.entity_state import EntityState
from domain.keys import api_key_hash_key, gateway_token_hash_key
from domain.states import ApiKey, GatewayToken, User

SESSION_COOKIE = "vigil_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The entity behind each kind of principal (checked again by long-lived streams).
CREDENTIALS: dict[str, type[EntityStateBase]] = {
    "user": User,
    "api_key": ApiKey,
    "gateway": GatewayToken,
}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    kind: str  # "user", "api_key" or "gateway"
    org_id: str
    credential_id: str
    user_id: str | None = None
    role: str = "member"
    permissions: frozenset[str] = field(default_factory=frozenset)
    hardware_id: str | None = None  # gateway token scope
    expires_at: float | None = None  # access-token expiry (epoch s); keys: None

    @property
    def can_write(self) -> bool:
        """Users can; API keys need the ``write`` permission."""
        return self.kind == "user" or "write" in self.permissions


def unauthorized(message: str) -> falcon.HTTPUnauthorized:
    """401 with a Bearer challenge."""
    return falcon.HTTPUnauthorized(description=message, challenges=["Bearer"])


class Authenticator:
    """Resolve a request's credential against the entity read model."""

    def __init__(self, state: EntityState, tokens: Tokens, usage: KeyUsage) -> None:
        self.state = state
        self.tokens = tokens
        self.usage = usage

    def principal(self, req: falcon.asgi.Request) -> Principal:
        """The caller, or 401."""
        header = req.get_header("Authorization")
        if header:
            scheme, _, credential = header.partition(" ")
            if scheme.lower() != "bearer" or not credential.strip():
                raise unauthorized("Authorization must be 'Bearer <token>'")
            return self.from_bearer(credential.strip())
        cookie = req.get_cookie_values(SESSION_COOKIE)
        if cookie:
            principal = self.from_jwt(cookie[0])
            if req.method not in SAFE_METHODS:
                check_origin(req)
            return principal
        raise unauthorized("authentication required")

    def from_bearer(self, credential: str) -> Principal:
        """A principal from a key, a gateway token or an access JWT."""
        if credential.startswith("vk_"):
            return self._from_api_key(credential)
        if credential.startswith("gw_"):
            return self._from_gateway_token(credential)
        return self.from_jwt(credential)

    def from_jwt(self, token: str) -> Principal:
        """A principal from an access token whose user still exists."""
        try:
            claims = self.tokens.check(token, "access")
        except InvalidToken as ex:
            raise unauthorized(str(ex)) from ex
        user = self.state.get(User, claims["sub"])
        if user is None:
            raise unauthorized("user no longer exists")
        return Principal(
            "user",
            user.org_id,
            user.entity_id,
            user.entity_id,
            user.state.role,
            expires_at=float(claims["exp"]),
        )

    def _from_api_key(self, key: str) -> Principal:
        entity = self.state.held_by(ApiKey, api_key_hash_key(sha256(key)))
        if entity is None:
            raise unauthorized("invalid API key")
        self.usage.count(entity.entity_id)
        stored = entity.state
        owner = self.state.get(User, stored.user_id or "")
        return Principal(
            "api_key",
            entity.org_id,
            entity.entity_id,
            stored.user_id,
            owner.state.role if owner else "member",
            frozenset(stored.permissions),
        )

    def _from_gateway_token(self, token: str) -> Principal:
        hash_key = gateway_token_hash_key(sha256(token))
        entity = self.state.held_by(GatewayToken, hash_key)
        if entity is None:
            raise unauthorized("invalid gateway token")
        return Principal(
            "gateway",
            entity.org_id,
            entity.entity_id,
            hardware_id=entity.state.hardware_id,
        )


def still_valid(state: EntityState, who: Principal, now: float) -> bool:
    """Whether a principal authenticated earlier still holds (for long-lived
    streams): its credential exists, its user too, and its token has not expired."""
    if who.expires_at is not None and now >= who.expires_at:
        return False
    kind = CREDENTIALS.get(who.kind)
    if kind is None:
        return False
    credential = state.get(kind, who.credential_id)
    return credential is not None and credential.org_id == who.org_id


def check_origin(req: falcon.asgi.Request) -> None:
    """CSRF defence for cookie sessions: an unsafe request must come from our origin."""
    origin = req.get_header("Origin") or req.get_header("Referer")
    if not origin:
        raise falcon.HTTPForbidden(
            description="cookie-authenticated writes need an Origin header"
        )
    host = (req.get_header("Host") or "").lower()
    if urlsplit(origin).netloc.lower() != host:
        raise falcon.HTTPForbidden(description="cross-origin request refused")


class AuthMiddleware:
    """Authenticate every non-public resource and apply the credential rules.

    Resources declare ``auth = "public"`` (no credential), ``"gateway"`` (gateway
    tokens only: ingest) or nothing (users and API keys; gateway tokens get 403);
    ``reads_only = True`` lets a read-only API key POST to it (a query in a body);
    ``user_only`` names the methods only a signed-in user (access JWT or session
    cookie) may call, never an API key (managing API keys: a leaked key must not
    mint or revoke keys).
    """

    def __init__(
        self,
        authenticator: Authenticator,
        limiter: RateLimiter,
        public_limiter: RateLimiter,
        gateway_limiter: RateLimiter,
    ) -> None:
        self.authenticator = authenticator
        self.limiter = limiter
        self.public_limiter = public_limiter
        self.gateway_limiter = gateway_limiter

    async def process_resource(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: Any,
        params: dict[str, Any],
    ) -> None:
        mode = getattr(resource, "auth", "user")
        if mode == "none":
            return
        if mode == "public":
            self._limit(
                self.public_limiter, f"ip:{req.remote_addr}", " per client address"
            )
            return
        principal = self.authenticator.principal(req)
        req.context.principal = principal
        if principal.kind == "gateway":
            self._limit(
                self.gateway_limiter, principal.credential_id, " per gateway token"
            )
        else:
            self._limit(self.limiter, principal.credential_id, " per credential")
        if mode == "gateway":
            if principal.kind != "gateway":
                raise falcon.HTTPForbidden(
                    description="this endpoint takes a gateway token"
                )
            return
        if principal.kind == "gateway":
            raise falcon.HTTPForbidden(
                description="gateway tokens may only be used for ingest"
            )
        if (
            req.method in getattr(resource, "user_only", ())
            and principal.kind != "user"
        ):
            raise falcon.HTTPForbidden(
                description="this needs a signed-in user (an access token or the "
                "session cookie), not an API key"
            )
        reads_only = getattr(resource, "reads_only", False)
        if (
            req.method not in SAFE_METHODS
            and not principal.can_write
            and not reads_only
        ):
            raise falcon.HTTPForbidden(description="this API key is read-only")

    def _limit(self, limiter: RateLimiter, key: str, scope: str) -> None:
        wait = limiter.take(key)
        if wait:
            raise falcon.HTTPTooManyRequests(
                description=f"rate limit of {limiter.rate:g} requests/s{scope} "
                "exceeded",
                retry_after=retry_after(wait),
            )


def principal_of(req: falcon.asgi.Request) -> Principal:
    """The principal the middleware attached."""
    principal: Principal = req.context.principal
    return principal
