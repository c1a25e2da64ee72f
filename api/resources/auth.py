"""Register, log in, refresh, me: the watchers-API and platform-API shapes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import falcon
import falcon.asgi

from api.auth import SESSION_COOKIE, principal_of
from api.credentials import (
    InvalidToken,
    TokenPair,
    Tokens,
    hash_password,
    verify_password,
)
from api.entities import EntityAccess
from api.request import body_of
from api.validation import Body, ValidationError
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.errors import NotFound, Unauthorized
from domain.identity import (
    EmailTaken,
    OpenSession,
    RefreshReused,
    RegisterAccount,
    RevokeFamily,
    RotateRefresh,
    abandon_registration,
    accept_login,
    decide,
    require_email_free,
)
from domain.keys import email_key
from domain.states import TokenFamily, User
from projections.entitylog import EntityConflict

REVOKE_ATTEMPTS = 5  # a revoke that keeps racing other writes of its family gives up

log = logging.getLogger(__name__)


class Sessions:
    """Password checks and token families shared by both surfaces."""

    def __init__(self, entities: EntityAccess, tokens: Tokens) -> None:
        self.entities = entities
        self.tokens = tokens

    async def register(
        self, email: str, password: str, name: str | None
    ) -> Entity[User]:
        """Create an account with this user as its owner; 409 if the email is taken."""
        state = self.entities.state
        require_email_free(state, email)  # before spending a slow hash on it
        password_hash = await asyncio.to_thread(hash_password, password)
        org_id, user_id = self.entities.new_id(), self.entities.new_id()
        at = self.entities.now()
        command = RegisterAccount(org_id, user_id, email, name, password_hash, at)
        try:
            await self.entities.write(decide(command, state))
        except EntityConflict as ex:  # lost the race for the email: nothing written
            raise EmailTaken() from ex
        except Exception:
            await self._abandon(command)
            raise
        return _user(state, user_id)  # the write returned once the fold had it

    async def _abandon(self, command: RegisterAccount) -> None:
        """Best effort: a user left without its account would hold the email."""
        try:
            await self.entities.write(
                abandon_registration(command, self.entities.state)
            )
        except Exception:  # the broker is failing; the original error is raised
            log.warning("could not undo a half-written registration", exc_info=True)

    async def authenticate(self, email: str, password: str) -> Entity[User]:
        """The user with these credentials, or 401 (same answer for either wrong)."""
        user = self.entities.state.held_by(User, email_key(email))
        stored = user.state.password_hash if user else None
        ok = await asyncio.to_thread(verify_password, stored, password)
        return accept_login(user, ok)

    async def open(self, user: Entity[User]) -> TokenPair:
        """Start a refresh-token family for a fresh login."""
        now = self.entities.now()
        family_id, refresh_id = self.entities.new_id(), self.entities.new_id()
        command = OpenSession(family_id, user.entity_id, refresh_id, now)
        await self.entities.write(decide(command, self.entities.state))
        return self.tokens.pair(user.entity_id, user.org_id, family_id, now, refresh_id)

    async def rotate(self, refresh_token: str) -> TokenPair:
        """Swap a refresh token for a new pair; a reused one revokes its family."""
        claims = self._refresh_claims(refresh_token)
        fam, jti = str(claims.get("fam", "")), str(claims.get("jti", ""))
        next_id, now = self.entities.new_id(), self.entities.now()
        command = RotateRefresh(fam, jti, claims["sub"], next_id, now)
        family = await self._rotate(command)
        return self.tokens.pair(command.user_id, family.org_id, fam, now, next_id)

    async def _rotate(self, command: RotateRefresh) -> Entity[TokenFamily]:
        """Write the rotation; a reused token, or a lost race with its twin, revokes
        the whole family."""
        try:
            (event,) = decide(command, self.entities.state)
            return await self.entities.write_one(event, TokenFamily)
        except RefreshReused:
            await self._revoke(command.family_id)
            raise
        except EntityConflict as ex:  # raced with another use of the same token
            await self._revoke(command.family_id)
            raise RefreshReused() from ex

    def _refresh_claims(self, refresh_token: str) -> dict[str, Any]:
        try:
            return self.tokens.check(refresh_token, "refresh")
        except InvalidToken as ex:
            raise Unauthorized(str(ex)) from ex

    async def _revoke(self, family_id: str) -> None:
        """Revoke a family, deciding again whenever another write moved it on."""
        for _ in range(REVOKE_ATTEMPTS):
            command = RevokeFamily(family_id, self.entities.now())
            try:
                await self.entities.write(decide(command, self.entities.state))
                return
            except EntityConflict:
                continue


def _user(state: EntityState, user_id: str) -> Entity[User]:
    user = state.get(User, user_id)
    if user is None:
        raise NotFound("no user behind this credential")
    return user


def user_brief(user: Entity[User]) -> dict[str, Any]:
    """The ``user`` object of register and login."""
    return {
        "user_id": user.entity_id,
        "email": user.state.email,
        "name": user.state.name,
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
) -> tuple[Entity[User], TokenPair]:
    """Check email and password, open a session and set its cookie."""
    body = await body_of(req)
    user = await sessions.authenticate(body.email(loose=True), _password(body))
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


def _password(body: Body) -> str:
    value = body.string(
        "password", required=True, max_len=1024, blank=True, multiline=True
    )
    assert value is not None  # noqa: S101 - required
    return value


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

    def __init__(self, state: EntityState) -> None:
        self.state = state

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        user = _user(self.state, principal_of(req).user_id or "")
        resp.media = {
            "user": {
                "user_id": user.entity_id,
                "account_id": user.org_id,
                "email": user.state.email,
                "name": user.state.name,
                "role": user.state.role,
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
