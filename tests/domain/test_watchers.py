"""Watcher decisions: defaults, templates, updates, cascading deletes, tools and
channels (pure, no broker)."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from domain.context import Context
from domain.entity import EntityChanged
from domain.entity_state import EntityState, evolve
from domain.errors import Conflict, Invalid, NotFound
from domain.states import Channel, Subscriptions, Watcher
from domain.watcher_tools import (
    DeleteChild,
    SaveChannel,
    SaveTool,
    ToolSettings,
    check_tool_name,
    decide_channel,
    decide_delete_child,
    decide_tool,
)
from domain.watchers import (
    CreateWatcher,
    DeleteWatcher,
    UpdateWatcher,
    WatcherSettings,
    decide,
    hears,
    slug_of,
    watcher_view,
)

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
CTX = Context("org-1", AT, "user-1")


def apply(state: EntityState, events: list[EntityChanged]) -> EntityState:
    for event in events:
        assert evolve(state, event).applied
    return state


def make(state: EntityState, **given: object) -> EntityState:
    settings = WatcherSettings(**{"name": "Work Email", "system_prompt": "p", **given})
    command = CreateWatcher(CTX, "w_1", settings, "tok_abc", "whsec_x")
    return apply(state, decide(command, state))


def test_a_new_watcher_gets_the_documented_defaults() -> None:
    state = make(EntityState())
    watcher = state.require(Watcher, "w_1", "org-1")
    view = watcher_view(watcher, "vigil.run")
    assert view["tools"] == ["send_alert"]
    assert view["silence_hours"] == 48
    assert view["tick_interval"] == 60
    assert view["model"] == "gpt-4.1-mini"
    assert view["status"] == "active"
    assert view["ingestion_address"] == "work-email-tok_abc@vigil.run"


def test_a_template_fills_the_prompt_and_an_unknown_one_is_refused() -> None:
    settings = WatcherSettings(name="Bills", template_id="bills")
    command = CreateWatcher(CTX, "w_2", settings, "tok_b", "s")
    (event,) = decide(command, EntityState())
    assert "invoices" in event.state.system_prompt  # type: ignore[union-attr]
    bad = CreateWatcher(
        CTX, "w_3", WatcherSettings(name="x", template_id="nope"), "t", "s"
    )
    with pytest.raises(Invalid, match="template_id"):
        decide(bad, EntityState())


def test_an_update_needs_a_field_and_changes_only_what_was_given() -> None:
    state = make(EntityState())
    with pytest.raises(Invalid):
        decide(UpdateWatcher(CTX, "w_1", WatcherSettings()), state)
    events = decide(UpdateWatcher(CTX, "w_1", WatcherSettings(status="paused")), state)
    watcher = apply(state, events).require(Watcher, "w_1", "org-1").state
    assert watcher.status == "paused" and watcher.name == "Work Email"


def test_another_orgs_watcher_is_not_found() -> None:
    state = make(EntityState())
    other = Context("org-2", AT, "user-2")
    with pytest.raises(NotFound):
        decide(UpdateWatcher(other, "w_1", WatcherSettings(name="x")), state)


def test_deleting_a_watcher_deletes_its_tools_and_channels() -> None:
    state = make(EntityState())
    tool = SaveTool(
        CTX, "w_1", "ct_1", ToolSettings("notify", "d", "https://x.example/"), True
    )
    state = apply(state, decide_tool(tool, state))
    channel = SaveChannel(CTX, "w_1", "ch_1", "email", "me@example.com", create=True)
    state = apply(state, decide_channel(channel, state))
    events = decide(DeleteWatcher(CTX, "w_1"), state)
    assert [e.entity_id for e in events] == ["ct_1", "ch_1", "w_1"]
    assert all(e.change == "deleted" for e in events)


def test_tool_names_are_unique_per_watcher_and_not_builtin() -> None:
    state = make(EntityState())
    tool = SaveTool(
        CTX, "w_1", "ct_1", ToolSettings("notify", "d", "https://x.example/"), True
    )
    state = apply(state, decide_tool(tool, state))
    again = SaveTool(
        CTX, "w_1", "ct_2", ToolSettings("notify", "d", "https://y.example/"), True
    )
    with pytest.raises(Conflict):
        decide_tool(again, state)
    with pytest.raises(Invalid):
        check_tool_name("send_alert")
    with pytest.raises(Invalid):
        check_tool_name("bad name")


def test_channels_take_email_or_webhook_only() -> None:
    state = make(EntityState())
    sms = SaveChannel(CTX, "w_1", "ch_1", "sms", "+15550100", create=True)
    with pytest.raises(Invalid, match="type"):
        decide_channel(sms, state)
    with pytest.raises(NotFound):
        decide_channel(SaveChannel(CTX, "w_1", "ch_9", destination="x"), state)
    with pytest.raises(NotFound):
        decide_delete_child(DeleteChild(CTX, "w_1", Channel, "ch_9"), state)


def test_subscriptions_decide_which_alerts_a_watcher_hears() -> None:
    sub = Subscriptions(device_ids=("d1",), site_ids=("s1",), severities=("critical",))
    w = Watcher(
        created_at="x",
        name="n",
        system_prompt="p",
        slug="n",
        ingest_token="t",
        signing_secret="s",
        subscriptions=sub,
    )
    assert hears(w, None, "d1", "r", "critical")
    assert hears(w, "s1", "d9", "r", "critical")
    assert not hears(w, None, "d1", "r", "warning")
    assert not hears(w, None, "d2", "r", "critical")
    assert not hears(
        msgspec.structs.replace(w, status="paused"), None, "d1", "r", "critical"
    )


def test_slugs_are_readable_address_parts() -> None:
    assert slug_of("Work Email!") == "work-email"
    assert slug_of("***") == "watcher"


def test_a_thread_closes_unless_already_resolved_or_ignored() -> None:
    from domain.watchers import check_closable

    check_closable("active")
    check_closable("watching")
    for done in ("resolved", "ignored"):
        with pytest.raises(Invalid, match=done):
            check_closable(done)
