"""Register, log in, refresh, me: the watchers-API and platform-API shapes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import falcon
import falcon.asgi

from api.auth import SESSION_COOKIE, principal_of, unauthorized
from api.common import Services, body_of
from api.identity import InvalidToken, TokenPair, hash_password, verify_password
from api.validation import Body, ValidationError
from projections.entities import Entity
from projections.entitylog import EntityConflict


class Sessions:
    """Password checks and token families shared by both surfaces."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def register(self, email: str, password: str, name: str | None) -> Entity:
        """Create an account with this user as its owner; 409 if the email is taken."""
        key = f"user.email:{email}"
        if self.s.state.holder(key) is not None:
            raise falcon.HTTPConflict(description="email already registered")
        password_hash = await asyncio.to_thread(hash_password, password)
        now = self.s.now_iso()
        org_id, user_id = str(uuid.uuid4()), str(uuid.uuid4())
        account = await self.s.entities.create(
            "account",
            org_id,
            {"name": name or email, "owner_user_id": user_id, "created_at": now},
            entity_id=org_id,
        )
        user_state = {
            "email": email,
            "name": name or "",
            "role": "owner",
            "password_hash": password_hash,
            "created_at": now,
        }
        try:
            return await self.s.entities.create(
                "user", org_id, user_state, (key,), entity_id=user_id
            )
        except EntityConflict as ex:
            await self.s.entities.delete(account)
            raise falcon.HTTPConflict(description="email already registered") from ex

    async def authenticate(self, email: str, password: str) -> Entity:
        """The user with these credentials, or 401 (same answer for either wrong)."""
        user = self.s.state.held_by("user", f"user.email:{email.lower()}")
        stored = user.state.get("password_hash") if user else None
        ok = await asyncio.to_thread(verify_password, stored, password)
        if not ok or user is None:
            raise unauthorized("invalid email or password")
        return user

    async def open(self, user: Entity) -> TokenPair:
        """Start a refresh-token family for a fresh login."""
        family = str(uuid.uuid4())
        pair = self.s.tokens.pair(user.entity_id, user.org_id, family, self.s.clock())
        await self.s.entities.create(
            "token_family",
            user.org_id,
            {
                "user_id": user.entity_id,
                "current": pair.refresh_id,
                "revoked": False,
                "created_at": self.s.now_iso(),
            },
            entity_id=family,
        )
        return pair

    async def rotate(self, refresh_token: str) -> TokenPair:
        """Swap a refresh token for a new pair; a reused one revokes its family."""
        try:
            claims = self.s.tokens.check(refresh_token, "refresh")
        except InvalidToken as ex:
            raise unauthorized(str(ex)) from ex
        family = self.s.state.get("token_family", claims.get("fam", ""))
        if family is None or family.state.get("revoked"):
            raise unauthorized("refresh token revoked")
        if family.state.get("current") != claims.get("jti"):
            await self._revoke(family)
            raise unauthorized("refresh token already used; its session is revoked")
        user = self.s.state.get("user", claims["sub"])
        if user is None:
            raise unauthorized("user no longer exists")
        pair = self.s.tokens.pair(
            user.entity_id, user.org_id, family.entity_id, self.s.clock()
        )
        try:
            await self.s.entities.update(
                family, {**family.state, "current": pair.refresh_id}
            )
        except EntityConflict as ex:  # raced with another use of the same token
            await self._revoke(family)
            raise unauthorized(
                "refresh token already used; its session is revoked"
            ) from ex
        return pair

    async def _revoke(self, family: Entity) -> None:
        for _ in range(5):
            current = self.s.state.get("token_family", family.entity_id)
            if current is None or current.state.get("revoked"):
                return
            try:
                await self.s.entities.update(
                    current, {**current.state, "revoked": True}
                )
                return
            except EntityConflict:
                continue


def user_brief(user: Entity) -> dict[str, Any]:
    """The ``user`` object of register and login."""
    return {
        "user_id": user.entity_id,
        "email": user.state["email"],
        "name": user.state.get("name", ""),
    }


def tokens_body(pair: TokenPair) -> dict[str, Any]:
    """The watchers-API ``tokens`` object."""
    return {
        "access_token": pair.access,
        "refresh_token": pair.refresh,
        "expires_in": pair.expires_in,
    }


def set_session_cookie(
    req: falcon.asgi.Request, resp: falcon.asgi.Response, pair: TokenPair
) -> None:
    """The browser session: HTTP-only, SameSite=Lax, Secure over https."""
    resp.set_cookie(
        SESSION_COOKIE,
        pair.access,
        max_age=pair.expires_in,
        http_only=True,
        secure=req.scheme == "https",
        same_site="Lax",
        path="/",
    )


async def password_login(
    sessions: Sessions, req: falcon.asgi.Request, resp: falcon.asgi.Response
) -> tuple[Entity, TokenPair]:
    """Check email and password, open a session and set its cookie."""
    body = await body_of(req)
    user = await sessions.authenticate(body.email(), _password(body))
    pair = await sessions.open(user)
    set_session_cookie(req, resp, pair)
    return user, pair


async def rotate_refresh(
    sessions: Sessions,
    req: falcon.asgi.Request,
    resp: falcon.asgi.Response,
    *names: str,
) -> TokenPair:
    """Rotate the refresh token named by the first present field; set the cookie."""
    body = await body_of(req)
    pair = await sessions.rotate(_refresh_field(body, *names))
    set_session_cookie(req, resp, pair)
    return pair


def _refresh_field(body: Body, *names: str) -> str:
    for name in names:
        value = body.string(name, max_len=4096)
        if value:
            return value
    raise ValidationError(names[0], "is required")


class _SessionResource:
    """A public endpoint of the session flow."""

    auth = "public"

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions


class Register(_SessionResource):
    """``POST /api/auth/register``."""

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        body = await body_of(req)
        email, password = body.email(), body.password()
        user = await self.sessions.register(email, password, body.string("name"))
        pair = await self.sessions.open(user)
        set_session_cookie(req, resp, pair)
        resp.status = falcon.HTTP_201
        resp.media = {"user": user_brief(user), "tokens": tokens_body(pair)}


class Login(_SessionResource):
    """``POST /api/auth/login``."""

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        user, pair = await password_login(self.sessions, req, resp)
        resp.media = {"user": user_brief(user), "tokens": tokens_body(pair)}


def _password(body: Body) -> str:
    value = body.string("password", required=True, max_len=1024, blank=True)
    assert value is not None  # noqa: S101 - required
    return value


class Refresh(_SessionResource):
    """``POST /api/auth/refresh`` (``refresh_token`` or ``refreshToken``)."""

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        pair = await rotate_refresh(
            self.sessions, req, resp, "refresh_token", "refreshToken"
        )
        resp.media = {"tokens": tokens_body(pair)}


class Me:
    """``GET /api/auth/me``."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        user = self.s.state.get("user", who.user_id or "")
        if user is None:
            raise falcon.HTTPNotFound(description="no user behind this credential")
        resp.media = {
            "user": {
                "user_id": user.entity_id,
                "account_id": user.org_id,
                "email": user.state["email"],
                "name": user.state.get("name", ""),
                "role": user.state["role"],
            }
        }


class PlatformLogin(_SessionResource):
    """``POST /api/v1/auth/login/`` → ``{"access", "refresh"}``."""

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        _, pair = await password_login(self.sessions, req, resp)
        resp.media = {"access": pair.access, "refresh": pair.refresh}


class PlatformRefresh(_SessionResource):
    """``POST /api/v1/auth/token/refresh/`` (``refresh``): a new access/refresh."""

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        pair = await rotate_refresh(
            self.sessions, req, resp, "refresh", "refresh_token", "refreshToken"
        )
        resp.media = {"access": pair.access, "refresh": pair.refresh}
