"""Fault injection: ``kill -9`` of each process role of ``vigil dev`` at random
moments under ingest, alert, watcher-mail and entity-write load, then the tally.

Roles, chosen in turn:

- ``api``: one gunicorn API worker (the master starts a new one);
- ``stream``: the stream worker (chDB, projectors, Faust, the SMTP inbox; ``vigil
  dev`` starts a new one);
- ``group``: ``vigil dev``'s whole process group (the harness starts ``vigil dev``
  again). The embedded broker runs detached and survives, as it survives a real
  crash of ``vigil dev``, and the new ``vigil dev`` adopts it with its topics.

Load during every round: 3 threads posting batches of 100 measurements (one
binding), 1 thread posting 100.0 / 0.0 in turn to a binding an alert rule watches
(``above 50``), 1 thread creating sites, 1 thread sending mails over SMTP to a
watcher on the offline model, each mail a new thread.

After the last round the harness waits until the platform has caught up (no fixed
pause: a last 100 -> 0 pair on the alert binding must show as a resolved alert, and a
last mail as a thread with its action, both read over the API; the agents work each
partition in order, so everything before them is done too), stops ``vigil dev`` and
reads ClickHouse directly (chDB). The invariants:

- measurements: every acknowledged (202) measurement is stored, and none twice;
- alerts: every alert transition is projected once (no ``transition_id`` twice),
  and the rule's transitions are exactly the crossings of the values that were
  stored for its binding (``active`` at each 0 -> 100, ``resolved`` at each
  100 -> 0, matched by status and the value's time): none missing, none extra;
- mails: every mail the inbox accepted (250) is stored once, and has one thread
  message and one ``email_received`` invocation;
- entities: every site acknowledged (201) is listed afterwards.

The embedded broker keeps topics in memory. A kill of the broker itself (not a role
here) keeps what ClickHouse holds (writes are acknowledged once stored there:
``VIGIL_ACK_AFTER=projection``; ``bench/crash_ingest.py`` kills it too), but what
only the broker held (the alert evaluator's table, records the agents had not acted
on yet) goes with it. The tally says which invariant each role broke.

``tests/faults/test_faults.py`` runs a short version. Usage:
``.venv/bin/python bench/faults.py [--faults 100] [--roles api,stream,group]
[--seed 7] [--no-record]``
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import signal
import smtplib
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.devserver import DevServer  # noqa: E402
from bench.results import record  # noqa: E402
from domain.isotime import to_micros  # noqa: E402
from infra.broker import free_port  # noqa: E402
from infra.chdb_store import ChdbStore  # noqa: E402

ROLES = ("api", "stream", "group")
CATCH_UP_S = 180.0  # after the last fault, how long the platform may take to catch up
PAIR_WAIT_S = 30.0  # how long one catch-up pair may take before another is sent
PER_REQUEST = 100
INGEST_THREADS = 3
DEV_ENV = {"VIGIL_REBALANCE_TIMEOUT_S": "1", "VIGIL_AI_WARM": "false"}


class Api:
    """A registered user's calls."""

    def __init__(self, base: str) -> None:
        self.base = base
        r = httpx.post(
            f"{base}/api/auth/register",
            json={
                "email": f"faults-{uuid.uuid4().hex[:6]}@example.com",
                "password": "correct-horse",
            },
            timeout=30,
        )
        r.raise_for_status()
        self.auth = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = httpx.post(f"{self.base}{path}", json=body, headers=self.auth, timeout=30)
        r.raise_for_status()
        return dict(r.json())

    def binding(self, hardware_id: str) -> tuple[str, dict[str, str]]:
        """A device with one temperature binding, and a gateway token for it."""
        device = self.post(
            "/api/v1/devices/",
            {"hardware_id": hardware_id, "display_name": hardware_id},
        )
        binding = self.post(
            f"/api/v1/devices/{device['id']}/bindings/",
            {"channel": 0, "quantity_slug": "temperature.celsius"},
        )
        token = self.post("/api/v1/ingest/tokens/", {"name": hardware_id})
        return binding["id"], {"Authorization": f"Bearer {token['raw_token']}"}


class Loop:
    """A load thread's loop: work until stopped; a failed step (the server is
    restarting) is retried after a pause, it is not acknowledged."""

    def __init__(self, step: Callable[[httpx.Client], None]) -> None:
        self.step = step
        self.failures = 0

    def run(self, stop: threading.Event, headers: dict[str, str]) -> None:
        with httpx.Client(headers=headers, timeout=30) as client:
            while not stop.is_set():
                try:
                    self.step(client)
                except (httpx.HTTPError, OSError, smtplib.SMTPException):
                    self.failures += 1
                    stop.wait(0.2)


@dataclass
class Load:
    """Every load and what the platform acknowledged of it."""

    base: str
    smtp_port: int
    ingest: tuple[str, dict[str, str]]
    alerting: tuple[str, dict[str, str]]
    auth: dict[str, str]
    address: str
    watcher_id: str
    origin: datetime = field(
        default_factory=lambda: datetime.now(UTC) - timedelta(minutes=30)
    )
    acked: set[int] = field(default_factory=set)  # measurement µs timestamps
    sites: set[str] = field(default_factory=set)
    mails: set[str] = field(default_factory=set)  # accepted Message-IDs
    alert_posts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def moment(self, n: int) -> datetime:
        return self.origin + timedelta(milliseconds=n)

    def post_batch(self, client: httpx.Client) -> None:
        with self.lock:
            start = next(self.counter) * PER_REQUEST
        seq = range(start, start + PER_REQUEST)
        body = {
            "hardware_id": "FAULT-INGEST",
            "measurements": [
                {
                    "binding_id": self.ingest[0],
                    "value": float(n),
                    "timestamp": self.moment(n).isoformat(),
                }
                for n in seq
            ],
        }
        r = client.post(f"{self.base}/api/v1/ingest/", json=body)
        if r.status_code == 202:
            with self.lock:
                self.acked.update(to_micros(self.moment(n)) for n in seq)

    def post_alert_value(self, client: httpx.Client) -> None:
        value = 100.0 if self.alert_posts % 2 == 0 else 0.0
        body = {
            "hardware_id": "FAULT-ALERT",
            "measurements": [
                {
                    "binding_id": self.alerting[0],
                    "value": value,
                    "timestamp": datetime.now(UTC).isoformat(),
                }
            ],
        }
        r = client.post(f"{self.base}/api/v1/ingest/", json=body)
        if r.status_code == 202:
            self.alert_posts += 1
        time.sleep(0.05)

    def create_site(self, client: httpx.Client) -> None:
        r = client.post(
            f"{self.base}/api/v1/sites/", json={"name": f"Site {uuid.uuid4().hex[:8]}"}
        )
        if r.status_code == 201:
            with self.lock:
                self.sites.add(r.json()["id"])
        time.sleep(0.05)

    def send_mail(self, _: httpx.Client) -> None:
        tag = uuid.uuid4().hex[:12]
        msg = EmailMessage()
        msg["From"] = "Vendor <vendor@acme.example>"
        msg["To"] = self.address
        msg["Subject"] = f"Invoice {tag}"
        msg["Message-ID"] = f"<{tag}@acme.example>"
        msg.set_content(f"Invoice {tag}: $120 due March 3.")
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as smtp:
            smtp.send_message(msg)  # raises unless every recipient got 250
        with self.lock:
            self.mails.add(f"{tag}@acme.example")  # stored without the brackets
        time.sleep(0.1)

    def threads(self, stop: threading.Event) -> list[threading.Thread]:
        gateway_ingest, gateway_alert = self.ingest[1], self.alerting[1]
        plan = [
            *((Loop(self.post_batch), gateway_ingest) for _ in range(INGEST_THREADS)),
            (Loop(self.post_alert_value), gateway_alert),
            (Loop(self.create_site), self.auth),
            (Loop(self.send_mail), {}),
        ]
        return [
            threading.Thread(target=loop.run, args=(stop, headers), daemon=True)
            for loop, headers in plan
        ]


def setup(server: DevServer, smtp_port: int) -> tuple[Load, str]:
    """The account, bindings, the alert rule and the watcher; the rule's id."""
    api = Api(server.base)
    ingest = api.binding("FAULT-INGEST")
    alerting = api.binding("FAULT-ALERT")
    rule = api.post(
        "/api/v1/alerts/rules/",
        {
            "name": "Fault",
            "binding_id": alerting[0],
            "condition": "above",
            "threshold": 50,
        },
    )
    watcher = httpx.post(
        f"{server.base}/api/watchers",
        json={
            "name": "Faults",
            "system_prompt": "Track invoices.",
            "model": "vigil/offline",
            "silence_hours": 1000,
            "tick_interval": 100000,
        },
        headers=api.auth,
        timeout=30,
    )
    watcher.raise_for_status()
    address = watcher.json()["watcher"]["ingestion_address"]
    watcher_id = watcher.json()["watcher"]["id"]
    load = Load(server.base, smtp_port, ingest, alerting, api.auth, address, watcher_id)
    return load, str(rule["id"])


def _retry(step: Callable[[], bool], deadline: float, what: str) -> None:
    """``step`` until it returns True; a refused or failed call (the platform is
    still coming back) counts as not yet."""
    while time.monotonic() < deadline:
        try:
            if step():
                return
        except (httpx.HTTPError, OSError, smtplib.SMTPException):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the platform did not catch up: {what}")


def catch_up(load: Load, timeout_s: float) -> None:
    """Wait until the agents and projectors have worked through everything the
    rounds left: a 100 -> 0 pair posted now must end as a resolved alert and a mail
    sent now as a thread with its action, both read over the API."""
    deadline = time.monotonic() + timeout_s
    gateway = load.alerting[1]

    def post_pair(body: dict[str, Any]) -> bool:
        r = httpx.post(
            f"{load.base}/api/v1/ingest/", json=body, headers=gateway, timeout=30
        )
        return r.status_code == 202

    def resolved(low: datetime) -> bool:
        r = httpx.get(
            f"{load.base}/api/v1/alerts/",
            params={"status": "resolved", "limit": 20},
            headers=load.auth,
            timeout=30,
        )
        r.raise_for_status()
        return any(
            e["resolved_at"] and datetime.fromisoformat(e["resolved_at"]) >= low
            for e in r.json()["events"]
        )

    while True:
        high = datetime.now(UTC)
        low = high + timedelta(milliseconds=1)
        body = {
            "hardware_id": "FAULT-ALERT",
            "measurements": [
                {"binding_id": load.alerting[0], "value": v, "timestamp": t.isoformat()}
                for v, t in ((100.0, high), (0.0, low))
            ],
        }
        _retry(
            lambda body=body: post_pair(body),
            deadline,
            "the last alert values were not acknowledged",
        )
        attempt = min(deadline, time.monotonic() + PAIR_WAIT_S)
        try:
            _retry(lambda low=low: resolved(low), attempt, "the 100 -> 0 pair")
            break
        except TimeoutError:
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    "the platform did not catch up: no 100 -> 0 pair resolved its alert"
                ) from None
            # The pair may be what an agent skipped (issue 14): send another.
    tag = f"catch-up {uuid.uuid4().hex[:12]}"

    def mail() -> bool:
        msg = EmailMessage()
        msg["From"] = "Vendor <vendor@acme.example>"
        msg["To"] = load.address
        msg["Subject"] = tag
        msg["Message-ID"] = f"<{uuid.uuid4().hex}@acme.example>"
        msg.set_content(f"{tag}: $120 due March 3.")
        with smtplib.SMTP("127.0.0.1", load.smtp_port, timeout=30) as smtp:
            smtp.send_message(msg)
        return True

    def acted() -> bool:
        watcher = f"{load.base}/api/watchers/{load.watcher_id}"
        r = httpx.get(f"{watcher}/threads", headers=load.auth, timeout=30)
        r.raise_for_status()
        thread = next((t for t in r.json()["threads"] if t["subject"] == tag), None)
        if thread is None:
            return False
        r = httpx.get(
            f"{watcher}/actions",
            params={"thread_id": thread["id"]},
            headers=load.auth,
            timeout=30,
        )
        r.raise_for_status()
        return bool(r.json()["actions"])

    _retry(mail, deadline, "the last mail was not accepted")
    _retry(acted, deadline, "the last mail never got its thread and action")


def victim(server: DevServer, role: str) -> int | None:
    """The pid to kill for ``role`` (None for the group)."""
    if role == "group":
        return None
    want = "API worker" if role == "api" else "stream worker"
    pids = [p for p, name in server.processes().items() if name.startswith(want)]
    return pids[0] if pids else None


def fault(server: DevServer, role: str, load: Load, rng: random.Random) -> None:
    """Load, a kill of ``role`` at a random moment, recovery under load."""
    stop = threading.Event()
    threads = load.threads(stop)
    before = len(load.acked)
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(load.acked) == before and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.2, 2.0))
    pid = victim(server, role)
    if role == "group":
        server.kill_group()
        server.start()
    elif pid is not None:
        os.kill(pid, signal.SIGKILL)
        server.wait_ready()
        time.sleep(1.0)  # load goes on while the killed role comes back
    stop.set()
    for t in threads:
        t.join(timeout=60)


@dataclass
class Tally:
    """What the faults did to each invariant."""

    faults: Counter[str] = field(default_factory=Counter)
    measurements_acked: int = 0
    measurements_lost: int = 0
    measurements_twice: int = 0
    transitions: int = 0
    transitions_twice: int = 0
    crossings: int = 0
    transitions_missing: int = 0
    transitions_extra: int = 0
    mails: int = 0
    mails_lost: int = 0
    mails_twice: int = 0
    mails_without_thread: int = 0
    mails_without_action: int = 0
    mails_acted_twice: int = 0
    sites: int = 0
    sites_lost: int = 0
    seconds: float = 0.0
    stuck: str = ""  # why the platform did not catch up after the last fault

    @property
    def skipped_by_agents(self) -> int:
        """Work an agent never did: a crossing never evaluated (the transitions
        that should follow it are missing, none is extra) and a mail without its
        action. Seen after a stream worker's restart: Faust's consumer, at the
        rebalance that follows, commits past records it had fetched and dropped
        (issue 14)."""
        skipped = self.mails_without_action
        if self.transitions_missing and not self.transitions_extra:
            skipped += self.transitions_missing
        return skipped

    @property
    def broken(self) -> int:
        return sum(
            (
                self.measurements_lost,
                self.measurements_twice,
                self.transitions_twice,
                self.transitions_missing,
                self.transitions_extra,
                self.mails_lost,
                self.mails_twice,
                self.mails_without_thread,
                self.mails_without_action,
                self.mails_acted_twice,
                self.sites_lost,
            )
        )


def _rows(store: ChdbStore, sql: str, **params: Any) -> list[Any]:
    return list(store.query(sql, params).rows)


def count(data_dir: Path, load: Load, rule_id: str, tally: Tally) -> None:
    """Read ClickHouse directly (the server is stopped) and check the invariants."""
    store = ChdbStore(str(data_dir / "chdb"), "vigil")
    try:
        stored = [
            int(r[0])
            for r in _rows(
                store,
                "SELECT toUnixTimestamp64Micro(ts) FROM vigil.measurements "
                "WHERE binding_id = toUUID({b:String})",
                b=load.ingest[0],
            )
        ]
        tally.measurements_acked = len(load.acked)
        tally.measurements_lost = len(load.acked - set(stored))
        tally.measurements_twice = len(stored) - len(set(stored))
        values = _rows(
            store,
            "SELECT value, toUnixTimestamp64Micro(ts) FROM vigil.measurements "
            "WHERE binding_id = toUUID({b:String}) ORDER BY ts",
            b=load.alerting[0],
        )
        # Each crossing, by its status and the time of the value that made it.
        expected: Counter[tuple[str, int]] = Counter()
        state = "resolved"
        for value, ts in values:
            if float(value) > 50 and state == "resolved":
                state = "active"
                expected[(state, int(ts))] += 1
            elif float(value) <= 50 and state == "active":
                state = "resolved"
                expected[(state, int(ts))] += 1
        rows = _rows(
            store,
            "SELECT toString(transition_id), status, toUnixTimestamp64Micro(at) "
            "FROM vigil.alert_transitions WHERE rule_id = {r:String}",
            r=rule_id,
        )
        ids = Counter(r[0] for r in rows)
        tally.transitions = len(ids)
        tally.transitions_twice = sum(n - 1 for n in ids.values())
        got = Counter({(status, int(at)) for _, status, at in rows})
        tally.crossings = sum(expected.values())
        tally.transitions_missing = sum((expected - got).values())
        tally.transitions_extra = sum((got - expected).values())
        mails = _rows(
            store,
            "SELECT message_id, mail_id FROM vigil.watcher_mails",
        )
        by_message = Counter(m for m, _ in mails)
        tally.mails = len(load.mails)
        tally.mails_lost = len(load.mails - set(by_message))
        tally.mails_twice = sum(n - 1 for n in by_message.values())
        threads = dict(
            _rows(
                store,
                "SELECT mail_id, any(thread_id) FROM vigil.watcher_thread_changes "
                "WHERE kind = 'message' AND mail_id IS NOT NULL GROUP BY mail_id",
            )
        )
        acted = Counter(
            dict(
                _rows(
                    store,
                    "SELECT thread_id, uniqExact(invocation_id) "
                    "FROM vigil.watcher_actions WHERE trigger_type = 'email_received' "
                    "AND thread_id IS NOT NULL GROUP BY thread_id",
                )
            )
        )
        for message_id, mail_id in mails:
            if message_id not in load.mails:
                continue  # in flight at a kill: not acknowledged, not counted
            thread = threads.get(mail_id)
            if thread is None:
                tally.mails_without_thread += 1
            elif acted[thread] == 0:
                tally.mails_without_action += 1
            elif acted[thread] > 1:
                tally.mails_acted_twice += 1
    finally:
        store.close()


def sites_listed(base: str, auth: dict[str, str]) -> set[str]:
    found: set[str] = set()
    offset = 0
    while True:
        r = httpx.get(
            f"{base}/api/v1/sites/",
            params={"limit": 1000, "offset": offset},
            headers=auth,
            timeout=30,
        )
        r.raise_for_status()
        page = r.json()["results"]
        found.update(s["id"] for s in page)
        if len(page) < 1000:
            return found
        offset += 1000


def run(
    data_dir: Path,
    faults: int,
    roles: tuple[str, ...] = ROLES,
    seed: int = 7,
    progress: Callable[[int, str], None] | None = None,
    catch_up_s: float = CATCH_UP_S,
) -> Tally:
    """``faults`` kills, the roles in turn, then the invariants."""
    t0 = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - kill moments, not secrets
    smtp_port = free_port()
    env = {**DEV_ENV, "VIGIL_SMTP_PORT": str(smtp_port)}
    server = DevServer(data_dir, env, own_group=True)
    server.start()
    try:
        load, rule_id = setup(server, smtp_port)
        tally = Tally()
        for n in range(faults):
            role = roles[n % len(roles)]
            fault(server, role, load, rng)
            tally.faults[role] += 1
            if progress is not None:
                progress(n + 1, role)
        try:
            catch_up(load, catch_up_s)
        except TimeoutError as ex:  # count what is there anyway, and say so
            tally.stuck = str(ex)
        listed = sites_listed(server.base, load.auth)
        tally.sites = len(load.sites)
        tally.sites_lost = len(load.sites - listed)
        server.stop()
    except BaseException:
        if server.proc is not None and server.proc.poll() is None:
            server.kill_group(broker=True)  # leave no vigil dev or broker behind
        raise
    count(data_dir, load, rule_id, tally)
    tally.seconds = time.perf_counter() - t0
    return tally


def report(tally: Tally) -> list[str]:
    faults = ", ".join(f"{role} {n}" for role, n in sorted(tally.faults.items()))
    verdict = "PASS" if not tally.broken and not tally.stuck else "FAIL"
    return [
        f"`vigil dev`, kill -9 under ingest, alert, mail and entity load: "
        f"{sum(tally.faults.values())} faults ({faults}) in {tally.seconds:.0f} s",
        f"Measurements: {tally.measurements_acked:,} acknowledged, "
        f"{tally.measurements_lost} lost, {tally.measurements_twice} stored twice",
        f"Alert transitions: {tally.transitions} projected for {tally.crossings} "
        f"crossings of the stored values; {tally.transitions_twice} projected twice, "
        f"{tally.transitions_missing} missing, {tally.transitions_extra} extra",
        f"Mails: {tally.mails} accepted, {tally.mails_lost} lost, "
        f"{tally.mails_twice} stored twice, {tally.mails_without_thread} without "
        f"their thread, {tally.mails_without_action} without their action, "
        f"{tally.mails_acted_twice} acted on twice",
        f"Sites: {tally.sites} acknowledged, {tally.sites_lost} lost",
        *(
            [f"Not caught up {CATCH_UP_S:.0f} s after the last fault: {tally.stuck}"]
            if tally.stuck
            else []
        ),
        f"-> {verdict}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--faults", type=int, default=100)
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    roles = tuple(r for r in args.roles.split(",") if r)
    if not roles or any(r not in ROLES for r in roles):
        parser.error(f"--roles: a comma-separated subset of {','.join(ROLES)}")

    def progress(n: int, role: str) -> None:
        print(f"fault {n}/{args.faults}: {role}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        tally = run(Path(tmp), args.faults, roles, args.seed, progress)
    lines = report(tally)
    print("\n".join(lines))
    if not args.no_record:
        record("faults", "\n".join(f"- {line}" for line in lines))
    sys.exit(1 if tally.broken or tally.stuck else 0)


if __name__ == "__main__":
    main()
