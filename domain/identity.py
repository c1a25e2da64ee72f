"""Decide identity commands: the shell hashes, mints JWTs and injects ids and time.

Key and token commands come from a caller in an org and carry its ``Context``.
Registering (which creates the org), sessions and usage counts come from no such
caller: they carry their time as ``at``; registering and opening or rotating a
session record their ``user_id`` as the actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from msgspec.structs import replace

from domain.context import Context
from domain.entity import Entity, EntityChanged, S, created, deleted, updated
from domain.entity_state import EntityState
from domain.errors import Conflict, Unauthorized
from domain.isotime import iso
from domain.keys import api_key_hash_key, email_key, gateway_token_hash_key
from domain.states import Account, ApiKey, GatewayToken, TokenFamily, User

PERMISSIONS = ("read", "write")


class EmailTaken(Conflict):
    """Another user already holds this email address."""

    def __init__(self) -> None:
        super().__init__("email already registered")


class RefreshReused(Unauthorized):
    """A rotated refresh token came back: the shell revokes its family (a thief or
    the owner holds a copy) and refuses the caller."""

    def __init__(self) -> None:
        super().__init__("refresh token already used; its session is revoked")


@dataclass(frozen=True)
class RegisterAccount:
    """Open an account with its first user as owner."""

    org_id: str
    user_id: str
    email: str
    name: str | None
    password_hash: str
    at: datetime


@dataclass(frozen=True)
class OpenSession:
    """Start a refresh-token family for a user who just proved who they are."""

    family_id: str
    user_id: str
    refresh_id: str
    at: datetime


@dataclass(frozen=True)
class RotateRefresh:
    """Swap the family's current refresh token (``token_id``) for the next one."""

    family_id: str
    token_id: str
    user_id: str
    next_token_id: str
    at: datetime


@dataclass(frozen=True)
class RevokeFamily:
    """End a login session: none of its refresh tokens works any more."""

    family_id: str
    at: datetime


@dataclass(frozen=True)
class CreateApiKey:
    """Create a ``vk_`` key; the shell made the secret and keeps only its hash."""

    ctx: Context
    key_id: str
    user_id: str | None
    name: str
    permissions: tuple[str, ...] | None
    key_hash: str
    key_prefix: str


@dataclass(frozen=True)
class DeleteApiKey:
    """Revoke an API key of the caller's org."""

    ctx: Context
    key_id: str


@dataclass(frozen=True)
class RecordKeyUsage:
    """Fold uses of a key counted in memory into its stored state."""

    key_id: str
    uses: int
    last_used_at: str | None
    at: datetime


@dataclass(frozen=True)
class CreateGatewayToken:
    """Create a ``gw_`` ingest token, optionally pinned to one hardware id."""

    ctx: Context
    token_id: str
    name: str
    hardware_id: str | None
    token_hash: str
    token_prefix: str


@dataclass(frozen=True)
class DeleteGatewayToken:
    """Revoke a gateway token of the caller's org."""

    ctx: Context
    token_id: str


Command = (
    RegisterAccount
    | OpenSession
    | RotateRefresh
    | RevokeFamily
    | CreateApiKey
    | DeleteApiKey
    | RecordKeyUsage
    | CreateGatewayToken
    | DeleteGatewayToken
)


def decide(command: Command, state: EntityState) -> list[EntityChanged]:
    """The events that carry out ``command`` on ``state``, or a domain error."""
    match command:
        case RegisterAccount():
            return _register(command, state)
        case OpenSession():
            return _open_session(command, state)
        case RotateRefresh():
            return _rotate(command, state)
        case RevokeFamily():
            return _revoke(command, state)
        case CreateApiKey():
            return [_create_api_key(command)]
        case DeleteApiKey():
            return _delete(state, ApiKey, command.key_id, command.ctx)
        case RecordKeyUsage():
            return _record_usage(command, state)
        case CreateGatewayToken():
            return [_create_gateway_token(command)]
        case DeleteGatewayToken():
            return _delete(state, GatewayToken, command.token_id, command.ctx)


def require_email_free(state: EntityState, email: str) -> None:
    """Refuse an email another user holds (checked before the slow password hash)."""
    if state.holder(email_key(email)) is not None:
        raise EmailTaken()


def accept_login(user: Entity[User] | None, password_ok: bool) -> Entity[User]:
    """The user whose password matched (one answer for unknown email and wrong
    password: a caller cannot probe which addresses exist)."""
    if user is None or not password_ok:
        raise Unauthorized("invalid email or password")
    return user


def normalise_permissions(requested: Sequence[str] | None) -> tuple[str, ...]:
    """Permissions as stored: none asked means read, and write implies read."""
    if not requested:
        return ("read",)
    if "write" in requested and "read" not in requested:
        return ("read", *requested)
    return tuple(requested)


def _register(c: RegisterAccount, state: EntityState) -> list[EntityChanged]:
    require_email_free(state, c.email)
    now, email = iso(c.at), (email_key(c.email),)
    user = User(
        email=c.email,
        name=c.name or "",
        role="owner",
        created_at=now,
        password_hash=c.password_hash,
    )
    account = Account(name=c.name or c.email, owner_user_id=c.user_id, created_at=now)
    # The user first: it claims the email, so a lost race is refused before the
    # account exists and there is nothing to undo.
    return [
        created(User.entity_type, c.user_id, c.org_id, user, email, c.at, c.user_id),
        created(Account.entity_type, c.org_id, c.org_id, account, (), c.at, c.user_id),
    ]


def _open_session(c: OpenSession, state: EntityState) -> list[EntityChanged]:
    org_id = _live_user(state, c.user_id).org_id
    family = TokenFamily(user_id=c.user_id, current=c.refresh_id, created_at=iso(c.at))
    kind = TokenFamily.entity_type
    return [created(kind, c.family_id, org_id, family, (), c.at, c.user_id)]


def _rotate(c: RotateRefresh, state: EntityState) -> list[EntityChanged]:
    family = state.get(TokenFamily, c.family_id)
    if family is None or family.state.revoked:
        raise Unauthorized("refresh token revoked")
    if family.state.current != c.token_id:
        raise RefreshReused()
    _live_user(state, c.user_id)
    after = replace(family.state, current=c.next_token_id)
    return [updated(family, after, state.keys_of(family), c.at, c.user_id)]


def _revoke(c: RevokeFamily, state: EntityState) -> list[EntityChanged]:
    family = state.get(TokenFamily, c.family_id)
    if family is None or family.state.revoked:
        return []
    after = replace(family.state, revoked=True)
    return [updated(family, after, state.keys_of(family), c.at)]


def _create_api_key(c: CreateApiKey) -> EntityChanged:
    ctx = c.ctx
    key = ApiKey(
        name=c.name,
        key_prefix=c.key_prefix,
        permissions=normalise_permissions(c.permissions),
        user_id=c.user_id,
        created_at=iso(ctx.at),
    )
    keys, kind = (api_key_hash_key(c.key_hash),), ApiKey.entity_type
    return created(kind, c.key_id, ctx.org_id, key, keys, ctx.at, ctx.actor)


def _record_usage(c: RecordKeyUsage, state: EntityState) -> list[EntityChanged]:
    key = state.get(ApiKey, c.key_id)
    if key is None:  # revoked meanwhile: its uses no longer matter
        return []
    after = replace(
        key.state,
        usage_count=key.state.usage_count + c.uses,
        last_used_at=c.last_used_at or key.state.last_used_at,
    )
    # keys_of: the update must keep the key's hash, or the key stops authenticating.
    return [updated(key, after, state.keys_of(key), c.at)]


def _create_gateway_token(c: CreateGatewayToken) -> EntityChanged:
    ctx = c.ctx
    token = GatewayToken(
        name=c.name,
        hardware_id=c.hardware_id,
        token_prefix=c.token_prefix,
        created_at=iso(ctx.at),
    )
    keys, kind = (gateway_token_hash_key(c.token_hash),), GatewayToken.entity_type
    return created(kind, c.token_id, ctx.org_id, token, keys, ctx.at, ctx.actor)


def _live_user(state: EntityState, user_id: str) -> Entity[User]:
    user = state.get(User, user_id)
    if user is None:
        raise Unauthorized("user no longer exists")
    return user


def _delete(
    state: EntityState, kind: type[S], entity_id: str, ctx: Context
) -> list[EntityChanged]:
    entity = state.require(kind, entity_id, ctx.org_id)  # 404: missing or foreign
    return [deleted(entity, ctx.at, ctx.actor)]


def abandon_registration(
    command: RegisterAccount, state: EntityState
) -> list[EntityChanged]:
    """Undo a registration whose user was written but whose account was not (the
    broker failed in between): delete the user, so the email is free again."""
    user = state.get(User, command.user_id)
    if user is None or state.get(Account, command.org_id) is not None:
        return []
    return [deleted(user, command.at, command.user_id)]
