"""Watchers: the commands that define them and the decisions (pure).

A watcher is a configuration entity on the entity log; deleting it deletes its
custom tools and channels with it (its mails, threads, actions and memories stay
on their topics but disappear from every read, which checks the watcher first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from domain.context import Context
from domain.entity import Entity, EntityChanged, EntityType, created, deleted, updated
from domain.entity_state import EntityState
from domain.errors import Invalid
from domain.isotime import iso
from domain.keys import ingest_token_key
from domain.states import Channel, CustomTool, Subscriptions, Watcher

STATUSES = ("active", "paused")
BUILTIN_TOOLS = ("send_alert", "save_memory", "update_thread")
SEVERITIES = ("critical", "warning", "info")

# Built-in templates: what ``template_id`` fills in when the body leaves it out.
TEMPLATES: dict[str, dict[str, Any]] = {
    "bills": {
        "system_prompt": "Track bills and invoices. Alert me about anything urgent, "
        "overdue or over $500, and remember amounts and due dates.",
        "tools": ("send_alert", "save_memory", "update_thread"),
    },
    "vendor": {
        "system_prompt": "Watch vendor and supplier mail. Alert me when a delivery "
        "is delayed or a price changes.",
        "tools": ("send_alert", "update_thread"),
    },
    "operations": {
        "system_prompt": "Watch the site's platform alerts and maintenance mail. "
        "Alert me about critical alerts and anything urgent.",
        "tools": ("send_alert", "save_memory"),
    },
}


@dataclass(frozen=True)
class WatcherSettings:
    """The settable fields of a watcher (None: not given)."""

    name: str | None = None
    system_prompt: str | None = None
    tools: tuple[str, ...] | None = None
    silence_hours: float | None = None
    tick_interval: float | None = None
    model: str | None = None
    template_id: str | None = None
    status: str | None = None
    reactivity: float | None = None
    memory_sensitivity: float | None = None
    subscriptions: Subscriptions | None = None

    def given(self) -> dict[str, Any]:
        """Only the fields that were given."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class CreateWatcher:
    """Create a watcher with its inbox token and webhook signing secret."""

    ctx: Context
    watcher_id: str
    settings: WatcherSettings
    ingest_token: str
    signing_secret: str
    default_model: str = "gpt-4.1-mini"


@dataclass(frozen=True)
class UpdateWatcher:
    """Change some of a watcher's settings (at least one)."""

    ctx: Context
    watcher_id: str
    settings: WatcherSettings = field(default_factory=WatcherSettings)


@dataclass(frozen=True)
class DeleteWatcher:
    """Delete a watcher with its custom tools and channels."""

    ctx: Context
    watcher_id: str


Command = CreateWatcher | UpdateWatcher | DeleteWatcher


def decide(command: Command, state: EntityState) -> list[EntityChanged]:
    """The events a watcher command makes."""
    match command:
        case CreateWatcher():
            return decide_create(command)
        case UpdateWatcher():
            return decide_update(command, state)
        case DeleteWatcher():
            return decide_delete(command, state)


def slug_of(name: str) -> str:
    """The ingestion address's readable part: the name in lower-case words."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    return "-".join(words)[:32].strip("-") or "watcher"


def decide_create(command: CreateWatcher) -> list[EntityChanged]:
    """The watcher's creation, the template's values under the given ones."""
    ctx, given = command.ctx, command.settings.given()
    template = _template(command.settings.template_id)
    values = {**template, **given}
    if not values.get("system_prompt"):
        raise Invalid("system_prompt", "is required")
    values.setdefault("model", command.default_model)
    watcher = Watcher(
        created_at=iso(ctx.at),
        slug=slug_of(values["name"]),
        ingest_token=command.ingest_token,
        signing_secret=command.signing_secret,
        **values,
    )
    keys = (ingest_token_key(command.ingest_token),)
    return [
        created(
            EntityType.WATCHER,
            command.watcher_id,
            ctx.org_id,
            watcher,
            keys,
            ctx.at,
            ctx.actor,
        )
    ]


def _template(template_id: str | None) -> dict[str, Any]:
    if template_id is None:
        return {}
    if template_id not in TEMPLATES:
        raise Invalid("template_id", f"unknown template; use {', '.join(TEMPLATES)}")
    return dict(TEMPLATES[template_id])


def decide_update(command: UpdateWatcher, state: EntityState) -> list[EntityChanged]:
    """The watcher with the given settings changed."""
    ctx, given = command.ctx, command.settings.given()
    if not given:
        raise Invalid("body", "give at least one field to change")
    entity = state.require(Watcher, command.watcher_id, ctx.org_id)
    changes = {**given, "updated_at": iso(ctx.at)}
    if "template_id" in given:
        _template(given["template_id"])
    if "name" in given:
        changes["slug"] = slug_of(given["name"])
    after = _replace(entity.state, changes)
    return [updated(entity, after, state.keys_of(entity), ctx.at, ctx.actor)]


def decide_delete(command: DeleteWatcher, state: EntityState) -> list[EntityChanged]:
    """The watcher's deletion, after its tools' and channels'."""
    ctx = command.ctx
    entity = state.require(Watcher, command.watcher_id, ctx.org_id)
    children: list[Entity[Any]] = [
        *state.where(CustomTool, "watcher_id", entity.entity_id).values(),
        *state.where(Channel, "watcher_id", entity.entity_id).values(),
    ]
    return [
        *(deleted(child, ctx.at, ctx.actor) for child in children),
        deleted(entity, ctx.at, ctx.actor),
    ]


def _replace(watcher: Watcher, changes: dict[str, Any]) -> Watcher:
    return msgspec.structs.replace(watcher, **changes)


def hears(
    watcher: Watcher,
    site_id: str | None,
    device_id: str | None,
    rule_id: str,
    severity: str,
) -> bool:
    """Whether a platform alert on this site/device/rule reaches the watcher."""
    sub = watcher.subscriptions
    if watcher.status != "active" or severity not in sub.severities:
        return False
    return (
        (site_id is not None and site_id in sub.site_ids)
        or (device_id is not None and device_id in sub.device_ids)
        or rule_id in sub.rule_ids
    )


def watcher_view(entity: Entity[Watcher], mail_domain: str) -> dict[str, Any]:
    """A watcher as the API shows it."""
    s = entity.state
    return {
        "id": entity.entity_id,
        "name": s.name,
        "system_prompt": s.system_prompt,
        "tools": list(s.tools),
        "silence_hours": s.silence_hours,
        "tick_interval": s.tick_interval,
        "model": s.model,
        "template_id": s.template_id,
        "status": s.status,
        "reactivity": s.reactivity,
        "memory_sensitivity": s.memory_sensitivity,
        "ingest_token": s.ingest_token,
        "ingestion_address": f"{s.slug}-{s.ingest_token}@{mail_domain}",
        "signing_secret": s.signing_secret,
        "subscriptions": {
            "site_ids": list(s.subscriptions.site_ids),
            "device_ids": list(s.subscriptions.device_ids),
            "rule_ids": list(s.subscriptions.rule_ids),
            "severities": list(s.subscriptions.severities),
        },
        "created_at": s.created_at,
        "updated_at": s.updated_at or s.created_at,
    }


THREAD_STATUSES = ("active", "watching", "resolved", "ignored")


def check_closable(status: str) -> None:
    """A thread can be closed unless it is already resolved or ignored."""
    if status in ("resolved", "ignored"):
        raise Invalid("status", f"the thread is already {status}")
