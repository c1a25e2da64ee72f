"""The watchers reference against the real app (broker, chDB, projectors): CRUD
with the documented defaults, threads, memory, actions, tools, channels, usage,
invoke and the inbound mail webhook."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import falcon.testing
import pytest

from agents.mailer import read_outbox
from agents.outbound import verify
from api.app import create_app
from infra.broker import TansuBroker
from tests.api.conftest import Account, api_settings, register


@pytest.fixture(scope="module")
async def api(
    broker: TansuBroker, data_dir: Path
) -> AsyncIterator[falcon.testing.ASGIConductor]:
    settings = api_settings(
        broker, data_dir, projection_flush_ms=20, webhook_allow_hosts="127.0.0.1"
    )
    async with falcon.testing.ASGIConductor(create_app(settings)) as conductor:
        yield conductor


async def watcher(
    api: falcon.testing.ASGIConductor, who: Account, **body: Any
) -> dict[str, Any]:
    r = await api.simulate_post(
        "/api/watchers",
        json={"name": "Work Email", "system_prompt": "Alert me about invoices", **body},
        headers=who.auth,
    )
    assert r.status_code == 201, r.text
    return r.json["watcher"]  # type: ignore[no-any-return]


def mail(subject: str, text: str, message_id: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Billing <billing@acme.example>"
    msg["To"] = "work@vigil.run"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return bytes(msg)


async def test_create_gives_the_documented_defaults_and_an_address(
    api: falcon.testing.ASGIConductor,
) -> None:
    who = await register(api)
    w = await watcher(api, who)
    assert w["tools"] == ["send_alert"]
    assert (w["silence_hours"], w["tick_interval"]) == (48, 60)
    assert w["model"] == "gpt-4.1-mini" and w["status"] == "active"
    assert w["ingest_token"].startswith("tok_")
    assert w["ingestion_address"] == f"work-email-{w['ingest_token']}@vigil.run"
    listed = await api.simulate_get("/api/watchers", headers=who.auth)
    assert [x["id"] for x in listed.json["watchers"]] == [w["id"]]
    one = await api.simulate_get(f"/api/watchers/{w['id']}/", headers=who.auth)
    assert one.json["watcher"]["id"] == w["id"]


async def test_bad_watcher_bodies_are_400_and_foreign_ids_404(
    api: falcon.testing.ASGIConductor,
) -> None:
    who, other = await register(api), await register(api)
    for body in (
        {"system_prompt": "x"},
        {"name": "x"},
        {"name": "x", "system_prompt": "y", "silence_hours": -1},
    ):
        r = await api.simulate_post("/api/watchers", json=body, headers=who.auth)
        assert r.status_code == 400 and "error" in r.json
    w = await watcher(api, who)
    empty = await api.simulate_put(
        f"/api/watchers/{w['id']}", json={}, headers=who.auth
    )
    assert empty.status_code == 400
    bad = await api.simulate_put(
        f"/api/watchers/{w['id']}", json={"status": "sleeping"}, headers=who.auth
    )
    assert bad.status_code == 400
    for method in ("GET", "PUT", "DELETE"):
        r = await api.simulate_request(
            method, f"/api/watchers/{w['id']}", json={"name": "x"}, headers=other.auth
        )
        assert r.status_code == 404, (method, r.text)
    paused = await api.simulate_put(
        f"/api/watchers/{w['id']}", json={"status": "paused"}, headers=who.auth
    )
    assert paused.json["watcher"]["status"] == "paused"


async def test_memory_rules_and_obsolete_memories_are_hidden(
    api: falcon.testing.ASGIConductor,
) -> None:
    who = await register(api)
    w = await watcher(api, who)
    base = f"/api/watchers/{w['id']}/memory"
    for body in (
        {"content": ""},
        {"content": "x", "importance": 6},
        {"content": "x", "importance": 0},
    ):
        r = await api.simulate_post(base, json=body, headers=who.auth)
        assert r.status_code == 400, body
    made = await api.simulate_post(
        base, json={"content": "Rent is $1,450/mo", "importance": 4}, headers=who.auth
    )
    assert made.status_code == 201
    memory = made.json["memory"]
    assert (memory["content"], memory["importance"]) == ("Rent is $1,450/mo", 4)
    plain = await api.simulate_post(base, json={"content": "x"}, headers=who.auth)
    assert plain.json["memory"]["importance"] == 3
    listed = await api.simulate_get(base, headers=who.auth)
    assert {m["id"] for m in listed.json["memories"]} == {
        memory["id"],
        plain.json["memory"]["id"],
    }
    put = await api.simulate_put(
        f"{base}/{memory['id']}", json={"obsolete": True}, headers=who.auth
    )
    assert put.status_code == 200 and put.json["memory"]["obsolete"] is True
    listed = await api.simulate_get(base, headers=who.auth)
    assert memory["id"] not in {m["id"] for m in listed.json["memories"]}
    gone = await api.simulate_delete(
        f"{base}/{plain.json['memory']['id']}", headers=who.auth
    )
    assert gone.status_code == 200
    assert (await api.simulate_get(base, headers=who.auth)).json["memories"] == []
    missing = await api.simulate_put(
        f"{base}/m_nope", json={"importance": 2}, headers=who.auth
    )
    assert missing.status_code == 404


async def test_inbound_mail_becomes_a_readable_mail_and_unknown_tokens_404(
    api: falcon.testing.ASGIConductor,
) -> None:
    who = await register(api)
    w = await watcher(api, who)
    raw = mail("Invoice #4521", "Amount due: $700 by March 3", "inv-1@acme.example")
    r = await api.simulate_post(
        f"/api/inbound/{w['ingest_token']}",
        body=raw,
        headers={"Content-Type": "message/rfc822"},
    )
    assert r.status_code == 202, r.text
    assert r.json["message_id"] == "inv-1@acme.example"
    unknown = await api.simulate_post(
        "/api/inbound/tok_nope", body=raw, headers={"Content-Type": "message/rfc822"}
    )
    assert unknown.status_code == 404 and "error" in unknown.json
    empty = await api.simulate_post(
        f"/api/inbound/{w['ingest_token']}",
        body=b"",
        headers={"Content-Type": "message/rfc822"},
    )
    assert empty.status_code == 400


async def test_custom_tools_validate_schema_url_and_names(
    api: falcon.testing.ASGIConductor,
) -> None:
    who = await register(api)
    w = await watcher(api, who)
    base = f"/api/watchers/{w['id']}/tools"
    good = {
        "name": "notify_slack",
        "description": "Send a message to Slack",
        "webhook_url": "https://hooks.slack.com/services/x",
        "parameter_schema": {"message": {"type": "string", "description": "The alert"}},
    }
    made = await api.simulate_post(base, json=good, headers=who.auth)
    assert made.status_code == 201, made.text
    tool = made.json["tool"]
    assert tool["enabled"] is True and tool["headers"] == {}
    assert tool["id"].startswith("ct_")
    dup = await api.simulate_post(base, json=good, headers=who.auth)
    assert dup.status_code == 409
    for change in (
        {"webhook_url": "ftp://x.example/"},
        {"webhook_url": "http://user:pw@x.example/"},
        {"parameter_schema": {"message": {"type": "nonsense"}}},
        {"name": "has space"},
    ):
        r = await api.simulate_post(
            base, json={**good, "name": "t2", **change}, headers=who.auth
        )
        assert r.status_code == 400, change
    off = await api.simulate_put(
        f"{base}/{tool['id']}", json={"enabled": False}, headers=who.auth
    )
    assert off.json["tool"]["enabled"] is False
    empty = await api.simulate_put(f"{base}/{tool['id']}", json={}, headers=who.auth)
    assert empty.status_code == 400
    refused = await api.simulate_put(
        f"{base}/{tool['id']}",
        json={"webhook_url": "http://127.0.0.2:9/"},
        headers=who.auth,
    )
    assert refused.status_code == 200  # syntax is fine; the address is checked on use
    test = await api.simulate_post(f"{base}/{tool['id']}/test", headers=who.auth)
    assert test.status_code == 400 and "loopback" in test.json["error"]
    assert (
        await api.simulate_delete(f"{base}/{tool['id']}", headers=who.auth)
    ).status_code == 200
    assert (await api.simulate_get(base, headers=who.auth)).json["tools"] == []


async def test_channels_are_email_or_webhook(
    api: falcon.testing.ASGIConductor,
) -> None:
    who = await register(api)
    w = await watcher(api, who)
    base = f"/api/watchers/{w['id']}/channels"
    r = await api.simulate_post(
        base, json={"type": "sms", "destination": "+1555"}, headers=who.auth
    )
    assert r.status_code == 400
    r = await api.simulate_post(
        base, json={"type": "email", "destination": "nope"}, headers=who.auth
    )
    assert r.status_code == 400
    made = await api.simulate_post(
        base, json={"type": "email", "destination": "me@example.com"}, headers=who.auth
    )
    assert made.status_code == 201
    channel = made.json["channel"]
    assert {k: channel[k] for k in ("type", "destination", "enabled")} == {
        "type": "email",
        "destination": "me@example.com",
        "enabled": True,
    }
    off = await api.simulate_put(
        f"{base}/{channel['id']}", json={"enabled": False}, headers=who.auth
    )
    assert off.json["channel"]["enabled"] is False
    gone = await api.simulate_delete(f"/api/watchers/{w['id']}", headers=who.auth)
    assert gone.status_code == 200
    assert (await api.simulate_get(base, headers=who.auth)).status_code == 404


async def test_invoke_records_actions_and_usage_sums_them(
    api: falcon.testing.ASGIConductor,
) -> None:
    who = await register(api)
    w = await watcher(api, who, model="vigil/offline")
    base = f"/api/watchers/{w['id']}"
    both = await api.simulate_post(
        f"{base}/invoke", json={"message": "a", "query": "b"}, headers=who.auth
    )
    assert both.status_code == 400
    chat = await api.simulate_post(
        f"{base}/invoke", json={"message": "How many threads?"}, headers=who.auth
    )
    assert chat.status_code == 200 and isinstance(chat.json["response"], str)
    query = await api.simulate_post(f"{base}/invoke", headers=who.auth)
    assert query.status_code == 200
    assert set(query.json) == {"actions", "thread_updates", "email_analysis"}
    actions = await api.simulate_get(f"{base}/actions", headers=who.auth)
    rows = actions.json["actions"]
    assert len(rows) >= 2 and {a["trigger_type"] for a in rows} == {"manual"}
    limited = await api.simulate_get(f"{base}/actions?limit=1", headers=who.auth)
    assert len(limited.json["actions"]) == 1
    usage = (await api.simulate_get("/api/usage", headers=who.auth)).json["usage"]
    assert usage["total_invocations"] == len({a["invocation_id"] for a in rows})
    assert usage["total_cost"] == pytest.approx(sum(a["cost_usd"] for a in rows))
    assert usage["watchers"][0]["watcher_id"] == w["id"]
    assert usage["current_month"]["invocations"] == usage["total_invocations"]


async def test_tool_test_fires_a_signed_sample_at_a_real_webhook(
    api: falcon.testing.ASGIConductor,
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        headers = dict(
            line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line
        )
        body = await reader.readexactly(int(headers["Content-Length"]))
        received.append((headers, body))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    who = await register(api)
    w = await watcher(api, who)
    made = await api.simulate_post(
        f"/api/watchers/{w['id']}/tools",
        json={
            "name": "notify",
            "description": "d",
            "webhook_url": f"http://127.0.0.1:{port}/hook",
            "headers": {"X-Team": "ops"},
            "parameter_schema": {"message": {"type": "string"}},
        },
        headers=who.auth,
    )
    tool = made.json["tool"]
    r = await api.simulate_post(
        f"/api/watchers/{w['id']}/tools/{tool['id']}/test", headers=who.auth
    )
    server.close()
    assert r.json == {"success": True, "status": 200, "response_body": "ok"}
    headers, body = received[0]
    assert headers["X-Team"] == "ops"
    stamp = int(headers["X-Vigil-Timestamp"])
    assert verify(w["signing_secret"], stamp, body, headers["X-Vigil-Signature"])
    assert json.loads(body)["arguments"] == {"message": "Test from Vigil"}


async def digest_watcher(
    api: falcon.testing.ASGIConductor,
) -> tuple[Account, dict[str, Any]]:
    """A new account's watcher with one email channel, me@example.com."""
    who = await register(api)
    w = await watcher(api, who, name=f"Digest {uuid.uuid4().hex[:6]}")
    await api.simulate_post(
        f"/api/watchers/{w['id']}/channels",
        json={"type": "email", "destination": "me@example.com"},
        headers=who.auth,
    )
    return who, w


async def test_digest_mails_the_email_channels_through_the_outbox(
    api: falcon.testing.ASGIConductor, data_dir: Path
) -> None:
    who, w = await digest_watcher(api)
    r = await api.simulate_post(f"/api/watchers/{w['id']}/digest", headers=who.auth)
    assert r.status_code == 200
    digest = r.json["digest"]
    assert digest["sent"] is True and digest["recipients"] == ["me@example.com"]
    outbox = read_outbox(data_dir / "outbox.mbox", limit=1000)
    assert any(m["subject"] == f"Vigil digest: {w['name']}" for m in outbox)
    actions = await api.simulate_get(
        f"/api/watchers/{w['id']}/actions", headers=who.auth
    )
    assert [a["tool"] for a in actions.json["actions"]] == ["send_digest"]


async def test_a_digest_that_cannot_be_mailed_says_so_instead_of_failing(
    api: falcon.testing.ASGIConductor, data_dir: Path
) -> None:
    who, w = await digest_watcher(api)
    outbox = data_dir / "outbox.mbox"
    kept = data_dir / "outbox.kept"
    if outbox.exists():
        outbox.rename(kept)
    outbox.mkdir()  # the outbox cannot be written: delivery fails
    try:
        r = await api.simulate_post(f"/api/watchers/{w['id']}/digest", headers=who.auth)
    finally:
        outbox.rmdir()
        if kept.exists():
            kept.rename(outbox)
    assert r.status_code == 200, r.text
    digest = r.json["digest"]
    assert digest["sent"] is False and digest["recipients"] == ["me@example.com"]
    assert [f["to"] for f in digest["failed"]] == ["me@example.com"]
    assert "not sent" in digest["failed"][0]["error"]


async def test_a_deleted_watchers_data_disappears(
    api: falcon.testing.ASGIConductor,
) -> None:
    who = await register(api)
    w = await watcher(api, who)
    await api.simulate_post(
        f"/api/watchers/{w['id']}/memory", json={"content": "x"}, headers=who.auth
    )
    assert (
        await api.simulate_delete(f"/api/watchers/{w['id']}", headers=who.auth)
    ).status_code == 200
    for tail in ("", "/memory", "/threads", "/actions", "/tools", "/channels"):
        r = await api.simulate_get(f"/api/watchers/{w['id']}{tail}", headers=who.auth)
        assert r.status_code == 404, tail
    listed = await api.simulate_get("/api/watchers", headers=who.auth)
    assert listed.json["watchers"] == []
