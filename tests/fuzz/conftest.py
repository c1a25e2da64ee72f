"""One real platform for the fuzz tests: the ASGI app in this process, on the
session's broker and chDB, run by schemathesis's ASGI transport (on its own event
loop), with two orgs set up (:mod:`tests.fuzz.orgs`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from schemathesis.python import asgi

from api.app import VigilApp, create_app
from api.resources.alerts import AlertAction
from infra.broker import TansuBroker
from tests.api.conftest import api_settings
from tests.fuzz.orgs import Org, Setup

UNLIMITED = 1_000_000


@dataclass
class World:
    """The running app, a client to it and the two orgs."""

    app: VigilApp
    asgi: Resident  # what requests are sent to
    client: requests.Session
    a: Org
    b: Org


class Resident:
    """The app behind a lifespan that starts it once and stops it only when
    released: schemathesis's pytest plugin ends every ASGI lifespan after each
    test, and the tests of this package share one running platform."""

    def __init__(self, app: VigilApp) -> None:
        self.app = app
        self.released = False
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._start(scope)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.released and self._task is not None:
                    await self._tell("lifespan.shutdown")
                    await self._task
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _start(self, scope: Any) -> None:
        if self._task is None:
            run = self.app(scope, self._inbox.get, self._outbox.put)
            self._task = asyncio.get_running_loop().create_task(run)
            await self._tell("lifespan.startup")

    async def _tell(self, kind: str) -> None:
        await self._inbox.put({"type": kind})
        answer = await self._outbox.get()
        assert answer["type"] == f"{kind}.complete", answer

    def release(self) -> None:
        """Stop the app (through one more lifespan, whose shutdown is real)."""
        self.released = True
        with asgi.get_client(self):
            pass
        asgi.shutdown_lifespans()


@pytest.fixture(scope="package")
def world(broker: TansuBroker, data_dir: Path) -> Iterator[World]:
    """The app with both orgs set up; its lifespan ends with the package."""
    settings = api_settings(
        broker,
        data_dir,
        ai_warm=False,
        projection_flush_ms=20,
        webhook_allow_hosts="127.0.0.1",
        webhook_timeout_s=1.0,
        smtp_port=0,
        rate_limit_per_s=UNLIMITED,
        rate_limit_burst=UNLIMITED,
        auth_rate_limit_per_s=UNLIMITED,
        auth_rate_limit_burst=UNLIMITED,
        ingest_rate_limit_per_s=UNLIMITED,
        ingest_rate_limit_burst=UNLIMITED,
        canvas_public_rate_per_s=UNLIMITED,
        canvas_public_burst=UNLIMITED,
    )
    app = create_app(settings)
    resident = Resident(app)
    try:
        # No stream worker runs here to move an alert on: acknowledge and resolve
        # answer their documented 202 (pending) without waiting 5 s for it.
        with pytest.MonkeyPatch.context() as patch, asgi.get_client(resident) as c:
            patch.setattr(AlertAction, "WAIT_S", 0.05)
            setup = Setup(c, settings)
            a, b = setup.org("a"), setup.org("b")
            setup.spares(a)
            yield World(app, resident, c, a, b)
    finally:
        resident.release()
