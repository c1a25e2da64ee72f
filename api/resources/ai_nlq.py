"""``POST /api/v1/ai/nlq/``: a question about the caller's data, answered by the
NLQ service (answer, the SQL that ran, chart data)."""

from __future__ import annotations

import falcon.asgi

from agents.nlq.service import NlqService
from api.auth import principal_of
from api.request import body_of

MAX_QUESTION = 1000


class Nlq:
    """Answer one natural-language question."""

    # A question only reads: a read-only API key may ask it.
    reads_only = True

    def __init__(self, service: NlqService) -> None:
        self.service = service

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        body = await body_of(req)
        question = body.string(
            "question", required=True, max_len=MAX_QUESTION, multiline=True
        )
        assert question is not None  # noqa: S101 - required
        answer = await self.service.ask(who.org_id, question)
        resp.media = answer.as_json()
