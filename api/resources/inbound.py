"""``POST /api/inbound/{ingest_token}``: a raw mail forwarded by a mail service."""

from __future__ import annotations

import falcon
import falcon.asgi

from agents.mail import MailParseError
from agents.mailroom import Mailroom
from domain.errors import NotFound
from domain.isotime import iso


class Inbound:
    """Take a ``message/rfc822`` body for the watcher owning the token (no other
    credential: the token in the path is the address)."""

    auth = "public"

    def __init__(self, mailroom: Mailroom, max_bytes: int) -> None:
        self.mailroom = mailroom
        self.max_bytes = max_bytes

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, ingest_token: str
    ) -> None:
        watcher = self.mailroom.watcher_of_token(ingest_token)
        if watcher is None:
            raise NotFound("no watcher has this ingest token")
        raw = await req.stream.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise falcon.HTTPContentTooLarge(
                description=f"a mail may have at most {self.max_bytes} bytes"
            )
        if not raw.strip():
            raise falcon.HTTPBadRequest(description="the body must be a raw mail")
        try:
            mail = await self.mailroom.accept(watcher.entity_id, raw)
        except MailParseError as ex:
            raise falcon.HTTPBadRequest(description=f"not a mail: {ex}") from ex
        resp.status = falcon.HTTP_202
        resp.media = {
            "accepted": True,
            "watcher_id": watcher.entity_id,
            "mail_id": mail.mail_id,
            "message_id": mail.message_id,
            "received_at": iso(mail.received_at),
        }
