"""Read every Vigil setting from ``VIGIL_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from infra import InfraError


class SettingsError(InfraError):
    """A ``VIGIL_*`` variable holds a value that cannot be used."""


def _doc(default: Any, text: str) -> Any:
    return field(default=default, metadata={"doc": text})


ACK_AFTER = ("kafka", "projection")


@dataclass(frozen=True)
class Settings:
    """All settings; each field ``x`` is read from ``VIGIL_X``."""

    data_dir: Path = _doc(Path(".vigil"), "Where the embedded stack keeps its data.")
    host: str = _doc("127.0.0.1", "Address the API listens on.")
    port: int = _doc(8000, "Port the API listens on.")
    workers: int = _doc(
        1,
        "gunicorn API worker processes (chDB stays in the stream worker; each keeps "
        "its own Idempotency-Key memory, rate-limit counters and backfill progress).",
    )
    log_level: str = _doc("info", "Log level: debug, info, warning, error.")
    kafka_bootstrap: str = _doc(
        "", "Kafka bootstrap servers; empty starts the embedded Tansu broker."
    )
    broker_port: int = _doc(
        9092,
        "Port of vigil dev's embedded Kafka broker on 127.0.0.1 (0: any free port; "
        "when the default is taken, a free one is used and printed).",
    )
    tansu_bin: str = _doc("", "Explicit path of the tansu binary for the broker.")
    topic_prefix: str = _doc("", "Prefix on every topic name (shared clusters, tests).")
    topic_partitions: int = _doc(4, "Partitions of the partitioned topics.")
    fetch_idle_wait_ms: int = _doc(
        100,
        "How long a quiet consumer lets the broker hold a fetch (Tansu answers one "
        "only when the wait ends); 0 keeps every consumer at its short wait: the "
        "least latency after a quiet spell, the most idle CPU.",
    )
    produce_timeout_ms: int = _doc(
        10_000, "How long a write waits for Kafka before answering 503."
    )
    ack_after: str = _doc(
        "kafka",
        "When a write is acknowledged: kafka (the cluster has it, acks=all) or "
        "projection (ClickHouse has it too: survives losing a memory-only broker; "
        "vigil dev sets it with its embedded broker).",
    )
    clickhouse_url: str = _doc(
        "",
        "ClickHouse server URL (http://user:pass@host:8123), or unix:///path of the "
        "socket of the process owning chDB; empty uses chDB in this process.",
    )
    clickhouse_database: str = _doc("vigil", "ClickHouse database of the projections.")
    store_socket: str = _doc(
        "",
        "vigil worker: serve its embedded chDB on this Unix socket (vigil dev sets "
        "it; its API processes reach chDB there).",
    )
    projection_batch_rows: int = _doc(50_000, "Rows that make a projector flush.")
    projection_flush_ms: int = _doc(200, "Longest a projected row waits in a buffer.")
    consumer_group_prefix: str = _doc("vigil", "Prefix of consumer group ids.")
    kafka_request_timeout_s: float = _doc(
        10.0,
        "How long a Kafka client waits for one answer before retrying (a fetch the "
        "broker never answers stalls a consumer this long at most).",
    )
    rebalance_timeout_s: float = _doc(
        3.0, "Consumer-group rebalance timeout (Tansu waits it at first join)."
    )
    write_timeout_s: float = _doc(
        10.0, "How long a write waits to see itself in the read model."
    )
    max_body_bytes: int = _doc(4 * 1024 * 1024, "Largest accepted request body.")
    body_timeout_s: float = _doc(
        30.0,
        "Longest a request body may take to arrive, counted from its headers; a "
        "body still incomplete then is answered 408 and its connection closed.",
    )
    cors_origins: str = _doc(
        "",
        "Origins (scheme://host[:port], space- or comma-separated, or *) whose "
        "browser pages may call the API with a Bearer credential; empty: none. "
        "CORS preflights never need a credential.",
    )
    metrics_enabled: bool = _doc(
        False, "Serve GET /metrics (Prometheus); off, /metrics is 404."
    )
    metrics_token: str = _doc(
        "",
        "Bearer token GET /metrics requires (setting it also turns /metrics on); "
        "empty with VIGIL_METRICS_ENABLED: /metrics open, for a private network.",
    )
    jwt_secret: str = _doc(
        "", "JWT signing secret; empty: generated once into the data directory."
    )
    rate_limit_per_s: float = _doc(50.0, "Requests per second per credential.")
    rate_limit_burst: int = _doc(200, "Burst size of the per-credential limit.")
    auth_rate_limit_per_s: float = _doc(
        5.0, "Login/register/refresh requests per second per client address."
    )
    auth_rate_limit_burst: int = _doc(30, "Burst size of the login limit.")
    online_window_s: float = _doc(
        300.0, "A device seen within this many seconds is online."
    )
    raw_retention_days: int = _doc(90, "Days raw measurements are kept (0: forever).")
    rollup_1m_retention_days: int = _doc(400, "Days 1-minute rollups are kept.")
    rollup_1h_retention_days: int = _doc(
        0, "Days 1-hour rollups are kept (0: forever)."
    )
    ingest_max_measurements: int = _doc(10_000, "Most measurements in one request.")
    ingest_rate_limit_per_s: float = _doc(
        200.0, "Ingest requests per second per gateway token."
    )
    ingest_rate_limit_burst: int = _doc(400, "Burst size of the ingest limit.")
    explorer_max_series: int = _doc(50, "Most binding ids in one explorer query.")
    canvas_max_range_days: int = _doc(
        400, "Longest time range a shared dashboard's public query may ask for."
    )
    canvas_public_rate_per_s: float = _doc(
        10.0,
        "Requests per second to a dashboard's public link, per share token and "
        "per client address (each its own bucket).",
    )
    canvas_public_burst: int = _doc(100, "Burst size of the public dashboard limits.")
    canvas_frame_ancestors: str = _doc(
        "*",
        "Who may embed public dashboards in a frame: the CSP frame-ancestors "
        "sources, space-separated (e.g. https://portal.example.com, or 'none').",
    )
    faust_enabled: bool = _doc(True, "Run the Faust app inside the API process.")
    projectors_enabled: bool = _doc(True, "Run the projectors inside the API process.")
    alert_tick_s: float = _doc(
        1.0, "Alert clock: how often pending, for-duration and no-data rules re-check."
    )
    sse_heartbeat_s: float = _doc(
        15.0, "Idle SSE connections get a comment this often."
    )
    sse_client_buffer: int = _doc(
        1000, "Alert events queued per SSE client; a client further behind is dropped."
    )
    sse_replay_events: int = _doc(
        10_000, "Recent alert events kept in memory for Last-Event-ID replay."
    )
    sse_max_streams: int = _doc(
        10_000,
        "Live alert streams one API process holds at once; one more is a 503 with "
        "Retry-After (~26 KiB of memory each).",
    )
    sse_max_streams_per_org: int = _doc(
        1_000,
        "Live alert streams one org holds on one API process; one more is a 429 "
        "with Retry-After.",
    )
    # Watchers: inbox, agents, outgoing calls.
    inbox_enabled: bool = _doc(
        True, "Run the SMTP inbox in this process (vigil dev: in the stream worker)."
    )
    smtp_host: str = _doc("127.0.0.1", "Address the SMTP inbox listens on.")
    smtp_port: int = _doc(2525, "Port of the SMTP inbox (0: any free port).")
    mail_domain: str = _doc("vigil.run", "Domain of the watchers' ingestion addresses.")
    mail_max_bytes: int = _doc(
        10 * 1024 * 1024, "Largest accepted mail (SMTP answers 552 above it)."
    )
    smtp_relay: str = _doc(
        "",
        "Where email channels send: smtp://user:pass@host:port (smtps://, "
        "smtp+starttls://); empty: the local outbox file.",
    )
    outbox_path: Path = _doc(
        Path(""),
        "mbox file of outgoing mail with no relay (default: data/outbox.mbox).",
    )
    llm_model: str = _doc(
        "gpt-4.1-mini", "Model of new watchers: any litellm model string."
    )
    llm_fallback: str = _doc(
        "vigil/offline",
        "Model that runs when the chosen one's provider has no credentials.",
    )
    llm_prices: str = _doc(
        "",
        "Custom per-token prices: model=input_usd/output_usd,… (e.g. "
        "ollama/llama3=0.0000001/0.0000002).",
    )
    ai_warm: bool = _doc(
        True,
        "Import litellm and load the embedding model in the background at start, "
        "so the first AI request does not wait seconds; false saves that CPU and "
        "memory on processes that serve no AI (loaded on first use then).",
    )
    agent_max_steps: int = _doc(6, "Most model calls in one agent invocation.")
    agent_max_tokens: int = _doc(16_000, "Most tokens one invocation may use.")
    agent_timeout_s: float = _doc(60.0, "Longest one agent invocation may run.")
    nlq_model: str = _doc(
        "vigil/offline",
        "Model of natural-language queries (POST /api/v1/ai/nlq/): any litellm "
        "model string; without its provider's credentials VIGIL_LLM_FALLBACK runs.",
    )
    nlq_max_rows: int = _doc(
        1000, "Most rows one NLQ query returns (a larger or missing LIMIT is lowered)."
    )
    nlq_max_rows_to_read: int = _doc(
        50_000_000, "Most rows one NLQ query may read in ClickHouse."
    )
    nlq_max_execution_s: int = _doc(10, "Longest one NLQ query may run in ClickHouse.")
    nlq_max_memory_bytes: int = _doc(
        1_000_000_000, "Most memory one NLQ query may use in ClickHouse."
    )
    nlq_max_steps: int = _doc(4, "Most model calls in one NLQ question.")
    nlq_timeout_s: float = _doc(30.0, "Longest one NLQ question may take.")
    watcher_clock_s: float = _doc(
        30.0, "How often silence and scheduled ticks are checked."
    )
    webhook_allow_hosts: str = _doc(
        "",
        "Comma-separated hosts or CIDRs webhooks may reach although private "
        "(on-premise); everything else private is refused.",
    )
    webhook_timeout_s: float = _doc(10.0, "Timeout of one outgoing webhook call.")
    investigate_critical: bool = _doc(
        True,
        "Start an investigation (a background agent job) for every critical alert.",
    )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, **overrides: Any
    ) -> Settings:
        """Build settings from ``VIGIL_*`` variables, then apply ``overrides``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"VIGIL_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _parse(f.name, type(f.default), raw)
        settings = replace(cls(**values), **overrides)
        if settings.ack_after not in ACK_AFTER:
            raise SettingsError(
                f"VIGIL_ACK_AFTER={settings.ack_after!r}: use {' or '.join(ACK_AFTER)}"
            )
        return settings

    @property
    def ack_after_projection(self) -> bool:
        """Whether a write waits until its projection stored it."""
        return self.ack_after == "projection"

    @property
    def outbox(self) -> Path:
        """The local outbox of outgoing mail."""
        return (
            self.outbox_path
            if str(self.outbox_path) not in ("", ".")
            else (self.data_dir / "outbox.mbox")
        )

    @property
    def chdb_path(self) -> Path:
        """Directory of the embedded chDB engine."""
        return self.data_dir / "chdb"

    def retention_days(self) -> dict[str, int]:
        """Retention of each telemetry table, by setting name."""
        return {
            "raw_retention_days": self.raw_retention_days,
            "rollup_1m_retention_days": self.rollup_1m_retention_days,
            "rollup_1h_retention_days": self.rollup_1h_retention_days,
        }

    def topic(self, name: str) -> str:
        """Full name of a topic, with the configured prefix."""
        return f"{self.topic_prefix}{name}"


def _parse(name: str, kind: type[Any], raw: str) -> Any:
    try:
        if kind is bool:
            return _parse_bool(raw)
        if issubclass(kind, Path):
            return Path(raw)
        return kind(raw)
    except ValueError as ex:
        raise SettingsError(f"VIGIL_{name.upper()}={raw!r}: {ex}") from ex


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def describe() -> list[tuple[str, str, str]]:
    """List (variable, default, meaning) of every setting, for docs and ``--help``."""
    return [
        (f"VIGIL_{f.name.upper()}", str(f.default), f.metadata["doc"])
        for f in fields(Settings)
    ]
