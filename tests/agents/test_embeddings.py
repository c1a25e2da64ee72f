"""The bundled embedding model: loaded with no network call, once, and useful."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from agents import embeddings

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter (nothing loaded yet) with every way out refused:
# name resolution, connect and create_connection record the attempt and raise.
_NO_NETWORK = """
import json, socket
import numpy as np
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args)[:120])
    raise OSError("network refused by the test")
socket.getaddrinfo = refuse
socket.create_connection = refuse
socket.socket.connect = refuse
socket.socket.connect_ex = refuse

from agents import embeddings
vectors = embeddings.embed(["Pump 2 bearing replaced", "pump bearing failure"])
ours = list(attempts)

from wordllama import WordLlama
try:
    WordLlama.load()  # the library's defaults, for contrast
    default = "loaded"
except FileNotFoundError as ex:
    default = str(ex)
print(json.dumps({
    "attempts": ours,
    "shape": list(vectors.shape),
    "norms": np.linalg.norm(vectors, axis=1).tolist(),
    "default_attempts": len(attempts) - len(ours),
    "default": default,
}))
"""


def test_loading_and_embedding_make_no_network_call(tmp_path: Path) -> None:
    # An empty HOME: nothing can come from ~/.cache/wordllama either.
    env = {"HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["attempts"] == []
    assert result["shape"] == [2, embeddings.DIMENSION]
    assert result["norms"] == pytest.approx([1.0, 1.0], abs=1e-5)
    # Why agents/embeddings.py does not call WordLlama.load() with its defaults:
    # they look for the bundled tokenizer in the wrong folder and download it.
    assert result["default_attempts"] > 0
    assert "huggingface" in result["default"]


def test_embeddings_are_unit_length_deterministic_and_meaningful() -> None:
    texts = [
        "Pump 2 bearing replaced Jan 2026",
        "pump bearing failure",
        "Quarterly fire drill held in building A",
    ]
    a, b = embeddings.embed(texts), embeddings.embed(texts)
    assert a.shape == (3, embeddings.DIMENSION) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, b)
    assert float(a[0] @ a[1]) > float(a[2] @ a[1]) + 0.2
    assert embeddings.embed_one(texts[0]) == pytest.approx(a[0].tolist(), abs=1e-6)


def test_a_text_without_tokens_is_a_zero_vector_not_nan() -> None:
    assert embeddings.embed_one("") == (0.0,) * embeddings.DIMENSION
    assert embeddings.embed([]).shape == (0, embeddings.DIMENSION)


def test_the_model_is_loaded_once_by_racing_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads: list[int] = []
    real = embeddings._load

    def counted() -> object:
        loads.append(1)
        return real()

    monkeypatch.setattr(embeddings, "_model", None)
    monkeypatch.setattr(embeddings, "_load", counted)
    start = threading.Barrier(8)
    seen: list[object] = []

    def use() -> None:
        start.wait()
        seen.append(embeddings.model())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(loads) == 1
    assert len(seen) == 8 and all(m is seen[0] for m in seen)
