"""The guarded webhook client against real sockets: a small HTTP(S) server on
127.0.0.1, reached through the allowlist or an injected resolver."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from agents.outbound import (
    USER_AGENT,
    DeliveryFailed,
    OutboundPolicy,
    Refused,
    Resolver,
    _refusal,
    check_url_syntax,
    post_json,
    sign,
    verify,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
    from cryptography.x509 import Certificate

LOCAL = frozenset({"127.0.0.1"})


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b'{"ok":true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class HookServer:
    """A minimal HTTP/1.1 server that records each request and answers ``reply``."""

    def __init__(self, reply: Callable[[Seen], Reply], tls: ssl.SSLContext | None):
        self.reply = reply
        self.tls = tls
        self.seen: list[Seen] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(
            self._serve, "127.0.0.1", 0, ssl=self.tls
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            seen = await _read_request(reader)
            self.seen.append(seen)
            reply = self.reply(seen)
            await asyncio.sleep(reply.delay_s)
            writer.write(_response(reply))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Seen:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    first, *lines = head.split("\r\n")
    method, path, _version = first.split(" ")
    headers = {}
    for line in filter(None, lines):
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Seen(method, path, headers, body)


def _response(reply: Reply) -> bytes:
    lines = [f"HTTP/1.1 {reply.status} X", f"Content-Length: {len(reply.body)}"]
    lines += [f"{name}: {value}" for name, value in reply.headers.items()]
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode() + reply.body


ServerFactory = Callable[..., Awaitable[HookServer]]


@pytest.fixture
async def serve() -> AsyncIterator[ServerFactory]:
    servers: list[HookServer] = []

    async def make(
        reply: Callable[[Seen], Reply] = lambda _seen: Reply(),
        tls: ssl.SSLContext | None = None,
    ) -> HookServer:
        server = HookServer(reply, tls)
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()


def resolving(names: dict[str, str]) -> Resolver:
    """A resolver that knows ``names`` and asks the system for everything else."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in names:
            return [names[host]]
        infos = await asyncio.get_running_loop().getaddrinfo(host, port)
        return [str(info[4][0]) for info in infos]

    return resolve


def local_policy(**overrides: object) -> OutboundPolicy:
    values: dict[str, object] = {"allow_hosts": LOCAL, "timeout_s": 5.0}
    return OutboundPolicy(**{**values, **overrides})  # type: ignore[arg-type]


async def test_post_json_delivers_signed_json_to_an_allowed_host(
    serve: ServerFactory,
) -> None:
    server = await serve()
    url = f"http://127.0.0.1:{server.port}/hook?x=1"

    delivery = await post_json(
        url, {"alert": "hot", "value": 41.5}, secret="s3cret", policy=local_policy()
    )

    assert (delivery.status, delivery.body, delivery.url) == (200, '{"ok":true}', url)
    assert delivery.elapsed_ms > 0
    seen = server.seen[0]
    assert (seen.method, seen.path) == ("POST", "/hook?x=1")
    assert json.loads(seen.body) == {"alert": "hot", "value": 41.5}
    assert seen.headers["host"] == f"127.0.0.1:{server.port}"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["user-agent"] == USER_AGENT
    timestamp = int(seen.headers["x-vigil-timestamp"])
    assert verify("s3cret", timestamp, seen.body, seen.headers["x-vigil-signature"])


async def test_post_json_without_secret_sends_no_signature(
    serve: ServerFactory,
) -> None:
    server = await serve()
    await post_json(f"http://127.0.0.1:{server.port}/", [1], policy=local_policy())
    assert "x-vigil-signature" not in server.seen[0].headers
    assert "x-vigil-timestamp" not in server.seen[0].headers


async def test_custom_headers_cannot_override_host_length_or_signature(
    serve: ServerFactory,
) -> None:
    server = await serve()
    headers = {
        "Host": "evil.test",
        "content-length": "1",
        "X-Vigil-Signature": "sha256=forged",
        "x-vigil-timestamp": "1",
        "X-Team": "blue",
        "User-Agent": "custom/2",
    }
    await post_json(
        f"http://127.0.0.1:{server.port}/",
        {"a": 1},
        headers=headers,
        secret="k",
        policy=local_policy(),
    )
    seen = server.seen[0]
    assert seen.headers["host"] == f"127.0.0.1:{server.port}"
    assert seen.headers["content-length"] == str(len(seen.body))
    assert seen.headers["x-team"] == "blue"
    assert seen.headers["user-agent"] == "custom/2"
    timestamp = int(seen.headers["x-vigil-timestamp"])
    assert verify("k", timestamp, seen.body, seen.headers["x-vigil-signature"])


@pytest.mark.parametrize(
    "headers",
    [{"X-A": "v\r\nX-Injected: 1"}, {"X-A\r\nX-Injected": "1"}, {"X-A": "v\n"}],
)
async def test_header_with_line_break_is_refused(
    serve: ServerFactory, headers: dict[str, str]
) -> None:
    server = await serve()
    with pytest.raises(Refused, match="header"):
        await post_json(
            f"http://127.0.0.1:{server.port}/",
            {},
            headers=headers,
            policy=local_policy(),
        )
    assert server.seen == []


async def test_host_header_and_sni_carry_the_name_while_connecting_to_its_address(
    serve: ServerFactory,
) -> None:
    server = await serve()
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    policy = local_policy(
        allow_hosts=frozenset({"hooks.example.test"}), resolver=resolve
    )
    url = f"http://hooks.example.test:{server.port}/in"
    delivery = await post_json(url, {}, policy=policy)

    assert delivery.url == url
    assert server.seen[0].headers["host"] == f"hooks.example.test:{server.port}"
    assert calls == ["hooks.example.test"]


async def test_response_body_is_cut_at_the_size_cap(serve: ServerFactory) -> None:
    server = await serve(lambda _seen: Reply(body=b"a" * 1_000_000))
    delivery = await post_json(
        f"http://127.0.0.1:{server.port}/",
        {},
        policy=local_policy(max_response_bytes=1000),
    )
    assert delivery.body == "a" * 1000


async def test_slow_server_times_out(serve: ServerFactory) -> None:
    server = await serve(lambda _seen: Reply(delay_s=30))
    with pytest.raises(DeliveryFailed):
        await post_json(
            f"http://127.0.0.1:{server.port}/", {}, policy=local_policy(timeout_s=0.3)
        )


async def test_closed_port_fails_delivery() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DeliveryFailed, match="could not be reached"):
        await post_json(f"http://127.0.0.1:{port}/", {}, policy=local_policy())


async def test_unresolvable_host_fails_delivery() -> None:
    async def nowhere(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(DeliveryFailed, match="does not resolve"):
        await post_json(
            "http://nowhere.example.test/", {}, policy=OutboundPolicy(resolver=nowhere)
        )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "a loopback address (127.0.0.1)"),
        ("http://10.0.0.1/", "a private address (10.0.0.1)"),
        ("https://192.168.1.1:8443/", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("http://100.100.100.200/", "a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "a cloud metadata address"),
        ("http://[::1]/", "a loopback address (::1)"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address (127.0.0.1)"),
        ("http://100.64.0.1/", "a shared (CGNAT) address"),
        ("http://0.0.0.0/", "an unspecified address"),
        ("http://[::]/", "an unspecified address"),
        ("http://localhost/", "a loopback address"),
        ("http://127.1/", "a loopback address (127.0.0.1)"),
        ("http://0x7f000001/", "a loopback address (127.0.0.1)"),
        ("http://2130706433/", "a loopback address (127.0.0.1)"),
        ("http://127.0.0.1./", "a loopback address (127.0.0.1)"),
        ("http://[fe80::1]/", "a link-local address"),
        ("http://[fc00::1]/", "a private address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("http://255.255.255.255/", "a reserved address"),
        ("http://[2002:7f00:1::]/", "a loopback address embedded in IPv6"),
        ("http://[2002:a00:1::]/", "a private address embedded in IPv6"),
        (
            "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
            "a loopback address embedded in IPv6",
        ),
        ("http://[64:ff9b::7f00:1]/", "a reserved address"),
    ],
)
async def test_default_policy_refuses_non_public_targets(url: str, reason: str) -> None:
    with pytest.raises(Refused, match=r"^url resolves to ") as refused:
        await post_json(url, {}, policy=OutboundPolicy(timeout_s=2.0))
    assert reason in str(refused.value)


async def test_every_resolved_address_is_checked() -> None:
    async def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.5"]

    with pytest.raises(Refused, match=r"a private address \(10\.0\.0\.5\)"):
        await post_json(
            "http://mixed.example.test/", {}, policy=OutboundPolicy(resolver=mixed)
        )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "http://user:pass@example.com/",
        "http://user@example.com/",
        "http:///nohost",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://1.2.3.4.5/",
        "javascript:alert(1)",
        "example.com/hook",
        "http://" + "a" * 2100 + ".com/",
    ],
)
async def test_url_that_is_not_plain_http_is_refused(url: str) -> None:
    with pytest.raises(Refused):
        check_url_syntax(url)
    with pytest.raises(Refused):
        await post_json(url, {}, policy=OutboundPolicy())


def test_check_url_syntax_normalises_host_forms() -> None:
    assert check_url_syntax("HTTP://Hooks.Example.COM/a#frag") == (
        "http://hooks.example.com/a"
    )
    assert check_url_syntax("http://0x7f000001:81/") == "http://127.0.0.1:81/"
    assert check_url_syntax("http://[::FFFF:127.0.0.1]/") == "http://[::ffff:7f00:1]/"
    assert check_url_syntax("https://exämple.com/") == "https://xn--exmple-cua.com/"


def test_check_url_syntax_names_the_field() -> None:
    with pytest.raises(Refused, match="^webhook_url must use http or https$"):
        check_url_syntax("ftp://example.com/", field="webhook_url")


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "2002:808:808::"])
def test_public_addresses_pass_the_check(address: str) -> None:
    assert _refusal(ipaddress.ip_address(address)) == (None, False)


async def test_allowlisted_network_admits_its_addresses(serve: ServerFactory) -> None:
    server = await serve()
    policy = local_policy(allow_hosts=frozenset({"127.0.0.0/8"}))
    delivery = await post_json(f"http://127.0.0.1:{server.port}/", {}, policy=policy)
    assert delivery.status == 200


@pytest.mark.parametrize(
    ("allow", "url"),
    [
        ("169.254.0.0/16", "http://169.254.169.254/"),
        ("0.0.0.0/0", "http://0.0.0.0/"),
        ("0.0.0.0/0", "http://224.0.0.1/"),
        ("::/0", "http://[fd00:ec2::254]/"),
    ],
)
async def test_allowlist_never_admits_metadata_unspecified_or_multicast(
    allow: str, url: str
) -> None:
    with pytest.raises(Refused):
        await post_json(url, {}, policy=OutboundPolicy(allow_hosts=frozenset({allow})))


async def test_allowlisted_name_does_not_admit_other_names(
    serve: ServerFactory,
) -> None:
    server = await serve()
    policy = OutboundPolicy(
        allow_hosts=frozenset({"hooks.example.test"}),
        resolver=resolving({"other.example.test": "127.0.0.1"}),
    )
    with pytest.raises(Refused, match="loopback"):
        await post_json(f"http://other.example.test:{server.port}/", {}, policy=policy)
    assert server.seen == []


@pytest.mark.parametrize(
    "location", ["http://127.0.0.1:{port}/x", "http://localhost:{port}/"]
)
async def test_redirect_to_loopback_is_refused_before_any_request(
    serve: ServerFactory, location: str
) -> None:
    inner = await serve()
    outer = await serve(
        lambda _seen: Reply(302, headers={"Location": location.format(port=inner.port)})
    )
    policy = OutboundPolicy(
        allow_hosts=frozenset({"hooks.example.test"}),
        resolver=resolving({"hooks.example.test": "127.0.0.1"}),
    )
    with pytest.raises(Refused, match="^url redirect resolves to a loopback address"):
        await post_json(f"http://hooks.example.test:{outer.port}/", {}, policy=policy)
    assert len(outer.seen) == 1
    assert inner.seen == []


async def test_redirect_to_another_allowed_host_is_followed_with_the_signed_body(
    serve: ServerFactory,
) -> None:
    inner = await serve(lambda _seen: Reply(201, body=b"made"))
    outer = await serve(
        lambda _seen: Reply(
            307, headers={"Location": f"http://two.example.test:{inner.port}/y"}
        )
    )
    policy = OutboundPolicy(
        allow_hosts=frozenset({"one.example.test", "two.example.test"}),
        resolver=resolving(
            {"one.example.test": "127.0.0.1", "two.example.test": "127.0.0.1"}
        ),
    )
    delivery = await post_json(
        f"http://one.example.test:{outer.port}/",
        {"n": 1},
        headers={"Authorization": "Bearer for-one-only"},
        secret="k",
        policy=policy,
    )
    assert (delivery.status, delivery.body) == (201, "made")
    assert delivery.url == f"http://two.example.test:{inner.port}/y"
    seen = inner.seen[0]
    assert (seen.method, seen.body) == ("POST", b'{"n":1}')
    assert seen.headers["host"] == f"two.example.test:{inner.port}"
    assert "authorization" not in seen.headers
    timestamp = int(seen.headers["x-vigil-timestamp"])
    assert verify("k", timestamp, seen.body, seen.headers["x-vigil-signature"])


async def test_relative_redirect_keeps_custom_headers_and_303_turns_into_get(
    serve: ServerFactory,
) -> None:
    def reply(seen: Seen) -> Reply:
        if seen.path == "/start":
            return Reply(303, headers={"Location": "/result"})
        return Reply(body=b"done")

    server = await serve(reply)
    delivery = await post_json(
        f"http://127.0.0.1:{server.port}/start",
        {"n": 1},
        headers={"X-Team": "blue"},
        policy=local_policy(),
    )
    assert delivery.body == "done"
    second = server.seen[1]
    assert (second.method, second.path, second.body) == ("GET", "/result", b"")
    assert second.headers["x-team"] == "blue"


async def test_redirect_loop_stops_after_the_limit(serve: ServerFactory) -> None:
    server = await serve(lambda _seen: Reply(302, headers={"Location": "/again"}))
    with pytest.raises(DeliveryFailed, match="redirected more than 3 times"):
        await post_json(f"http://127.0.0.1:{server.port}/", {}, policy=local_policy())
    assert len(server.seen) == 4


async def test_https_verifies_the_certificate_against_the_url_host(
    serve: ServerFactory, tmp_path: Path
) -> None:
    server_tls, client_tls, sni_seen = _tls_pair(tmp_path, "hooks.example.test")
    server = await serve(tls=server_tls)
    policy = OutboundPolicy(
        allow_hosts=frozenset({"hooks.example.test", "other.example.test"}),
        resolver=resolving(
            {"hooks.example.test": "127.0.0.1", "other.example.test": "127.0.0.1"}
        ),
        tls_context=client_tls,
    )
    delivery = await post_json(
        f"https://hooks.example.test:{server.port}/", {}, policy=policy
    )
    assert delivery.status == 200
    assert sni_seen == ["hooks.example.test"]
    with pytest.raises(DeliveryFailed, match="certificate"):
        await post_json(f"https://other.example.test:{server.port}/", {}, policy=policy)
    assert len(server.seen) == 1


def _tls_pair(
    directory: Path, name: str
) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]]:
    """A server context with a certificate for ``name`` from a fresh CA, a client
    context trusting that CA, and the list the server records SNI names in."""
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    ca_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = _certificate("Vigil Test CA", ca_key, ca_key, "Vigil Test CA", is_ca=True)
    leaf = _certificate(name, leaf_key, ca_key, "Vigil Test CA", is_ca=False)
    (directory / "ca.pem").write_bytes(ca.public_bytes(Encoding.PEM))
    (directory / "leaf.pem").write_bytes(leaf.public_bytes(Encoding.PEM))
    (directory / "leaf.key").write_bytes(
        leaf_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(directory / "leaf.pem", directory / "leaf.key")
    sni_seen: list[str | None] = []
    server.sni_callback = lambda _sock, sni, _ctx: sni_seen.append(sni)
    client = ssl.create_default_context(cafile=directory / "ca.pem")
    return server, client, sni_seen


def _certificate(
    subject: str,
    key: EllipticCurvePrivateKey,
    issuer_key: EllipticCurvePrivateKey,
    issuer: str,
    *,
    is_ca: bool,
) -> Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), True)
    )
    if not is_ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def test_sign_and_verify_agree_and_reject_tampering() -> None:
    signature = sign("secret", 1_700_000_000, b'{"a":1}')
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify("secret", 1_700_000_000, b'{"a":1}', signature)
    assert not verify("secret", 1_700_000_001, b'{"a":1}', signature)
    assert not verify("secret", 1_700_000_000, b'{"a":2}', signature)
    assert not verify("other", 1_700_000_000, b'{"a":1}', signature)
    assert not verify("secret", 1_700_000_000, b'{"a":1}', "sha256=zz\u00e9")
