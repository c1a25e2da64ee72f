"""Binding decisions (channels, peripherals) with no broker."""

from __future__ import annotations

import pytest

from domain import bindings as b
from domain.errors import Conflict, Invalid
from domain.states import Binding
from tests.domain.test_registry import CTX, run, world


def test_a_taken_channel_is_a_conflict() -> None:
    s = world()
    single = b.BindChannels(CTX, "d1", [b.Channel("b2", 0, "humidity")])
    with pytest.raises(Conflict, match="^channel 0 is already bound$"):
        b.decide_binding(single, s)
    channels = [b.Channel("b3", 0, "voltage"), b.Channel("b4", 1, "current")]
    with pytest.raises(Conflict, match=r"^channels \[0\] are already bound$"):
        b.decide_binding(b.BindChannels(CTX, "d1", channels, "pdp-x"), s)


def test_a_peripheral_binds_every_channel_it_provides() -> None:
    s = world()
    channels = [b.Channel("b3", 4, "voltage"), b.Channel("b4", 5, "current")]
    run(s, b.BindChannels(CTX, "d1", channels, "pdp-x"))
    made = [s.get(Binding, b) for b in ("b3", "b4")]
    assert [b.state.peripheral for b in made if b] == ["pdp-x", "pdp-x"]


def test_a_binding_update_needs_a_change() -> None:
    s = world()
    with pytest.raises(Invalid, match="give is_active"):
        b.decide_binding(b.UpdateBinding(CTX, "d1", "b1", {}), s)
    run(s, b.UpdateBinding(CTX, "d1", "b1", {"is_active": False}))
    binding = s.get(Binding, "b1")
    assert binding is not None and not binding.state.is_active
