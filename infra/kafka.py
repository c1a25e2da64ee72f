"""Kafka clients: an idempotent confluent-kafka producer with an asyncio face, and
aiokafka consumer factories."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from confluent_kafka import KafkaError, Message, Producer

from infra import InfraError
from infra.settings import Settings


class BrokerUnavailable(InfraError):
    """Kafka did not acknowledge a write in time; nothing may be claimed written."""


@dataclass(frozen=True)
class Delivered:
    """Where an acknowledged message landed."""

    topic: str
    partition: int
    offset: int


class AsyncProducer:
    """confluent-kafka's idempotent producer (``acks=all``) awaited from asyncio."""

    def __init__(self, settings: Settings, **extra: Any) -> None:
        self._config = {
            "bootstrap.servers": settings.kafka_bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 2,
            "compression.type": "lz4",
            "message.timeout.ms": settings.produce_timeout_ms,
            "log_level": 3,
            **extra,
        }
        self._producer: Producer | None = None
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    def open(self) -> None:
        """Connect (the composition root builds producers before the broker runs)."""
        if self._producer is not None:
            return
        self._producer = Producer(self._config)
        self._poller = threading.Thread(
            target=self._poll, name="kafka-poll", daemon=True
        )
        self._poller.start()

    def _client(self) -> Producer:
        if self._producer is None:
            raise BrokerUnavailable("the producer is not started yet")
        return self._producer

    def _poll(self) -> None:
        producer = self._client()
        while not self._stop.is_set():
            producer.poll(0.05)

    async def send(
        self,
        topic: str,
        value: bytes,
        key: bytes | None = None,
        partition: int | None = None,
    ) -> Delivered:
        """Append one message and return where it landed once Kafka acknowledged it
        (``partition``: that partition rather than the key's)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Delivered] = loop.create_future()

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            result: Delivered | BaseException
            if err is not None:
                result = BrokerUnavailable(
                    f"Kafka did not accept the write: {err.str()}"
                )
            else:
                # A delivered message always has its topic, partition and offset.
                result = Delivered(
                    str(msg.topic()), int(msg.partition() or 0), int(msg.offset() or 0)
                )
            loop.call_soon_threadsafe(_settle, future, result)

        producer = self._client()
        try:
            if partition is None:
                producer.produce(topic, value, key, on_delivery=on_delivery)
            else:
                producer.produce(topic, value, key, partition, on_delivery=on_delivery)
        except BufferError as ex:
            raise BrokerUnavailable("the producer queue is full") from ex
        return await future

    def ping(self, timeout: float = 2.0) -> None:
        """Ask the cluster for metadata over this producer's connections (raises if
        it does not answer)."""
        self._client().list_topics(timeout=timeout)

    def flush(self, timeout: float = 10.0) -> int:
        """Wait for outstanding messages; return how many are still undelivered."""
        return int(self._client().flush(timeout)) if self._producer else 0

    def close(self) -> None:
        """Flush what is queued and stop the poll thread."""
        self.flush()
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=2)


def _settle(
    future: asyncio.Future[Delivered], result: Delivered | BaseException
) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


def request_timeout_ms(settings: Settings) -> int:
    """One request's timeout: the setting, but longer than a group join may take
    (a JoinGroup is answered only when the rebalance ends)."""
    floor = int(settings.rebalance_timeout_s * 2000) + 1000
    return max(floor, int(settings.kafka_request_timeout_s * 1000))


def consumer(
    settings: Settings, group: str | None = None, **extra: Any
) -> AIOKafkaConsumer:
    """Return an (unstarted) aiokafka consumer; offsets are committed by hand."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "rebalance_timeout_ms": int(settings.rebalance_timeout_s * 1000),
        "session_timeout_ms": max(6000, int(settings.rebalance_timeout_s * 2000)),
        "heartbeat_interval_ms": 1000,
        "request_timeout_ms": request_timeout_ms(settings),
    }
    if group is not None:
        options["group_id"] = f"{settings.consumer_group_prefix}-{group}"
    options.update(extra)
    return AIOKafkaConsumer(**options)
