"""Faust's aiokafka transport with a short fetch wait.

Faust's worker consumer asks brokers to hold a fetch for up to 1.5 s (hard-coded).
Kafka answers a held fetch as soon as data arrives, but Tansu answers only when the
wait expires, so every hop through a Faust agent cost up to 1.5 s (measured: alert
latency p50 754 ms). Our own consumers use 5-50 ms; this transport gives Faust's
consumer :data:`FETCH_MAX_WAIT_MS`. Registered as the ``vigil://`` broker scheme.
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as driver

FETCH_MAX_WAIT_MS = 10


class ConsumerThread(driver.AIOKafkaConsumerThread):
    """The worker consumer, fetching with a short wait."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read at consumer.start()
        return consumer


class Consumer(driver.Consumer):
    """Faust's consumer on :class:`ConsumerThread`."""

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    """The aiokafka transport with :class:`Consumer`."""

    Consumer = Consumer


def register() -> None:
    """Make ``vigil://`` broker URLs use this transport."""
    from faust.transport.drivers import TRANSPORTS

    TRANSPORTS.aliases.setdefault("vigil", "streams.transport:Transport")
