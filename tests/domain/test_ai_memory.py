"""Argus memory rules (content, type, salience, the org's devices and sites) and
the search score, with no broker."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from domain import ai_memory as m
from domain import registry as r
from domain.context import Context
from domain.entity_state import EntityState, evolve
from domain.errors import Invalid

AT = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def world() -> EntityState:
    s = EntityState()
    for org, site, device in (("org1", "s1", "d1"), ("org2", "s2", "d2")):
        ctx = Context(org, AT, "u")
        fields = {"hardware_id": f"HW-{device}", "display_name": "Pump"}
        for command in (
            r.CreateSite(ctx, site, {"name": "Plant"}),
            r.CreateDevice(ctx, device, {**fields, "site_id": site}),
        ):
            for event in r.decide(command, s):
                assert evolve(s, event).applied
    return s


def test_a_draft_takes_the_documented_defaults() -> None:
    d = m.draft(EntityState(), "org1", "  Pump 2 bearing replaced  ")
    assert d == m.MemoryDraft("Pump 2 bearing replaced", "observation", 0.5)


def test_a_draft_may_point_at_the_orgs_device_and_site() -> None:
    d = m.draft(world(), "org1", "x", "maintenance", 0.8, "d1", "s1")
    assert (d.memory_type, d.salience, d.device_id, d.site_id) == (
        "maintenance",
        0.8,
        "d1",
        "s1",
    )


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"content": "   "}, "content"),
        ({"content": "x" * 10_001}, "content"),
        ({"memory_type": "rumour"}, "memory_type"),
        ({"salience": -0.01}, "salience"),
        ({"salience": 1.01}, "salience"),
        ({"salience": math.nan}, "salience"),
        ({"device_id": "d2"}, "device_id"),  # another org's device
        ({"device_id": "nope"}, "device_id"),
        ({"site_id": "s2"}, "site_id"),  # another org's site
    ],
)
def test_a_draft_refuses_naming_the_field(given: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"content": "x", **given}
    with pytest.raises(Invalid) as caught:
        m.draft(world(), "org1", **args)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_filters_refuse_an_unknown_type_and_drop_blanks() -> None:
    assert m.filters("", None, "anomaly") == m.MemoryFilters(None, None, "anomaly")
    with pytest.raises(Invalid) as caught:
        m.filters(memory_type="gossip")
    assert caught.value.field == "memory_type"


def test_search_text_is_none_when_blank_and_bounded() -> None:
    assert m.search_text(None) is None and m.search_text("  ") is None
    assert m.search_text(" pump ") == "pump"
    with pytest.raises(Invalid):
        m.search_text("x" * 1_001)


def test_a_result_limit_is_1_to_1000() -> None:
    assert m.result_limit(1) == 1 and m.result_limit(1_000) == 1_000
    for bad in (0, -1, 1_001):
        with pytest.raises(Invalid):
            m.result_limit(bad)


def test_score_blends_similarity_salience_and_recency() -> None:
    assert m.score(1.0, 1.0, 0) == pytest.approx(1.0)
    assert m.score(0.0, 0.0, 30 * 86_400) == pytest.approx(0.10 * math.exp(-1))
    assert m.score(0.5, 0.5, -60) == m.score(0.5, 0.5, 0)  # a future time is "now"
    # Similarity dominates: a close match beats a salient, fresh, unrelated one.
    assert m.score(0.6, 0.0, 365 * 86_400) > m.score(0.2, 1.0, 0)
