"""A litellm custom provider that streams scripted chunks, for streaming tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

# Before litellm is imported: agents.llm selects the local cost map (else litellm
# downloads one at import).
import agents.llm  # noqa: F401

# isort: split
import litellm
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import GenericStreamingChunk

P = TypeVar("P", bound=CustomLLM)

# One scripted model call: chunks, pauses (seconds) and a failure to raise.
Step = list[GenericStreamingChunk | float | Exception]


class ScriptedStream(CustomLLM):
    """Stream one scripted step per call, noting in `log` each chunk as it is made
    and the end of each stream."""

    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log
        self.steps: list[Step] = []

    async def astreaming(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        for item in self.steps.pop(0):
            if isinstance(item, Exception):
                raise item
            if isinstance(item, float):
                await asyncio.sleep(item)
                continue
            what = "tool call" if item.get("tool_use") else "finish"
            self.log.append(f"model: {item['text'] or what}")
            yield item
        self.log.append("model: end")


@contextmanager
def serving(prefix: str, provider: P) -> Iterator[P]:
    """Serve `<prefix>/...` models with `provider` while the block runs."""
    item = {"provider": prefix, "custom_handler": provider}
    litellm.custom_provider_map.append(item)  # type: ignore[arg-type]
    try:
        yield provider
    finally:
        litellm.custom_provider_map.remove(item)  # type: ignore[arg-type]


def text(words: str) -> Step:
    """One chunk per word, each with its trailing space."""
    *firsts, last = words.split(" ")
    return [*(_chunk(word + " ") for word in firsts), _chunk(last)]


def tool_piece(
    index: int, call_id: str | None, name: str | None, arguments: str
) -> GenericStreamingChunk:
    """A piece of one tool call: its id and name come with the first piece only."""
    piece = {"id": call_id, "type": "function", "index": index}
    function = {"name": name, "arguments": arguments}
    return _chunk("", tool_use=piece | {"function": function})


def finish(reason: str, prompt: int, completion: int) -> GenericStreamingChunk:
    """The last chunk: the finish reason and the call's usage."""
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    return GenericStreamingChunk(
        text="",
        is_finished=True,
        finish_reason=reason,
        usage=usage,  # type: ignore[typeddict-item]
        index=0,
        tool_use=None,
    )


def _chunk(words: str, tool_use: Any = None) -> GenericStreamingChunk:
    return GenericStreamingChunk(
        text=words,
        is_finished=False,
        finish_reason="",
        usage=None,
        index=0,
        tool_use=tool_use,
    )
