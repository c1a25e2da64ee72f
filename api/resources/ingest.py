"""``POST /api/v1/ingest/``: a gateway's batch becomes one MeasurementBatch event."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.auth import Principal, principal_of
from api.idempotency import IdempotencyCache
from api.ingest_columns import Submission, Verdict, fast_request, judge
from api.presence import Presence
from api.request import body_from, body_of, json_bytes_of
from api.validation import Body, ValidationError
from domain.clock import Clock, IdGenerator
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.isotime import to_micros
from domain.keys import hardware_key
from domain.states import Binding, Device
from infra.kafka import AsyncProducer
from infra.settings import Settings
from projections.measurements import MeasurementsProjection
from projections.progress import ProjectionProgress
from schemas.batch_codec import BatchHeader
from schemas.events import BatchSource
from schemas.topics import MEASUREMENTS_TOPIC

MODES = ("partial", "atomic")


class Ingest:
    """Accepts measurements for the gateway token's device, once Kafka has them (and,
    with ``VIGIL_ACK_AFTER=projection``, once ClickHouse has them too)."""

    auth = "gateway"

    def __init__(
        self,
        state: EntityState,
        producer: AsyncProducer,
        presence: Presence,
        clock: Clock,
        new_id: IdGenerator,
        settings: Settings,
        progress: ProjectionProgress | None = None,
    ) -> None:
        self.state = state
        self.producer = producer
        self.presence = presence
        self.clock = clock
        self.new_id = new_id
        self.progress = progress
        self.max_measurements = settings.ingest_max_measurements
        self.cache = IdempotencyCache()
        self.topic = settings.topic(MEASUREMENTS_TOPIC)

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        mode = req.get_param("mode") or "partial"
        if mode not in MODES:
            raise ValidationError("mode", "must be partial or atomic")
        submitted = await submission_of(req)
        limit = self.max_measurements
        if len(submitted.measurements) > limit:
            raise falcon.HTTPContentTooLarge(
                description=f"at most {limit} measurements per request"
            )
        device = self._device(who, submitted.hardware_id)
        key = req.get_header("Idempotency-Key")
        (status, answer), replayed = await self.cache.run(
            who.credential_id,
            key,
            lambda: self._accept(who, device, submitted, mode, key),
        )
        if replayed:
            resp.set_header("Idempotent-Replayed", "true")
        resp.status = status
        resp.media = answer

    def _device(self, who: Principal, hardware_id: str) -> Entity[Device]:
        if who.hardware_id and who.hardware_id != hardware_id:
            raise falcon.HTTPForbidden(
                description=f"this gateway token may only ingest for {who.hardware_id}"
            )
        device = self.state.held_by(Device, hardware_key(who.org_id, hardware_id))
        if device is None:
            raise falcon.HTTPNotFound(
                description=f"no device with hardware_id {hardware_id!r}"
            )
        return device

    async def _accept(
        self,
        who: Principal,
        device: Entity[Device],
        submitted: Submission,
        mode: str,
        key: str | None,
    ) -> tuple[str, dict[str, Any]]:
        now = self.clock()
        bindings = self.state.where(Binding, "device_id", device.entity_id)
        active = {b for b, e in bindings.items() if e.state.is_active}
        verdict = judge(submitted, active, now)
        if verdict.errors and (mode == "atomic" or not verdict.accepted):
            return falcon.HTTP_400, _refusal(verdict, mode)
        header = BatchHeader(
            self.new_id(),
            who.org_id,
            device.entity_id,
            device.state.hardware_id,
            to_micros(now),
            key,
            BatchSource.INGEST,
        )
        await self._append(header.device_id, verdict.record(header))
        self.presence.seen[device.entity_id] = now
        return falcon.HTTP_202, {
            "batch_id": header.batch_id,
            "device_id": device.entity_id,
            "accepted": verdict.accepted,
            "rejected": len(verdict.errors),
            "errors": verdict.errors,
        }

    async def _append(self, device_id: str, record: bytes) -> None:
        """Produce the batch, keyed by device; wait until it is stored if asked."""
        delivered = await self.producer.send(self.topic, record, key=device_id.encode())
        if self.progress is not None:
            await self.progress.wait_stored(
                MeasurementsProjection.name,
                delivered.topic,
                delivered.partition,
                delivered.offset,
            )


async def submission_of(req: falcon.asgi.Request) -> Submission:
    """The body's hardware id and measurements, decoded for the fast path when it
    can take them (the checks and their errors are the same either way)."""
    raw = await json_bytes_of(req)
    fast = fast_request(raw)
    if fast is not None:
        body = Body(
            {"hardware_id": fast.hardware_id, "measurements": fast.measurements}
        )
    else:
        body = await body_of(req) if raw is None else body_from(req, raw)
    hardware_id = body.string("hardware_id", required=True, max_len=128)
    measurements = body.data.get("measurements")
    if not isinstance(measurements, list) or not measurements:
        raise ValidationError("measurements", "must be a non-empty array")
    assert hardware_id is not None  # noqa: S101 - required
    return Submission(hardware_id, measurements, raw if fast is not None else None)


def _refusal(verdict: Verdict, mode: str) -> dict[str, Any]:
    reason = (
        "invalid measurements; nothing was stored"
        if mode == "atomic"
        else ("no valid measurements; nothing was stored")
    )
    return {
        "error": reason,
        "accepted": 0,
        "rejected": len(verdict.errors),
        "errors": verdict.errors,
    }
