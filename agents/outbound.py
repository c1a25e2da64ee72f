"""Send webhooks without reaching private networks: the one guarded HTTP client.

Every outgoing webhook (custom tools, webhook channels, test fires) goes through
``post_json``: the URL is parsed once, its host resolved once, every address checked,
and the request sent to the checked address with the original name as ``Host`` and as
the TLS server name. Redirects are followed by hand, each hop checked the same way.
"""

from __future__ import annotations

import asyncio
import codecs
import functools
import hashlib
import hmac
import ipaddress
import json
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

USER_AGENT = "Vigil-Webhook/1"
MAX_URL_LENGTH = 2048
# Headers a caller's custom headers may not set: framing, routing and our signature.
PROTECTED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "accept-encoding",
        "x-vigil-signature",
        "x-vigil-timestamp",
    }
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+")
# AWS/Azure/GCP, AWS ECS, AWS IPv6, Alibaba, Oracle: never reachable, allowlist or not.
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "fd00:ec2::254",
        "100.100.100.200",
        "192.0.0.192",
    )
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class OutboundError(Exception):
    """A webhook could not be sent."""


class Refused(OutboundError):
    """The target is not allowed; the message is safe to show to API users."""


class DeliveryFailed(OutboundError):
    """The target was allowed but did not answer: connect error, timeout, redirects."""


@dataclass(frozen=True)
class OutboundPolicy:
    """What outgoing requests may reach and how long and how much they may take."""

    allow_hosts: frozenset[str] = frozenset()
    timeout_s: float = 10.0
    max_response_bytes: int = 65536
    max_redirects: int = 3
    resolver: Resolver | None = None
    tls_context: ssl.SSLContext | None = None


@dataclass(frozen=True)
class Delivery:
    """The answer of the final hop."""

    status: int
    body: str
    elapsed_ms: float
    url: str


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Vigil-Signature`` value: ``sha256=`` + HMAC of ``{timestamp}.{body}``."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is ours for this timestamp and body (constant time)."""
    expected = sign(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))


def check_url_syntax(url: str, *, field: str = "url") -> str:
    """The normalised URL, or ``Refused`` when it is not a plain http(s) URL."""
    return str(_parse(url, field))


async def post_json(
    url: str,
    payload: Any,
    *,
    headers: Mapping[str, str] | None = None,
    secret: str | None = None,
    policy: OutboundPolicy,
    field: str = "url",
) -> Delivery:
    """POST ``payload`` as JSON to ``url`` once the target has passed the policy."""
    target = _parse(url, field)
    request = _Request(
        method="POST",
        body=json.dumps(payload, separators=(",", ":"), allow_nan=False).encode(),
        user_headers=_user_headers(headers or {}),
        secret=secret,
        timestamp=int(time.time()),
    )
    started = time.monotonic()
    try:
        async with asyncio.timeout(policy.timeout_s):
            final, answer = await _follow(target, request, policy, field)
    except TimeoutError as ex:
        raise DeliveryFailed(f"{field} took longer than {policy.timeout_s:g} s") from ex
    elapsed_ms = (time.monotonic() - started) * 1000
    return Delivery(answer.status, answer.body, elapsed_ms, str(final))


@dataclass(frozen=True)
class _Request:
    method: str
    body: bytes
    user_headers: tuple[tuple[str, str], ...]
    secret: str | None
    timestamp: int

    def headers(self, host: str) -> httpx.Headers:
        """The headers for one hop: ours last, so nothing overrides them."""
        headers = httpx.Headers({"User-Agent": USER_AGENT})
        for name, value in self.user_headers:
            headers[name] = value
        headers["Host"] = host
        headers["Accept-Encoding"] = "identity"
        if self.body:
            headers["Content-Type"] = "application/json"
        if self.secret is not None:
            headers["X-Vigil-Timestamp"] = str(self.timestamp)
            headers["X-Vigil-Signature"] = sign(self.secret, self.timestamp, self.body)
        return headers

    def redirected(self, status: int, cross_origin: bool) -> _Request:
        """The next hop's request: 303 turns into GET; another origin gets none of
        the caller's custom headers (they may carry its credentials)."""
        method, body = ("GET", b"") if status == 303 else (self.method, self.body)
        kept = () if cross_origin else self.user_headers
        return replace(self, method=method, body=body, user_headers=kept)


@dataclass(frozen=True)
class _Answer:
    status: int
    body: str
    location: str | None


async def _follow(
    url: httpx.URL, request: _Request, policy: OutboundPolicy, field: str
) -> tuple[httpx.URL, _Answer]:
    label = field
    for _hop in range(policy.max_redirects + 1):
        addresses = await _checked_addresses(url, policy, label)
        answer = await _exchange(url, addresses, request, policy, label)
        if answer.location is None:
            return url, answer
        label = f"{field} redirect"
        following = _parse(str(url.join(answer.location)), label)
        cross_origin = (following.scheme, following.netloc) != (url.scheme, url.netloc)
        request = request.redirected(answer.status, cross_origin)
        url = following
    raise DeliveryFailed(f"{field} redirected more than {policy.max_redirects} times")


def _parse(url: str, field: str) -> httpx.URL:
    if len(url) > MAX_URL_LENGTH:
        raise Refused(f"{field} is longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as ex:
        raise Refused(f"{field} is not a valid URL") from ex
    if parsed.scheme not in ("http", "https"):
        raise Refused(f"{field} must use http or https")
    if parsed.userinfo:
        raise Refused(f"{field} must not carry credentials")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise Refused(f"{field} has an invalid port")
    host = _canonical_host(parsed.raw_host.decode("ascii").lower(), field)
    return parsed.copy_with(host=host, fragment=None)


def _canonical_host(host: str, field: str) -> str:
    """The host as a canonical IP or a plain DNS name; odd IPv4 forms made plain."""
    if not host:
        raise Refused(f"{field} has no host")
    literal = _ip_or_none(host)
    if literal is not None:
        return str(literal)
    if _NUMBER.fullmatch(host.rstrip(".").rsplit(".", 1)[-1]):
        # "127.1", "0x7f000001", "2130706433": resolvers read these as IPv4.
        try:
            return socket.inet_ntoa(socket.inet_aton(host.rstrip(".")))
        except OSError as ex:
            raise Refused(f"{field} has an invalid IPv4 address") from ex
    if len(host) > 253 or not _HOST_NAME.fullmatch(host):
        raise Refused(f"{field} has an invalid host name")
    return host


def _host(url: httpx.URL) -> str:
    """The host as sent on the wire: ASCII (IDNA), lower case, IPv6 unbracketed."""
    return url.raw_host.decode("ascii").lower()


def _ip_or_none(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _user_headers(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name) or _CONTROL.search(value) or not value.isascii():
            raise Refused(f"header {name!r} must be one line of printable ASCII")
    return tuple(
        (name, value)
        for name, value in headers.items()
        if name.lower() not in PROTECTED_HEADERS
    )


async def _checked_addresses(
    url: httpx.URL, policy: OutboundPolicy, field: str
) -> list[IPAddress]:
    """Every address of the URL's host, each one allowed by the policy."""
    addresses = await _addresses(url, policy, field)
    allowed_names, allowed_networks = _allowlist(policy.allow_hosts)
    for address in addresses:
        reason, exemptable = _refusal(address)
        exempt = _host(url).rstrip(".") in allowed_names or any(
            address in network for network in allowed_networks
        )
        if reason and not (exemptable and exempt):
            raise Refused(f"{field} resolves to {reason} ({address})")
    return addresses


async def _addresses(
    url: httpx.URL, policy: OutboundPolicy, field: str
) -> list[IPAddress]:
    host = _host(url)
    literal = _ip_or_none(host)
    if literal is not None:
        return [_unmapped(literal)]
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        found = await (policy.resolver or _system_resolver)(host, port)
    except OSError as ex:
        raise DeliveryFailed(f"{field} host {host} does not resolve") from ex
    if not found:
        raise DeliveryFailed(f"{field} host {host} does not resolve")
    addresses = [_ip_or_none(text) for text in found]
    if None in addresses:
        raise Refused(f"{field} resolves to an unreadable address")
    return [_unmapped(a) for a in addresses if a is not None]


async def _system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _unmapped(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) is its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _allowlist(
    allow_hosts: frozenset[str],
) -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names: set[str] = set()
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in allow_hosts:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return names, networks


def _refusal(address: IPAddress) -> tuple[str | None, bool]:
    """Why ``address`` is refused (None: it is not) and whether an allowlist may
    exempt it. Metadata, unspecified, multicast and reserved addresses never are."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason, exemptable = _refusal(embedded)
        if reason:
            return f"{reason} embedded in IPv6", exemptable
    checks: tuple[tuple[bool, str, bool], ...] = (
        (address in _METADATA, "a cloud metadata address", False),
        (address.is_unspecified, "an unspecified address", False),
        (address.is_multicast, "a multicast address", False),
        (address.is_loopback, "a loopback address", True),
        (address.is_link_local, "a link-local address", True),
        (address in _SHARED, "a shared (CGNAT) address", True),
        (address.is_reserved, "a reserved address", False),
        (address.is_private, "a private address", True),
        (not address.is_global, "a non-public address", True),
    )
    return next(((r, e) for hit, r, e in checks if hit), (None, False))


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address a 6to4 or Teredo address carries, if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    return address.teredo[1] if address.teredo else None


async def _exchange(
    url: httpx.URL,
    addresses: list[IPAddress],
    request: _Request,
    policy: OutboundPolicy,
    field: str,
) -> _Answer:
    """Send one hop to the first checked address that accepts a connection."""
    failure: httpx.HTTPError | None = None
    for address in addresses:
        try:
            return await _send(url, address, request, policy)
        except (httpx.ConnectError, httpx.ConnectTimeout) as ex:
            failure = ex
        except httpx.TimeoutException as ex:
            raise DeliveryFailed(f"{field} did not answer in time") from ex
        except httpx.HTTPError as ex:
            raise DeliveryFailed(f"{field} failed: {_describe(ex)}") from ex
    raise DeliveryFailed(f"{field} could not be reached: {_describe(failure)}")


async def _send(
    url: httpx.URL, address: IPAddress, request: _Request, policy: OutboundPolicy
) -> _Answer:
    host = _host(url)
    # A fresh client per hop: no pooled connection carries one name's TLS session
    # to another name, and no environment proxy sits between us and the address.
    async with (
        httpx.AsyncClient(
            timeout=policy.timeout_s,
            follow_redirects=False,
            trust_env=False,
            verify=policy.tls_context or _default_tls_context(),
        ) as client,
        client.stream(
            request.method,
            url.copy_with(host=str(address)),
            content=request.body or None,
            headers=request.headers(url.netloc.decode("ascii")),
            extensions={"sni_hostname": host},
        ) as response,
    ):
        location = response.headers.get("Location")
        if response.status_code in _REDIRECTS and location:
            return _Answer(response.status_code, "", location)
        raw = await _read_capped(response, policy.max_response_bytes)
        return _Answer(response.status_code, _decode(raw, response), None)


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
    """At most ``cap`` bytes of the body; the rest is never read."""
    chunks = bytearray()
    async for chunk in response.aiter_raw():
        chunks += chunk
        if len(chunks) >= cap:
            break
    return bytes(chunks[:cap])


def _decode(raw: bytes, response: httpx.Response) -> str:
    encoding = response.charset_encoding or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return raw.decode(encoding, errors="replace")


def _describe(error: Exception | None) -> str:
    return f"{type(error).__name__}: {error}"[:200]


@functools.cache
def _default_tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
