"""A stock consumer decodes Vigil's topics with nothing but confluent-kafka and the
schema registry API that Vigil serves; and Kafka being down is a 503, not a lie."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from infra.broker import TansuBroker, free_port
from mnemos_client import MnemosClient

VIGIL = str(Path(sys.executable).with_name("vigil"))


def _serve(
    tmp_path: Path, port: int, bootstrap: str, prefix: str
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        {
            "VIGIL_KAFKA_BOOTSTRAP": bootstrap,
            "VIGIL_TOPIC_PREFIX": prefix,
            "VIGIL_REBALANCE_TIMEOUT_S": "1",
            "VIGIL_PRODUCE_TIMEOUT_MS": "3000",
            "VIGIL_AI_WARM": "false",
        }
    )
    log = (tmp_path / "vigil-dev.log").open("a")  # a pipe nobody reads would block
    return subprocess.Popen(
        [VIGIL, "dev", "--port", str(port), "--data-dir", str(tmp_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _ready(base: str, proc: subprocess.Popen[str]) -> None:
    for _ in range(300):
        assert proc.poll() is None, "vigil dev exited"
        try:
            if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("not ready")


def test_stock_consumer_decodes_measurements_and_broker_loss_is_503(
    tmp_path: Path,
) -> None:
    prefix = f"d{uuid.uuid4().hex[:6]}."
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with TansuBroker() as broker:
        proc = _serve(tmp_path, port, broker.bootstrap, prefix)
        try:
            _ready(base, proc)
            requests.post(
                f"{base}/api/auth/register",
                timeout=30,
                json={"email": "d@example.com", "password": "password1"},
            )
            client = MnemosClient.login(base, "d@example.com", "password1")
            token_raw = client.tokens.create(hardware_id="SIM-001", name="Dev Token")
            device = client.devices.create(hardware_id="SIM-001", display_name="S")
            binding = client.devices.create_binding(
                device["id"], 0, "temperature.celsius"
            )
            answer = client.ingest(
                token_raw=token_raw,
                hardware_id="SIM-001",
                measurements=[
                    {"binding_id": binding["id"], "value": 22.5},
                    {
                        "binding_id": binding["id"],
                        "value": "warm",
                        "timestamp": "2026-01-01T00:00:00Z",
                    },
                ],
            )
            assert answer["accepted"] == 2

            registry = SchemaRegistryClient({"url": f"{base}/api/v1/schema-registry"})
            deserialize = AvroDeserializer(registry)
            consumer = Consumer(
                {
                    "bootstrap.servers": broker.bootstrap,
                    "group.id": f"stock-{uuid.uuid4().hex[:6]}",
                    "auto.offset.reset": "earliest",
                }
            )
            topic = f"{prefix}vigil.measurements.v1"
            consumer.subscribe([topic])
            record = None
            deadline = time.monotonic() + 30
            while record is None and time.monotonic() < deadline:
                msg = consumer.poll(1.0)
                if msg is not None and msg.error() is None:
                    record = deserialize(
                        msg.value(), SerializationContext(topic, MessageField.VALUE)
                    )
            consumer.close()
            assert record is not None
            assert record["binding_ids"] == [binding["id"], binding["id"]]
            assert record["numbers"][0] == 22.5 and record["texts"][1] == "warm"
            assert record["hardware_id"] == "SIM-001"
            assert record["source"] == "ingest"  # measurement_batch.v2

            broker.stop()  # Kafka goes away: nothing may be claimed accepted
            r = requests.post(
                f"{base}/api/v1/ingest/",
                timeout=30,
                headers={"Authorization": f"Bearer {token_raw}"},
                json={
                    "hardware_id": "SIM-001",
                    "measurements": [{"binding_id": binding["id"], "value": 1}],
                },
            )
            assert r.status_code == 503, r.text
            assert r.headers["Retry-After"] and "error" in r.json()
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
