"""A peer (InfluxDB 1.6, VictoriaMetrics) as ``bench_ingest_http`` drives it: the
same questions it asks Vigil's explorer, asked in each peer's own query language."""

from __future__ import annotations

import math

import httpx

from bench.http_load import Target, Workload
from bench.peers import Peer
from projections.explorer import plan

PROBE = "probe"


class PeerHttp:
    """A started peer, fed line protocol with Vigil's series ids as ``binding``."""

    def __init__(
        self, peer: Peer, work: Workload, series: tuple[tuple[str, ...], ...]
    ) -> None:
        self.peer, self.work = peer, work
        self.name = peer.name
        self.http = httpx.Client(timeout=60)
        self.target = Target(url=peer.write_url, line_protocol=True, series=series)
        end = work.t0_us + work.span_us
        self.bucket_s = plan(work.t0_us, end, 500).bucket // 1_000_000

    def visible(self) -> bool:
        """Whether every series' last point is queryable."""
        seen = self.peer.series_at(self.http, self.work.last_us)
        return seen >= self.work.series

    def post_probe(self, seq: int, ts_us: int) -> None:
        line = f"m,binding={PROBE} value={float(seq)} {ts_us * 1000}"
        self.peer.write(self.http, line)

    def probe_seen(self, seq: int, ts_us: int) -> bool:
        found = self.peer.probe_value(self.http, PROBE, ts_us)
        return not math.isnan(found) and found == seq

    def query(self, ids: list[str]) -> None:
        """Mean per 2-hour bucket over the 30 days, as Vigil's explorer plans it."""
        start = self.work.t0_us / 1e6
        end = start + self.work.span_us / 1e6
        self.peer.query(self.http, ids, start, end, self.bucket_s)

    def stored(self) -> int:
        return self.peer.points_between(self.http, self.work.t0_us, self.work.last_us)

    def processes(self) -> dict[int, str]:
        assert self.peer.proc is not None  # noqa: S101 - started
        return {self.peer.proc.pid: self.peer.name}

    def close(self) -> None:
        self.http.close()
