"""Embed text with wordllama's bundled model: no download, loaded once per process.

``WordLlama.load()`` with its defaults (0.4.0.post1) finds the wheel's weights
(``wordllama/weights/l2_supercat_256.safetensors``) but looks for the tokenizer
under ``wordllama/tokenizer/`` while the wheel ships it in ``wordllama/tokenizers/``;
missing there and in ``~/.cache/wordllama``, it is downloaded from Hugging Face.
With ``cache_dir`` set to the package itself both files resolve to the wheel's
copies, and ``disable_download`` turns any miss into an error, never a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

CONFIG = "l2_supercat"
DIMENSION = 256  # the default (and bundled) width of l2_supercat
MODEL = f"wordllama/{CONFIG}_{DIMENSION}"

_LOCK = threading.Lock()
_model: Any = None


class EmbeddingError(Exception):
    """The bundled embedding model cannot be loaded."""


def model() -> Any:
    """The loaded model (``WordLlamaInference``), loaded on first use."""
    global _model
    if _model is None:
        with _LOCK:
            if _model is None:
                _model = _load()
    return _model


def warm() -> None:
    """Load the model now (call it off the event loop)."""
    model()


def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit-length embeddings, one row per text (a text with no token: zeros)."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    raw = np.asarray(model().embed(list(texts), norm=False), dtype=np.float32)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    unit: npt.NDArray[np.float32] = np.zeros_like(raw)
    np.divide(raw, norms, out=unit, where=norms > 0)
    return unit


def embed_one(text: str) -> tuple[float, ...]:
    """The unit-length embedding of one text."""
    return tuple(float(x) for x in embed([text])[0])


async def embed_async(text: str) -> tuple[float, ...]:
    """:func:`embed_one` in a worker thread (a 10,000-character text takes ms)."""
    return await asyncio.to_thread(embed_one, text)


def _load() -> Any:
    spec = util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise EmbeddingError("wordllama is not installed")
    with _root_logging_untouched():
        from wordllama import WordLlama
    package = Path(spec.origin).parent
    try:
        return WordLlama.load(
            CONFIG, cache_dir=package, dim=DIMENSION, disable_download=True
        )
    except (FileNotFoundError, ValueError) as ex:
        raise EmbeddingError(f"cannot load the bundled {MODEL}: {ex}") from ex


@contextlib.contextmanager
def _root_logging_untouched() -> Iterator[None]:
    """wordllama calls ``logging.basicConfig(level=INFO)`` at import: it would set
    up the whole process's logging. basicConfig does nothing while the root
    logger has a handler, so give it one for the import."""
    root = logging.getLogger()
    guard = logging.NullHandler()
    root.addHandler(guard)
    try:
        yield
    finally:
        root.removeHandler(guard)
