"""Faust wiring of watchers: mail threading, triggers, the schedule clock and the
bridge from platform alerts.

- ``watcher-mail`` reads ``vigil.mail.v1``: assigns each mail its thread (the
  thread index of the watcher is a table), appends the thread change and fires
  an ``email_received`` trigger.
- ``watcher-triggers`` reads ``vigil.watcher-triggers.v1``: runs the watcher's
  agent once per trigger id (the schedule table remembers what ran), and folds
  ``clock`` checks into silence and scheduled-tick triggers.
- ``watcher-alert-bridge`` reads ``vigil.alerts.v1``: an alert that fires on a
  site, device or rule a watcher subscribes to becomes its ``platform_alert``.
- The ``watcher-clock`` timer (leader only) sends every active watcher a check.

All topics are keyed by watcher id, so one watcher's mails and triggers are
handled in order by the worker owning its partition. Delivery is at least once;
every emitted fact has an id derived from its source, so a redelivery re-sends the
same ids and reads keep one of each.
"""

from __future__ import annotations

import asyncio
import logging

import faust
import orjson

from agents.investigator import Investigator
from agents.threads import (
    ThreadIndex,
    assign_thread,
    index_from_history,
    thread_id_for,
)
from agents.watcher_runtime import WatcherRuntime
from domain.clock import Clock
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.isotime import iso
from domain.states import Device, Watcher
from domain.watchers import hears
from infra.kafka import AsyncProducer, BrokerUnavailable
from infra.settings import Settings
from projections.watcher_reads import thread_history
from schemas.alerts import decode_transition, transition_json
from schemas.codec import decode_or_skip
from schemas.topics import ALERTS_TOPIC, MAIL_TOPIC, WATCHER_TRIGGERS_TOPIC
from schemas.watcher_facts import (
    Fact,
    MailReceived,
    ThreadChanged,
    WatcherTriggered,
    decode_mail,
    decode_trigger,
    stable_id,
)
from streams.watcher_io import alert_detail, aware, epoch, parsed, send_facts
from streams.watcher_schedule import Schedule, due, mail_seen, ran

log = logging.getLogger(__name__)


class WatcherAgents:
    """The watchers' agents, tables and clock on one Faust app."""

    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        state: EntityState,
        producer: AsyncProducer,
        runtime: WatcherRuntime,
        clock: Clock,
        investigator: Investigator | None = None,
    ) -> None:
        self.investigator = investigator
        self.settings = settings
        self.state = state
        self.producer = producer
        self.runtime = runtime
        self.clock = clock
        n = settings.topic_partitions
        self.index = app.Table("watcher-thread-index", default=None, partitions=n)
        self.schedules = app.Table("watcher-schedule", default=None, partitions=n)
        for topic, name, handler in (
            (MAIL_TOPIC, "watcher-mail", self.on_mails),
            (WATCHER_TRIGGERS_TOPIC, "watcher-triggers", self.on_triggers),
            (ALERTS_TOPIC, "watcher-alert-bridge", self.on_alerts),
        ):
            source = app.topic(
                settings.topic(topic),
                key_type=bytes,
                value_type=bytes,
                key_serializer="raw",
                value_serializer="raw",
            )
            app.agent(source, name=name)(handler)
        app.timer(settings.watcher_clock_s, on_leader=True, name="watcher-clock")(
            self.clock_all
        )

    async def on_mails(self, stream: faust.StreamT[bytes]) -> None:
        """Thread each mail and fire its trigger."""
        async for event in stream.events():
            msg = event.message
            mail = decode_or_skip(decode_mail, msg.value, msg.offset, "mail")
            if mail is not None:
                await self._thread(mail)

    async def _thread(self, mail: MailReceived) -> None:
        index = await self._index(mail.org_id, mail.watcher_id)
        thread_id, _, after = assign_thread(
            index,
            parsed(mail),
            lambda message_id: thread_id_for(mail.watcher_id, message_id),
        )
        change = ThreadChanged(
            change_id=stable_id("tc_", mail.mail_id),
            thread_id=thread_id,
            watcher_id=mail.watcher_id,
            org_id=mail.org_id,
            kind="message",
            at=mail.received_at,
            subject=mail.subject,
            mail_id=mail.mail_id,
            sender=mail.sender,
        )
        detail = {
            "from": mail.sender,
            "from_name": mail.sender_name,
            "subject": mail.subject,
            "text": mail.text[:4000],
            "attachments": [a.name for a in mail.attachments],
            "thread_id": thread_id,
        }
        trigger = WatcherTriggered(
            trigger_id=stable_id("tr_", mail.mail_id),
            watcher_id=mail.watcher_id,
            org_id=mail.org_id,
            type="email_received",
            at=mail.received_at,
            thread_id=thread_id,
            mail_id=mail.mail_id,
            detail=orjson.dumps(detail).decode(),
        )
        await self._send(change, trigger)
        if after is not index:
            self.index[mail.watcher_id] = after.to_dict()

    async def _index(self, org_id: str, watcher_id: str) -> ThreadIndex:
        """The watcher's thread index; rebuilt from ClickHouse when its table entry
        is missing (a broker that kept topics in memory lost the changelog)."""
        stored = self.index.get(watcher_id)
        if stored is not None:
            return ThreadIndex.from_dict(stored)
        history, _ = await thread_history(self.runtime.store, org_id, watcher_id)
        return index_from_history(history)

    async def _schedule(self, org_id: str, watcher_id: str) -> Schedule:
        """The watcher's schedule; a missing one resumes from its last stored mail."""
        stored = self.schedules.get(watcher_id)
        if stored is not None:
            return Schedule.from_dict(stored)
        _, last = await thread_history(self.runtime.store, org_id, watcher_id, 1)
        return Schedule(last_mail_at=None if last is None else aware(last).timestamp())

    async def on_triggers(self, stream: faust.StreamT[bytes]) -> None:
        """Run each trigger once; fold clock checks into due triggers."""
        async for event in stream.events():
            msg = event.message
            trigger = decode_or_skip(decode_trigger, msg.value, msg.offset, "trigger")
            if trigger is not None:
                await self._trigger(trigger)

    async def _trigger(self, trigger: WatcherTriggered) -> None:
        wid = trigger.watcher_id
        schedule = await self._schedule(trigger.org_id, wid)
        watcher = await self._watcher(wid)
        if trigger.type == "clock":
            if watcher is not None:
                await self._check(watcher, schedule, trigger)
            return
        if trigger.type == "email_received":
            schedule = mail_seen(schedule, trigger.at.timestamp())
        if trigger.trigger_id in schedule.done:
            return
        if watcher is not None and watcher.state.status == "active":
            await self._run(watcher, trigger)
        self.schedules[wid] = ran(schedule, trigger.trigger_id).to_dict()

    async def _run(self, watcher: Entity[Watcher], trigger: WatcherTriggered) -> None:
        detail = orjson.loads(trigger.detail or "{}")
        try:
            await self.runtime.on_trigger(
                watcher,
                trigger.trigger_id,
                {"type": trigger.type, "at": iso(trigger.at), **detail},
                trigger.thread_id,
            )
        except BrokerUnavailable:
            raise  # not recorded: the redelivery runs it again
        except Exception:  # one failing run must not stop the watchers' stream
            log.exception("watcher %s: run of %s failed", watcher.entity_id, trigger)

    async def _check(
        self, watcher: Entity[Watcher], schedule: Schedule, clock: WatcherTriggered
    ) -> None:
        created_s = epoch(watcher.state.created_at)
        fired, after = due(schedule, watcher.state, created_s, clock.at.timestamp())
        triggers = [
            WatcherTriggered(
                trigger_id=stable_id("tr_", watcher.entity_id, d.type, d.key),
                watcher_id=watcher.entity_id,
                org_id=watcher.org_id,
                type=d.type,
                at=clock.at,
                detail=orjson.dumps(d.detail).decode(),
            )
            for d in fired
        ]
        await self._send(*triggers)
        if after != schedule:
            self.schedules[watcher.entity_id] = after.to_dict()

    async def on_alerts(self, stream: faust.StreamT[bytes]) -> None:
        """Bridge fired platform alerts to the watchers subscribed to them."""
        async for event in stream.events():
            msg = event.message
            alert = decode_or_skip(decode_transition, msg.value, msg.offset, "alert")
            if alert is None or alert.status != "active":
                continue
            if self.investigator is not None and alert.severity == "critical":
                await self.investigator.start(
                    alert.org_id,
                    "alert",
                    f"{alert.rule_name} on {alert.device}",
                    key=alert.transition_id,
                    alert_event_id=alert.event_id,
                    device_id=alert.device_id,
                    alert=transition_json(alert),
                )
            device = self.state.get(Device, alert.device_id or "")
            site_id = device.state.site_id if device is not None else None
            watchers = self.state.in_org(Watcher, alert.org_id).values()
            detail = orjson.dumps(alert_detail(alert)).decode()
            await self._send(
                *(
                    WatcherTriggered(
                        trigger_id=stable_id("tr_", alert.transition_id, w.entity_id),
                        watcher_id=w.entity_id,
                        org_id=w.org_id,
                        type="platform_alert",
                        at=alert.at,
                        detail=detail,
                    )
                    for w in watchers
                    if hears(
                        w.state, site_id, alert.device_id, alert.rule_id, alert.severity
                    )
                )
            )

    async def clock_all(self) -> None:
        """Send every active watcher a schedule check (its partition folds it)."""
        now = self.clock()
        checks = [
            WatcherTriggered(
                trigger_id=f"clock-{w.entity_id}-{now.timestamp():.6f}",
                watcher_id=w.entity_id,
                org_id=w.org_id,
                type="clock",
                at=now,
            )
            for w in self.state.of_type(Watcher).values()
            if w.state.status == "active"
        ]
        try:
            await self._send(*checks, retry=False)
        except BrokerUnavailable as ex:
            log.warning("watcher clock not sent: %s", ex)

    async def _watcher(self, watcher_id: str) -> Entity[Watcher] | None:
        """The live watcher; a just-created one may take the read model a moment."""
        for _ in range(20):
            watcher = self.state.get(Watcher, watcher_id)
            if watcher is not None:
                return watcher
            await asyncio.sleep(0.05)
        return None

    async def _send(self, *facts: Fact, retry: bool = True) -> None:
        await send_facts(self.producer, self.settings, facts, retry=retry)
