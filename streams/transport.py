"""Faust's aiokafka transport with a short fetch wait.

Faust's worker consumer asks brokers to hold a fetch for up to 1.5 s (hard-coded).
Kafka answers a held fetch as soon as data arrives, but Tansu answers only when the
wait expires, so every hop through a Faust agent cost up to 1.5 s (measured: alert
latency p50 754 ms). Our own consumers use 5-50 ms; this transport gives Faust's
consumer :data:`FETCH_MAX_WAIT_MS` while records flow and VIGIL_FETCH_IDLE_WAIT_MS
once it has been quiet a while (:class:`infra.consumer.Pace`). Registered as the
``vigil://`` broker scheme.
"""

from __future__ import annotations

import logging
from typing import Any

from faust.transport.drivers import aiokafka as driver

from infra.consumer import Pace, set_fetch_wait

log = logging.getLogger(__name__)
FETCH_MAX_WAIT_MS = 10


class ConsumerThread(driver.AIOKafkaConsumerThread):
    """The worker consumer, fetching with a short wait."""

    pace = Pace(FETCH_MAX_WAIT_MS)  # the idle wait is set by register()
    # Topics a clock writes to every second or so (the alert clock's ticks): their
    # records alone do not make the consumer busy.
    clock_topics: frozenset[str] = frozenset()

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = self.pace.wait_ms()  # read at consumer.start()
        return consumer

    async def _fetch_records(self, consumer: Any, *args: Any, **kwargs: Any) -> Any:
        set_fetch_wait(consumer, self.pace.wait_ms())
        records = await super()._fetch_records(consumer, *args, **kwargs)
        # Faust maps partitions to (maybe empty) lists.
        if any(v for tp, v in records.items() if tp.topic not in self.clock_topics):
            self.pace.touch()
        return records


class Consumer(driver.Consumer):
    """Faust's consumer on :class:`ConsumerThread`, saying when it skips records.

    Faust treats a jump in the offsets it reads as a gap and later commits past
    it; after a stream worker restart such a jump has skipped records no agent
    saw (issue 14), so each one is logged as a warning."""

    async def _add_gap(self, tp: Any, offset_from: int, offset_to: int) -> None:
        log.warning(
            "Faust read %s[%s] from offset %s on: offsets %s-%s were not handed "
            "to the agents",
            tp.topic,
            tp.partition,
            offset_to,
            offset_from,
            offset_to - 1,
        )
        await super()._add_gap(tp, offset_from, offset_to)

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    """The aiokafka transport with :class:`Consumer`."""

    Consumer = Consumer


def register(
    idle_wait_ms: int | None = None, clock_topics: frozenset[str] = frozenset()
) -> None:
    """Make ``vigil://`` broker URLs use this transport."""
    from faust.transport.drivers import TRANSPORTS

    ConsumerThread.pace = Pace(FETCH_MAX_WAIT_MS, idle_wait_ms)
    ConsumerThread.clock_topics = clock_topics
    TRANSPORTS.aliases.setdefault("vigil", "streams.transport:Transport")
