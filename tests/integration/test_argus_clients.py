"""The reference's own Argus clients, run as written against a real server: the
Python one (requests, iter_lines) and the JavaScript one (fetch in Node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.integration.stack import Org, Stack

JS_CLIENT = """
const resp = await fetch(BASE + "/api/v1/ai/argus/message/", {
method: "POST",
headers: {
"Content-Type": "application/json",
"Authorization": "Bearer " + TOKEN
},
body: JSON.stringify({
message: "Build me a dashboard for pump station monitoring",
page_context: { page: "canvas" }
})
});
const reader = resp.body.getReader();
const dec = new TextDecoder();
let buf = "";
outer: while (true) {
const { done, value } = await reader.read();
if (done) break;
buf += dec.decode(value);
for (const line of buf.split("\\n\\n")) {
if (!line.startsWith("data: ")) continue;
const ev = JSON.parse(line.slice(6));
if (ev.event === "token") process.stdout.write(ev.text);
if (ev.event === "done") { console.log("\\nDone:", ev.conversation_id); break outer; }
}
buf = buf.slice(buf.lastIndexOf("\\n\\n") + 2);
}
"""


@pytest.fixture(scope="module")
def org(stack: Stack) -> Org:
    org = Org.register(stack.base)
    org.device("Pump 1", "vibration.acceleration.rms")
    return org


def test_the_reference_python_client_reads_tokens_and_done(org: Org) -> None:
    resp = requests.post(
        f"{org.base}/api/v1/ai/argus/message/",
        headers={"Authorization": f"Bearer {org.token}"},
        json={"message": "What is the current vibration level on Pump 1?"},
        stream=True,
        timeout=60,
    )
    tokens, conversation = [], None
    for line in resp.iter_lines():
        if not line or not line.startswith(b"data: "):
            continue
        ev = json.loads(line[6:])
        if ev["event"] == "token":
            tokens.append(ev["text"])
        elif ev["event"] == "done":
            conversation = ev["conversation_id"]
            break
    assert tokens and conversation
    listed = org.call("GET", "/api/v1/ai/argus/conversations/").json()
    assert conversation in [c["id"] for c in listed["conversations"]]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_reference_javascript_client_runs_in_node(org: Org, tmp_path: Path) -> None:
    script = tmp_path / "argus.mjs"
    script.write_text(
        f"const BASE = {json.dumps(org.base)};\n"
        f"const TOKEN = {json.dumps(org.token)};\n{JS_CLIENT}"
    )
    out = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    text, _, done = out.stdout.rpartition("\nDone: ")
    assert "dashboard" in text.lower()
    assert len(done.strip()) == 36  # the conversation's UUID
