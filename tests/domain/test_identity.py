"""Identity decisions against a folded read model (no broker)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.context import Context
from domain.entity import EntityChanged
from domain.entity_state import EntityState, evolve
from domain.errors import Conflict, NotFound, Unauthorized
from domain.identity import (
    CreateApiKey,
    CreateGatewayToken,
    DeleteApiKey,
    DeleteGatewayToken,
    EmailTaken,
    OpenSession,
    RecordKeyUsage,
    RefreshReused,
    RegisterAccount,
    RevokeFamily,
    RotateRefresh,
    abandon_registration,
    accept_login,
    decide,
    normalise_permissions,
)
from domain.keys import api_key_hash_key, email_key, gateway_token_hash_key
from domain.states import Account, ApiKey, GatewayToken, TokenFamily, User

AT = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 12, 2, 9, 45, tzinfo=UTC)
CTX = Context("o1", AT, "u1")


def fold(state: EntityState, events: list[EntityChanged]) -> EntityState:
    for event in events:
        assert evolve(state, event).applied, event
    return state


def register(
    state: EntityState,
    email: str = "ada@example.com",
    org: str = "o1",
    user: str = "u1",
) -> EntityState:
    command = RegisterAccount(org, user, email, "Ada", "argon2-hash", AT)
    return fold(state, decide(command, state))


def with_session(family: str = "f1", refresh: str = "r1") -> EntityState:
    state = register(EntityState())
    return fold(state, decide(OpenSession(family, "u1", refresh, AT), state))


def with_key(permissions: tuple[str, ...] | None = None) -> EntityState:
    state = register(EntityState())
    command = CreateApiKey(CTX, "k1", "u1", "ci", permissions, "abc", "vk_0123456")
    return fold(state, decide(command, state))


def test_register_creates_owner_user_then_account() -> None:
    state = EntityState()
    events = decide(RegisterAccount("o1", "u1", "a@b.co", "Ada", "h", AT), state)
    assert [e.entity_type.value for e in events] == ["user", "account"]
    assert events[0].unique_keys == (email_key("a@b.co"),)
    fold(state, events)
    user = state.get(User, "u1")
    assert user is not None and user.org_id == "o1"
    assert (user.state.role, user.state.name, user.state.password_hash) == (
        "owner",
        "Ada",
        "h",
    )
    assert user.state.created_at == "2026-12-02T09:30:00Z"
    account = state.get(Account, "o1")
    assert account is not None and account.state.owner_user_id == "u1"
    assert account.state.name == "Ada"


def test_register_without_name_names_account_by_email() -> None:
    state = EntityState()
    fold(state, decide(RegisterAccount("o1", "u1", "a@b.co", None, "h", AT), state))
    account, user = state.get(Account, "o1"), state.get(User, "u1")
    assert account is not None and account.state.name == "a@b.co"
    assert user is not None and user.state.name == ""


def test_register_refuses_taken_email_case_insensitively() -> None:
    state = register(EntityState(), "ada@example.com")
    command = RegisterAccount("o2", "u2", "ADA@example.com", None, "h", AT)
    with pytest.raises(EmailTaken) as caught:
        decide(command, state)
    assert isinstance(caught.value, Conflict)
    assert str(caught.value) == "email already registered"


def test_register_race_loser_is_refused_before_its_account() -> None:
    state = EntityState()
    first = decide(RegisterAccount("o1", "u1", "a@b.co", None, "h", AT), state)
    second = decide(RegisterAccount("o2", "u2", "a@b.co", None, "h", AT), state)
    fold(state, first)
    refused = evolve(state, second[0])
    assert not refused.applied and refused.conflict_key == email_key("a@b.co")
    # The writer stops at the first refusal: no orphan account to compensate.
    assert state.get(Account, "o2") is None and state.get(User, "u2") is None


def test_login_accepts_only_a_known_user_with_matching_password() -> None:
    state = register(EntityState())
    user = state.held_by(User, email_key("ada@example.com"))
    assert accept_login(user, True) is user
    for candidate, ok in ((user, False), (None, True), (None, False)):
        with pytest.raises(Unauthorized, match="^invalid email or password$"):
            accept_login(candidate, ok)


def test_open_session_starts_a_family_in_the_users_org() -> None:
    state = with_session("f1", "r1")
    family = state.get(TokenFamily, "f1")
    assert family is not None and family.org_id == "o1"
    assert (family.state.user_id, family.state.current) == ("u1", "r1")
    assert not family.state.revoked


def test_open_session_for_a_deleted_user_is_refused() -> None:
    with pytest.raises(Unauthorized, match="user no longer exists"):
        decide(OpenSession("f1", "ghost", "r1", AT), EntityState())


def test_rotate_moves_the_family_to_the_next_token() -> None:
    state = with_session("f1", "r1")
    fold(state, decide(RotateRefresh("f1", "r1", "u1", "r2", LATER), state))
    family = state.get(TokenFamily, "f1")
    assert family is not None and family.state.current == "r2" and family.version == 2


def test_rotate_of_a_reused_token_is_refused_as_reuse() -> None:
    state = with_session("f1", "r1")
    fold(state, decide(RotateRefresh("f1", "r1", "u1", "r2", LATER), state))
    with pytest.raises(RefreshReused) as caught:
        decide(RotateRefresh("f1", "r1", "u1", "r3", LATER), state)
    assert isinstance(caught.value, Unauthorized)
    assert str(caught.value) == "refresh token already used; its session is revoked"


def test_rotate_of_a_revoked_or_unknown_family_is_refused() -> None:
    state = with_session("f1", "r1")
    fold(state, decide(RevokeFamily("f1", LATER), state))
    for family in ("f1", "nope"):
        with pytest.raises(Unauthorized, match="^refresh token revoked$"):
            decide(RotateRefresh(family, "r1", "u1", "r2", LATER), state)


def test_rotate_for_a_deleted_user_is_refused() -> None:
    state = with_session("f1", "r1")
    with pytest.raises(Unauthorized, match="user no longer exists"):
        decide(RotateRefresh("f1", "r1", "someone-else", "r2", LATER), state)


def test_revoke_marks_the_family_once() -> None:
    state = with_session("f1", "r1")
    fold(state, decide(RevokeFamily("f1", LATER), state))
    family = state.get(TokenFamily, "f1")
    assert family is not None and family.state.revoked
    assert decide(RevokeFamily("f1", LATER), state) == []
    assert decide(RevokeFamily("nope", LATER), state) == []


@pytest.mark.parametrize(
    ("requested", "stored"),
    [
        (None, ("read",)),
        ((), ("read",)),
        (("read",), ("read",)),
        (("write",), ("read", "write")),
        (("write", "read"), ("write", "read")),
    ],
)
def test_key_permissions_default_to_read_and_write_implies_read(
    requested: tuple[str, ...] | None, stored: tuple[str, ...]
) -> None:
    assert normalise_permissions(requested) == stored
    key = with_key(requested).get(ApiKey, "k1")
    assert key is not None and key.state.permissions == stored


def test_create_api_key_holds_its_hash_and_never_the_key() -> None:
    state = with_key()
    key = state.held_by(ApiKey, api_key_hash_key("abc"))
    assert key is not None and key.entity_id == "k1" and key.org_id == "o1"
    assert key.state.key_prefix == "vk_0123456" and key.state.user_id == "u1"
    assert (key.state.usage_count, key.state.last_used_at) == (0, None)


def test_delete_api_key_releases_its_hash() -> None:
    state = with_key()
    events = decide(DeleteApiKey(Context("o1", LATER, "k9"), "k1"), state)
    assert (events[0].occurred_at, events[0].actor) == (LATER, "k9")
    fold(state, events)
    assert state.get(ApiKey, "k1") is None
    assert state.holder(api_key_hash_key("abc")) is None


def test_delete_api_key_of_another_org_is_not_found() -> None:
    state = with_key()
    for org, key_id in (("o2", "k1"), ("o1", "missing")):
        with pytest.raises(NotFound, match=f"^api key {key_id} not found$"):
            decide(DeleteApiKey(Context(org, LATER), key_id), state)


def test_key_usage_adds_to_the_stored_count_and_keeps_the_hash() -> None:
    state = with_key()
    fold(state, decide(RecordKeyUsage("k1", 3, "2026-12-02T09:40:00Z", LATER), state))
    fold(state, decide(RecordKeyUsage("k1", 2, None, LATER), state))
    key = state.held_by(ApiKey, api_key_hash_key("abc"))
    assert key is not None and key.state.usage_count == 5
    assert key.state.last_used_at == "2026-12-02T09:40:00Z"


def test_key_usage_of_a_deleted_key_writes_nothing() -> None:
    assert decide(RecordKeyUsage("gone", 4, None, LATER), EntityState()) == []


def test_gateway_token_created_pinned_and_deleted() -> None:
    state = register(EntityState())
    command = CreateGatewayToken(CTX, "t1", "Dev", "SIM-001", "h", "gw_abcdefg")
    fold(state, decide(command, state))
    token = state.held_by(GatewayToken, gateway_token_hash_key("h"))
    assert token is not None and token.state.hardware_id == "SIM-001"
    assert token.state.created_at == "2026-12-02T09:30:00Z"
    with pytest.raises(NotFound, match="^gateway token t1 not found$"):
        decide(DeleteGatewayToken(Context("o2", LATER), "t1"), state)
    fold(state, decide(DeleteGatewayToken(Context("o1", LATER), "t1"), state))
    assert state.holder(gateway_token_hash_key("h")) is None


def test_a_half_written_registration_is_undone_and_frees_the_email() -> None:
    state = EntityState()
    command = RegisterAccount("o1", "u1", "a@b.co", None, "h", AT)
    user_only, _account = decide(command, state)
    fold(state, [user_only])  # the broker failed before the account was written
    fold(state, abandon_registration(command, state))
    assert state.get(User, "u1") is None and state.holder(email_key("a@b.co")) is None
    complete = EntityState()
    fold(complete, decide(command, complete))
    assert abandon_registration(command, complete) == []  # nothing half-written
