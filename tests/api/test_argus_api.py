"""Argus over the real app: the reference's event sequence, tokens sent while the
model streams, a dashboard built and navigated to, an alert rule configured,
conversations continued and listed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import httpx
import pytest

import agents.offline
from api.app import create_app
from infra.broker import TansuBroker
from tests.api.conftest import Account, api_settings, register

Api = falcon.testing.ASGIConductor
Asgi = Callable[[Any, Any, Any], Awaitable[None]]


@pytest.fixture(scope="module")
async def api(broker: TansuBroker, data_dir: Path) -> AsyncIterator[Api]:
    settings = api_settings(broker, data_dir, projection_flush_ms=20)
    async with falcon.testing.ASGIConductor(create_app(settings)) as conductor:
        yield conductor


def blocks(body: str) -> list[dict[str, Any]]:
    """The reference's JS client: split on blank lines, keep `data: ` blocks."""
    events = []
    for block in body.split("\n\n"):
        if not block:
            continue
        assert block.startswith("data: ") and "\n" not in block, block
        events.append(json.loads(block[6:]))
    return events


async def device(api: Api, who: Account, name: str) -> tuple[str, str]:
    d = await api.simulate_post(
        "/api/v1/devices/",
        json={"hardware_id": f"HW-{name}", "display_name": name},
        headers=who.auth,
    )
    b = await api.simulate_post(
        f"/api/v1/devices/{d.json['id']}/bindings/",
        json={"channel": 0, "quantity_slug": "vibration.acceleration.rms"},
        headers=who.auth,
    )
    return d.json["id"], b.json["id"]


async def ask(
    api: Api, who: Account, via: Asgi | None = None, **body: Any
) -> list[dict[str, Any]]:
    """One turn over HTTP (httpx, which reads the stream to its end; the Falcon
    test client disconnects after the first chunk of a stream), through `via` if
    given, else straight to the app."""
    app: Any = via or api.app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.post("/api/v1/ai/argus/message/", json=body, headers=who.auth)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    return blocks(r.text)


async def test_building_a_dashboard_streams_the_reference_events_and_navigates(
    api: Api,
) -> None:
    who = await register(api)
    _, binding = await device(api, who, "Pump 1")
    events = await ask(
        api,
        who,
        message="Build me a dashboard for pump station monitoring",
        page_context={"page": "canvas"},
    )
    kinds = [(e["event"], e.get("tool"), e.get("status")) for e in events]
    assert kinds[:3] == [
        ("thinking", "build_dashboard", "calling"),
        ("tool_result", "build_dashboard", None),
        ("thinking", "build_dashboard", "done"),
    ]
    assert any(k[0] == "token" for k in kinds)
    (navigate,) = [e for e in events if e["event"] == "navigate"]
    done = events[-1]
    assert done["event"] == "done" and done["content"]
    assert (
        "".join(e["text"] for e in events if e["event"] == "token") == done["content"]
    )
    dashboard = await api.simulate_get(navigate["url"], headers=who.auth)
    assert dashboard.status_code == 200, navigate
    panels = dashboard.json["panels"]
    assert [p["binding_ids"] for p in panels if p["type"] == "timeseries"] == [
        [binding]
    ]
    listed = await api.simulate_get("/api/v1/ai/argus/conversations/", headers=who.auth)
    (conversation,) = listed.json["conversations"]
    assert conversation["id"] == done["conversation_id"]
    assert conversation["title"].startswith("Build me a dashboard")


async def test_an_alert_rule_is_configured_and_a_conversation_continues(
    api: Api,
) -> None:
    who = await register(api)
    device_id, _ = await device(api, who, "Pump 2")
    first = await ask(
        api, who, message="Alert me when vibration on Pump 2 goes above 12"
    )
    assert ("thinking", "configure_alert") in [
        (e["event"], e.get("tool")) for e in first
    ]
    rules = await api.simulate_get("/api/v1/alerts/rules/", headers=who.auth)
    (rule,) = rules.json["results"] if "results" in rules.json else rules.json["rules"]
    assert (rule["condition"], rule["threshold"]) == ("above", 12)
    assert rule.get("device_id") == device_id
    again = await ask(
        api,
        who,
        message="What rules do I have?",
        conversation_id=first[-1]["conversation_id"],
    )
    assert again[-1]["conversation_id"] == first[-1]["conversation_id"]
    listed = await api.simulate_get("/api/v1/ai/argus/conversations/", headers=who.auth)
    assert listed.json["conversations"][0]["message_count"] == 4


async def test_unknown_conversation_and_foreign_page_ids_are_404(api: Api) -> None:
    who, other = await register(api), await register(api)
    foreign, _ = await device(api, other, "Theirs")
    r = await api.simulate_post(
        "/api/v1/ai/argus/message/",
        json={
            "message": "hi",
            "conversation_id": "6b1f0c38-5b8e-4d0f-9a57-8f3c2f0d9a11",
        },
        headers=who.auth,
    )
    assert r.status_code == 404 and "error" in r.json
    r = await api.simulate_post(
        "/api/v1/ai/argus/message/",
        json={"message": "hi", "page_context": {"device_id": foreign}},
        headers=who.auth,
    )
    assert r.status_code == 404
    empty = await api.simulate_post(
        "/api/v1/ai/argus/message/", json={"message": ""}, headers=who.auth
    )
    assert empty.status_code == 400


async def test_argus_starts_an_investigation_that_completes_with_findings(
    api: Api,
) -> None:
    who = await register(api)
    await device(api, who, "Pump 3")
    events = await ask(api, who, message="Investigate the vibration on Pump 3")
    (result,) = [e for e in events if e["event"] == "tool_result"]
    assert result["tool"] == "start_investigation" and result["result"]["ok"]
    job_id = result["result"]["investigation_id"]
    for _ in range(100):
        r = await api.simulate_get(
            f"/api/v1/ai/argus/investigations/{job_id}/", headers=who.auth
        )
        if r.status_code == 200 and r.json["status"] == "complete":
            break
        await asyncio.sleep(0.1)
    assert r.json["status"] == "complete", r.json
    assert "other alert" in r.json["findings"]
    listed = await api.simulate_get(
        "/api/v1/ai/argus/investigations/?status=complete", headers=who.auth
    )
    assert [i["id"] for i in listed.json["investigations"]] == [job_id]
    other = await register(api)
    hidden = await api.simulate_get(
        f"/api/v1/ai/argus/investigations/{job_id}/", headers=other.auth
    )
    assert hidden.status_code == 404
    usage = (await api.simulate_get("/api/usage", headers=who.auth)).json["usage"]
    assert usage["assistant"]["invocations"] == 2  # the Argus answer and the job
    assert usage["total_invocations"] == 2


async def test_argus_remembers_and_the_memory_is_found_by_search(api: Api) -> None:
    who = await register(api)
    device_id, _ = await device(api, who, "Pump 4")
    events = await ask(
        api,
        who,
        message="Remember that the Pump 4 bearing was replaced in January 2026",
        page_context={"device_id": device_id},
    )
    (result,) = [e for e in events if e["event"] == "tool_result"]
    assert result["tool"] == "save_memory" and result["result"]["ok"], result
    found = await api.simulate_get(
        "/api/v1/ai/argus/memory/?q=pump+bearing", headers=who.auth
    )
    (memory,) = found.json["memories"]
    assert memory["memory_type"] == "maintenance"
    assert memory["device_id"] == device_id


def noting_tokens_sent(app: Asgi, log: list[str]) -> Asgi:
    """The app, noting in `log` each SSE token event it sends."""

    async def noting(scope: Any, receive: Any, send: Any) -> None:
        async def sent(message: dict[str, Any]) -> None:
            body = message.get("body", b"")
            if message["type"] == "http.response.body" and b'"token"' in body:
                log.append("sent: token")
            await send(message)

        await app(scope, receive, sent)

    return noting


async def test_tokens_are_sent_while_the_model_is_still_streaming(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    log: list[str] = []
    offline_chunks = agents.offline._chunks

    def noted(*args: Any) -> Iterator[Any]:
        yield from offline_chunks(*args)
        log.append("model: end")

    monkeypatch.setattr(agents.offline, "_chunks", noted)
    who = await register(api)
    await device(api, who, "Pump 5")
    question = "What is the current vibration level on Pump 5?"
    via = noting_tokens_sent(api.app, log)
    events = await ask(api, who, via=via, message=question)
    tokens = [e["text"] for e in events if e["event"] == "token"]
    assert "".join(tokens) == events[-1]["content"]
    # The turn's last model call is still streaming when its first tokens are sent.
    assert "model: end" in log, "the model was not streamed"
    last_end = len(log) - 1 - log[::-1].index("model: end")
    assert log[:last_end].count("sent: token") >= 2, log
    assert log.count("sent: token") == len(tokens) > 3
