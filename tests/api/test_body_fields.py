"""Reading JSON body fields (api.validation.Body), pure."""

from __future__ import annotations

import pytest

from api.validation import Body, ValidationError


@pytest.mark.parametrize(("given", "read"), [(4, 4), (4.0, 4), (-0.0, 0), (1e3, 1000)])
def test_a_number_without_a_fraction_is_an_integer(given: float, read: int) -> None:
    value = Body({"n": given}).integer("n")
    assert value == read and type(value) is int


@pytest.mark.parametrize("given", [4.5, float("inf"), float("nan"), True, "4"])
def test_anything_else_is_not(given: object) -> None:
    with pytest.raises(ValidationError, match="must be an integer"):
        Body({"n": given}).integer("n")


def test_bounds_apply_to_an_integral_float() -> None:
    with pytest.raises(ValidationError, match="<= 10"):
        Body({"n": 11.0}).integer("n", maximum=10)
