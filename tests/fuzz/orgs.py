"""Two orgs for the fuzz tests, built through the API: every kind of credential
and one entity of each kind a path parameter names (an alert and a mail thread
put on their topics as the stream worker would)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from confluent_kafka import Producer

from infra.settings import Settings
from schemas.alerts import encode_transition
from schemas.topics import ALERTS_TOPIC, THREADS_TOPIC
from schemas.watcher_facts import ThreadChanged, encode_fact, key_of
from tests.api.test_canvas_api import fired

INGEST_PATH = "/api/v1/ingest/"
# API keys are managed by a signed-in user only (an API key gets 403 there).
KEYS_PATH = "/api/keys"
# Tool webhooks go to a closed local port: the SSRF guard lets 127.0.0.1 through
# (allow-listed by the fixture) and a test call fails at once instead of leaving
# the machine.
HOOK = "http://127.0.0.1:9/hook"


@dataclass
class Org:
    """A registered account: its credentials and one id of each kind."""

    org_id: str
    user_id: str
    email: str
    password: str
    access: str  # platform-API access JWT (/api/v1/auth/login/)
    refresh: str
    write_key: str  # vk_ key with read and write
    read_key: str  # vk_ key with the default permission: read
    gateway: str  # gw_ token scoped to the org's device
    hardware_id: str
    ids: dict[str, str] = field(default_factory=dict)
    spare: dict[str, str] = field(default_factory=dict)  # ids that may be deleted


def bearer(token: str) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def credential(path: str, org: Org) -> dict[str, str]:
    """The org's credential for the surface ``path`` is on: its gateway token for
    ingest, the user's JWT on the platform API (``/api/v1/``) and on API keys
    (which an API key may not manage), a read-write API key on the rest of the
    watchers API (``/api/``)."""
    if path == INGEST_PATH:
        return bearer(org.gateway)
    user = path.startswith(("/api/v1/", KEYS_PATH))
    return bearer(org.access if user else org.write_key)


class Setup:
    """Create an org's entities through the API, failing loudly on any refusal."""

    def __init__(self, client: requests.Session, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def call(
        self, method: str, path: str, token: str | None, expect: int, **kw: Any
    ) -> Any:
        headers = {**kw.pop("headers", {}), **(bearer(token) if token else {})}
        r = self.client.request(method, path, headers=headers, **kw)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        ctype = r.headers.get("content-type", "")
        return r.json() if ctype.startswith("application/json") else r.text

    def org(self, name: str) -> Org:
        email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
        creds = {"email": email, "password": "correct-horse"}
        self.call("POST", "/api/auth/register", None, 201, json={**creds, "name": name})
        login = self.call("POST", "/api/v1/auth/login/", None, 200, json=creds)
        access = login["access"]
        write = self.call(
            "POST",
            "/api/keys",
            access,
            201,
            json={"name": "fuzz-write", "permissions": ["read", "write"]},
        )["key"]
        read = self.call("POST", "/api/keys", access, 201, json={"name": "fuzz-read"})
        hardware_id = f"FZ-{uuid.uuid4().hex[:6]}"
        gateway = self.call(
            "POST",
            "/api/v1/ingest/tokens/",
            access,
            201,
            json={"name": "gw", "hardware_id": hardware_id},
        )
        me = self.call("GET", "/api/auth/me", access, 200)["user"]
        org = Org(
            me["account_id"],
            me["user_id"],
            email,
            creds["password"],
            access,
            login["refresh"],
            write["full_key"],
            read["key"]["full_key"],
            gateway["raw_token"],
            hardware_id,
        )
        org.ids.update(key_id=write["id"], token_id=gateway["id"])
        org.ids.update(self.entities(org, hardware_id))
        org.ids["event_id"] = self.alert(org)
        org.ids["investigation_id"] = self.investigation(org)
        return org

    def spares(self, org: Org) -> None:
        """A second set of the org's entities, for the fuzzer's deletes."""
        org.spare = self.entities(org, f"FZ-{uuid.uuid4().hex[:6]}")
        org.spare["key_id"] = self.call(
            "POST", "/api/keys", org.access, 201, json={"name": "spare"}
        )["key"]["id"]
        org.spare["token_id"] = self.call(
            "POST", "/api/v1/ingest/tokens/", org.access, 201, json={"name": "spare"}
        )["id"]

    def entities(self, org: Org, hardware_id: str) -> dict[str, str]:
        ids = {"hardware_id": hardware_id}
        self.registry(org, ids)
        self.watcher(org, ids)
        return ids

    def registry(self, org: Org, ids: dict[str, str]) -> None:
        """A site, a device on it with a binding, a rule, a field, a shared
        dashboard."""
        t = org.access
        ids["site_id"] = self.call(
            "POST", "/api/v1/sites/", t, 201, json={"name": "Plant"}
        )["id"]
        ids["device_id"] = self.call(
            "POST",
            "/api/v1/devices/",
            t,
            201,
            json={
                "hardware_id": ids["hardware_id"],
                "display_name": "Pump 3",
                "site_id": ids["site_id"],
            },
        )["id"]
        ids["binding_id"] = self.call(
            "POST",
            f"/api/v1/devices/{ids['device_id']}/bindings/",
            t,
            201,
            json={"channel": 0, "quantity_slug": "temperature.celsius"},
        )["id"]
        ids["rule_id"] = self.call(
            "POST",
            "/api/v1/alerts/rules/",
            t,
            201,
            json={
                "name": "Hot",
                "condition": "above",
                "threshold": 30,
                "binding_id": ids["binding_id"],
            },
        )["id"]
        ids["field_id"] = self.call(
            "POST",
            "/api/v1/prism/fields/",
            t,
            201,
            json={
                "name": "Kelvin",
                "expression": 'to(t, "K")',
                "inputs": {"t": ids["binding_id"]},
            },
        )["id"]
        layout = {"x": 0, "y": 0, "w": 6, "h": 4}
        panels = [
            {
                "type": "timeseries",
                "title": "T",
                "binding_ids": [ids["binding_id"]],
                "layout": layout,
            },
            {"type": "alerts", "title": "Alerts", "layout": layout},
        ]
        ids["dashboard_id"] = self.call(
            "POST", "/api/v1/canvas/", t, 201, json={"name": "D", "panels": panels}
        )["id"]
        ids["token"] = self.call(
            "POST", f"/api/v1/canvas/{ids['dashboard_id']}/share/", t, 201
        )["token"]

    def watcher(self, org: Org, ids: dict[str, str]) -> None:
        """A watcher with a tool, a channel, a memory and a thread (from a mail)."""
        t = org.access
        w = self.call(
            "POST",
            "/api/watchers",
            t,
            201,
            json={"name": "Work Email", "system_prompt": "Alert me about invoices"},
        )["watcher"]
        base = f"/api/watchers/{w['id']}"
        ids.update(watcher_id=w["id"], ingest_token=w["ingest_token"])
        ids["tool_id"] = self.call(
            "POST",
            f"{base}/tools",
            t,
            201,
            json={"name": "notify", "description": "Notify", "webhook_url": HOOK},
        )["tool"]["id"]
        ids["channel_id"] = self.call(
            "POST",
            f"{base}/channels",
            t,
            201,
            json={"type": "email", "destination": "ops@example.com"},
        )["channel"]["id"]
        ids["memory_id"] = self.call(
            "POST", f"{base}/memory", t, 201, json={"content": "Rent is $1,450"}
        )["memory"]["id"]
        ids["thread_id"] = self.thread(org, ids["watcher_id"])

    def thread(self, org: Org, watcher_id: str) -> str:
        """A thread holding one mail, as the stream worker files it."""
        now = datetime.now(UTC)
        fact = ThreadChanged(
            change_id=uuid.uuid4().hex,
            thread_id=f"t_{uuid.uuid4().hex[:20]}",
            watcher_id=watcher_id,
            org_id=org.org_id,
            kind="message",
            at=now,
            subject="Invoice #4521",
            mail_id=f"m_{uuid.uuid4().hex[:20]}",
            sender="billing@acme.example",
        )
        self.publish(THREADS_TOPIC, key_of(fact), encode_fact(fact))
        path = f"/api/watchers/{watcher_id}/threads/{fact.thread_id}"
        self.poll(
            lambda: self.client.get(path, headers=bearer(org.access)).ok,
            "the thread in ClickHouse",
        )
        return fact.thread_id

    def publish(self, topic: str, key: bytes, value: bytes) -> None:
        """Put one record on a topic of the app (as another process would)."""
        producer = Producer({"bootstrap.servers": self.settings.kafka_bootstrap})
        producer.produce(self.settings.topic(topic), value, key=key)
        assert producer.flush(10) == 0

    def alert(self, org: Org) -> str:
        """An alert of the org's device, as the stream worker publishes it."""
        event = fired(org.org_id, org.ids["device_id"], org.ids["binding_id"])
        self.publish(ALERTS_TOPIC, event.event_id.encode(), encode_transition(event))
        path = f"/api/v1/alerts/{event.event_id}/"
        self.poll(
            lambda: self.client.get(path, headers=bearer(org.access)).ok,
            "the alert in ClickHouse",
        )
        return event.event_id

    def investigation(self, org: Org) -> str:
        """An investigation Argus starts when asked to."""
        text = self.call(
            "POST",
            "/api/v1/ai/argus/message/",
            org.access,
            200,
            json={"message": "Investigate the vibration on Pump 3"},
        )
        for block in text.split("\n\n"):
            if block.startswith("data: "):
                event = json.loads(block[6:])
                if event.get("tool") == "start_investigation" and "result" in event:
                    return str(event["result"]["investigation_id"])
        raise AssertionError(f"Argus started no investigation: {text}")

    @staticmethod
    def poll(probe: Callable[[], Any], what: str, timeout_s: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{what} did not appear within {timeout_s} s")
