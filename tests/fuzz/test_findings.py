"""What the fuzzer found in the server, each pinned by a plain request."""

from __future__ import annotations

import pytest

from tests.fuzz.conftest import World
from tests.fuzz.orgs import bearer


@pytest.mark.parametrize("address", ["ops\x01@example.com", "0@[.0", "a b@c.d"])
def test_an_email_channel_takes_only_an_address_the_mailer_sends_to(
    world: World, address: str
) -> None:
    a = world.a
    base = f"/api/watchers/{a.ids['watcher_id']}"
    channel = world.client.post(
        f"{base}/channels",
        json={"type": "email", "destination": address},
        headers=bearer(a.write_key),
    )
    assert channel.status_code == 400, channel.text
    assert channel.json()["field"] == "destination"
    digest = world.client.post(f"{base}/digest", headers=bearer(a.write_key))
    assert digest.status_code == 200, digest.text


def test_a_bad_alias_of_the_class_filter_is_refused(world: World) -> None:
    r = world.client.get(
        "/api/v1/quantities/canonical/",
        params={"phenomenon_class": "thermal", "domain": "weather"},
        headers=bearer(world.a.access),
    )
    assert r.status_code == 400 and r.json()["field"] == "domain"
