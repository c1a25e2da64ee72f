"""Watchers end to end on ``vigil api`` + ``vigil worker``: mail over real SMTP
becomes a thread and an action, replies join their thread, unknown addresses are
refused, alerts reach a real webhook with a valid signature, silence and ticks
fire on schedule, and a platform alert reaches a subscribed watcher once."""

from __future__ import annotations

import json
import smtplib
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agents.outbound import verify
from tests.integration.stack import Org, Stack, at, poll


class Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def hook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture(scope="module")
def org(stack: Stack) -> Org:
    return Org.register(stack.base)


def make_watcher(org: Org, **body: Any) -> dict[str, Any]:
    r = org.call(
        "POST",
        "/api/watchers",
        json={"name": "Work Email", "system_prompt": "Alert me about invoices", **body},
    )
    assert r.status_code == 201, r.text
    return r.json()["watcher"]  # type: ignore[no-any-return]


def send(stack: Stack, to: str, subject: str, message_id: str, **headers: str) -> None:
    msg = EmailMessage()
    msg["From"] = "Billing <billing@acme.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Invoice #4521: $700 due March 3.")
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.send_message(msg)


def actions(org: Org, watcher_id: str, kind: str) -> list[dict[str, Any]]:
    r = org.call("GET", f"/api/watchers/{watcher_id}/actions?limit=1000")
    return [a for a in r.json()["actions"] if a["trigger_type"] == kind]


def test_mail_becomes_a_thread_and_an_action_and_a_reply_joins_it(
    stack: Stack, org: Org, hook: str
) -> None:
    w = make_watcher(org, model="vigil/offline")
    org.call(
        "POST",
        f"/api/watchers/{w['id']}/channels",
        json={"type": "webhook", "destination": hook},
    )
    sent = time.monotonic()
    send(stack, w["ingestion_address"], "Invoice #4521", "inv-4521@acme.example")
    done = poll(lambda: actions(org, w["id"], "email_received"), timeout=20)
    assert done, "no email_received action"
    threads = org.call("GET", f"/api/watchers/{w['id']}/threads").json()["threads"]
    assert [t["subject"] for t in threads] == ["Invoice #4521"]
    print(f"mail -> action in {time.monotonic() - sent:.2f}s")
    assert any(a["tool"] == "send_alert" and a["ok"] for a in done), done
    headers, body = poll(lambda: Hook.received and Hook.received[-1], timeout=10)
    stamp = int(headers["X-Vigil-Timestamp"])
    assert verify(w["signing_secret"], stamp, body, headers["X-Vigil-Signature"])
    assert json.loads(body)["watcher_id"] == w["id"]

    send(
        stack,
        w["ingestion_address"],
        "Re: Invoice #4521",
        "reply-1@acme.example",
        In_Reply_To="<inv-4521@acme.example>",
    )
    joined = poll(
        lambda: [
            t
            for t in org.call("GET", f"/api/watchers/{w['id']}/threads").json()[
                "threads"
            ]
            if t["message_count"] == 2
        ],
        timeout=20,
    )
    assert len(joined) == 1 and joined[0]["id"] == threads[0]["id"]
    one = org.call("GET", f"/api/watchers/{w['id']}/threads/{joined[0]['id']}").json()
    assert [m["message_id"] for m in one["thread"]["messages"]] == [
        "inv-4521@acme.example",
        "reply-1@acme.example",
    ]
    closed = org.call(
        "POST", f"/api/watchers/{w['id']}/threads/{joined[0]['id']}/close"
    )
    assert closed.status_code == 200 and closed.json()["thread"]["status"] == "resolved"
    again = org.call("POST", f"/api/watchers/{w['id']}/threads/{joined[0]['id']}/close")
    assert again.status_code == 400
    active = org.call("GET", f"/api/watchers/{w['id']}/threads?status=active").json()
    assert active["threads"] == []


def test_unknown_recipient_is_refused_at_rcpt(stack: Stack) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(stack, "nobody-tok_unknown@vigil.run", "hi", "x-1@acme.example")
    ((code, _),) = refused.value.recipients.values()
    assert code == 550


def test_silence_fires_once_per_quiet_period(org: Org) -> None:
    w = make_watcher(
        org, model="vigil/offline", silence_hours=0.0005, tick_interval=600
    )
    fired = poll(lambda: actions(org, w["id"], "silence"), timeout=20)
    assert fired
    time.sleep(3)  # several clock checks later: still one quiet period
    runs = {a["invocation_id"] for a in actions(org, w["id"], "silence")}
    assert len(runs) == 1


def test_ticks_fire_every_interval_and_a_paused_watcher_gets_none(org: Org) -> None:
    w = make_watcher(org, model="vigil/offline", tick_interval=0.02, silence_hours=100)
    paused = make_watcher(
        org, name="Paused", model="vigil/offline", tick_interval=0.02, silence_hours=100
    )
    org.call("PUT", f"/api/watchers/{paused['id']}", json={"status": "paused"})
    ticks = poll(
        lambda: (
            len({a["invocation_id"] for a in actions(org, w["id"], "scheduled_tick")})
            >= 2
        ),
        timeout=30,
    )
    assert ticks
    assert actions(org, paused["id"], "scheduled_tick") == []


def test_a_critical_alert_on_a_subscribed_device_triggers_the_watcher_once(
    org: Org,
) -> None:
    device_id, (binding,) = org.device("Boiler", "vibration.acceleration.rms")
    w = make_watcher(
        org,
        model="vigil/offline",
        silence_hours=100,
        tick_interval=600,
        subscriptions={"device_ids": [device_id], "severities": ["critical"]},
    )
    org.rule(
        name="Boiler hot",
        binding_id=binding,
        condition="above",
        threshold=80,
        severity="critical",
    )
    org.post(binding, 95.0, at())
    fired = poll(lambda: actions(org, w["id"], "platform_alert"), timeout=30)
    assert fired
    time.sleep(2)
    runs = {a["invocation_id"] for a in actions(org, w["id"], "platform_alert")}
    assert len(runs) == 1
    investigations = poll(
        lambda: [
            i
            for i in org.call("GET", "/api/v1/ai/argus/investigations/").json()[
                "investigations"
            ]
            if i["trigger"] == "alert" and i["status"] == "complete"
        ],
        timeout=30,
    )
    assert len(investigations) == 1, investigations
    assert investigations[0]["device_id"] == device_id
    assert "Boiler hot" in investigations[0]["findings"]
