from __future__ import annotations

import json
import math
import random

import pytest

from schemas.quantities import catalog
from streams import StreamsError
from streams.prism.expression import ExpressionError, Program, compile_expression
from streams.prism.window_buffers import MAX_POINTS
from streams.prism.windows import (
    Window,
    WindowState,
    WindowStateError,
    parse_duration,
)

VARS = {
    "voltage": "V",
    "current": "A",
    "power": "W",
    "temp": "degC",
    "temp2": "degC",
    "angle": "degree",
    "humidity": "percent",
    "speed": "m/s",
}


def run(
    program: Program, points: list[tuple[float, float]], var: str
) -> list[float | None]:
    state = WindowState()
    return [program.evaluate({var: value}, ts, state) for ts, value in points]


def error(text: str, unit: str | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, VARS, unit)
    return info.value


# -- compiling and units -------------------------------------------------------------


def test_power_is_voltage_times_current_in_watts() -> None:
    program = compile_expression("voltage * current", VARS)
    assert program.unit == "W"
    assert program.variables == ("current", "voltage")
    assert program.windows == ()
    value = program.evaluate({"voltage": 230.0, "current": 2.5}, 0.0, WindowState())
    assert value == pytest.approx(575.0)


def test_to_converts_units_including_offset_ones() -> None:
    state = WindowState()
    kw = compile_expression('to(voltage * current, "kW")', VARS)
    assert kw.unit == "kW"
    assert kw.evaluate({"voltage": 230.0, "current": 2.0}, 0, state) == pytest.approx(
        0.46
    )
    fahrenheit = compile_expression('to(temp, "degF")', VARS)
    assert fahrenheit.unit == "degF"
    assert fahrenheit.evaluate({"temp": 100.0}, 0, state) == pytest.approx(212.0)
    assert fahrenheit.evaluate({"temp": -40.0}, 0, state) == pytest.approx(-40.0)
    speed = compile_expression('to(speed, "km/h")', VARS)
    assert speed.evaluate({"speed": 10.0}, 0, state) == pytest.approx(36.0)


def test_declared_unit_converts_the_result() -> None:
    state = WindowState()
    kw = compile_expression("voltage * current", VARS, unit="kW")
    assert kw.unit == "kW"
    assert kw.evaluate({"voltage": 230.0, "current": 2.0}, 0, state) == pytest.approx(
        0.46
    )
    kelvin = compile_expression("temp", VARS, unit="K")
    assert kelvin.evaluate({"temp": 100.0}, 0, state) == pytest.approx(373.15)
    blank = compile_expression("voltage", VARS, unit="")
    assert blank.unit == "V"


def test_declared_unit_must_be_compatible() -> None:
    ex = error("voltage * current", unit="A")
    assert ex.name == "A"
    assert "incompatible" in str(ex)
    assert error("voltage", unit="volts2").name == "volts2"


def test_natural_units_of_compound_expressions() -> None:
    cases = {
        "voltage / current": "ohm",
        "temp - temp2": "K",  # a temperature difference
        "temp + 5": "degC",  # a bare number takes the unit it is added to
        "voltage ** 2": "V**2",
        "sin(angle) + 1": "dimensionless",
        "2 * pi": "dimensionless",
        "mavg(temp, '5m')": "degC",
        'rate(voltage, "1m")': "V/s",
        'integral(power, "1h")': "J",
    }
    for text, unit in cases.items():
        assert compile_expression(text, VARS).unit == unit, text


def test_unknown_variable_and_function_are_named() -> None:
    ex = error("volts * current")
    assert ex.name == "volts"
    assert str(ex) == "unknown variable 'volts'"
    ex = error("exec('1')")
    assert ex.name == "exec"
    assert str(ex) == "unknown function 'exec'"
    assert isinstance(ex, StreamsError)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("voltage.__class__", "Attribute"),
        ("voltage.real()", "Attribute"),
        ("voltage[0]", "Subscript"),
        ("(lambda: 1)()", "Lambda"),
        ("__import__('os')", "__import__"),
        ("[v for v in (1, 2)]", "ListComp"),
        ("voltage if current else 0", "IfExp"),
        ("voltage > 1", "Compare"),
        ("voltage and current", "BoolOp"),
        ("voltage // 2", "FloorDiv"),
        ("voltage ^ 2", "BitXor"),
        ("not voltage", "Not"),
        ("f'{voltage}'", "JoinedStr"),
        ("max(*current)", "Starred"),
        ("abs(x=voltage)", "abs"),
        ("True", "True"),
    ],
)
def test_constructs_outside_the_whitelist_are_rejected(text: str, name: str) -> None:
    assert error(text).name == name


def test_syntax_errors_and_strings_out_of_place_are_rejected() -> None:
    assert "syntax error" in str(error("voltage +"))
    assert "empty" in str(error("   "))
    assert error("'V'").name == "V"
    assert error("voltage + 'x'").name == "x"
    assert error("min(voltage)").name == "min"
    assert error("clamp(voltage, 1)").name == "clamp"


def test_unit_mismatch_is_rejected() -> None:
    ex = error("voltage + current")
    assert str(ex) == "unit mismatch: cannot add V and A"
    assert "unit mismatch" in str(error("max(voltage, current)"))
    assert "unit mismatch" in str(error("clamp(voltage, current, 5)"))
    assert "unit mismatch" in str(error("temp + temp2"))  # absolute + absolute
    assert "dimensionless" in str(error("log(voltage)"))
    assert "dimensionless" in str(error("voltage ** current"))
    assert "constant" in str(error("voltage ** (voltage / voltage)"))


def test_offset_units_are_refused_in_products() -> None:
    ex = error("temp * 2")
    assert ex.name == "degC"
    assert "offset unit" in str(ex)
    assert error("sqrt(temp)").name == "degC"
    # a difference of offset temperatures is an ordinary quantity
    program = compile_expression("(temp - temp2) * current", VARS)
    assert (
        program.evaluate({"temp": 30, "temp2": 20, "current": 2}, 0, WindowState())
        == 20
    )


def test_to_rejects_unknown_and_incompatible_units() -> None:
    assert error('to(voltage, "volts2")').name == "volts2"
    ex = error('to(voltage, "kW")')
    assert ex.name == "kW"
    assert "unit mismatch" in str(ex)
    assert error("to(voltage, 5)").name == "to"


def test_unit_strings_that_would_make_pint_work_hard_are_rejected() -> None:
    for spec in ("m**9**9**9", "m**(9**9)", "(m*9)**99", "m**999"):
        assert error(f'to(voltage, "{spec}")').name == spec
    assert compile_expression('to(speed, "km*h**-1")', VARS).unit == "km*h**-1"


def test_every_catalog_unit_and_symbol_is_accepted() -> None:
    for quantity in catalog().values():
        for spec in {quantity.unit, quantity.base_unit_symbol, quantity.si_unit}:
            program = compile_expression("x", {"x": spec})
            assert program.variables == ("x",), spec
    assert error('to(voltage, "9⁹⁹⁹⁹⁹⁹⁹⁹")').name == "9⁹⁹⁹⁹⁹⁹⁹⁹"


def test_expression_size_is_bounded() -> None:
    assert "too long" in str(error("voltage + " * 100 + "voltage"))
    assert "too complex" in str(error("-" * 300 + "voltage"))
    assert "too complex" in str(error("+".join(["voltage"] * 120)))


def test_bare_numbers_take_the_unit_they_are_combined_with() -> None:
    state = WindowState()
    program = compile_expression("clamp(voltage, 0, 250) + 5", VARS)
    assert program.unit == "V"
    assert program.evaluate({"voltage": 300.0}, 0, state) == 255.0
    fraction = compile_expression('to(humidity, "dimensionless")', VARS)
    assert fraction.evaluate({"humidity": 50.0}, 0, state) == pytest.approx(0.5)
    log = compile_expression("log(humidity)", VARS)  # percent -> fraction first
    assert log.evaluate({"humidity": 50.0}, 0, state) == pytest.approx(math.log(0.5))
    sine = compile_expression("sin(angle)", VARS)
    assert sine.evaluate({"angle": 90.0}, 0, state) == pytest.approx(1.0)


def test_functions_evaluate_like_math() -> None:
    state = WindowState()
    cases = {
        "abs(-x)": 4.0,
        "min(x, 2, 9)": 2.0,
        "max(x, 2, 9)": 9.0,
        "sqrt(x)": 2.0,
        "log(e) + log10(1000) + exp(0)": 5.0,
        "cos(0) + tan(0) + sin(pi / 2)": 2.0,
        "floor(x / 3) + ceil(x / 3) + round(2.5)": 5.0,
        "pow(x, 2) - x ** 0.5 + x % 3": 15.0,
        "clamp(x, 5, 6) + +x - -1": 10.0,
    }
    for text, expected in cases.items():
        value = compile_expression(text, {"x": ""}).evaluate({"x": 4.0}, 0, state)
        assert value == pytest.approx(expected), text


# -- numeric problems -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("voltage / current", {"voltage": 1.0, "current": 0.0}),
        ("sqrt(voltage / voltage - 2)", {"voltage": 1.0}),
        ("sqrt(-1)", {}),
        ("log(voltage / voltage - 1)", {"voltage": 3.0}),
        ("exp(voltage / voltage * 1000)", {"voltage": 1.0}),
        ("voltage * 1e308 * 10", {"voltage": 1.0}),
        ("voltage % (voltage * 0)", {"voltage": 1.0}),
        ("(voltage / voltage - 2) ** 0.5", {"voltage": 1.0}),
        ("clamp(voltage, 5, 1)", {"voltage": 3.0}),
        ("voltage * 2", {"voltage": math.nan}),
        ("min(voltage, 1)", {"voltage": math.inf}),
    ],
)
def test_undefined_results_are_none(text: str, values: dict[str, float]) -> None:
    program = compile_expression(text, VARS)
    assert program.evaluate(values, 0.0, WindowState()) is None


def test_missing_value_is_an_error() -> None:
    program = compile_expression("voltage * current", VARS)
    with pytest.raises(ExpressionError) as info:
        program.evaluate({"voltage": 1.0}, 0, WindowState())
    assert info.value.name == "current"


# -- windows ----------------------------------------------------------------------------


def test_mavg_is_the_mean_of_the_trailing_window() -> None:
    program = compile_expression('mavg(voltage, "30s")', VARS)
    assert program.windows == (Window("mavg", "voltage", 30.0),)
    points = [(0.0, 1.0), (10.0, 2.0), (20.0, 3.0), (30.0, 4.0), (40.0, 5.0)]
    # at 30 the window (0, 30] holds 2, 3, 4; at 40 it holds 3, 4, 5
    assert run(program, points, "voltage") == pytest.approx([1.0, 1.5, 2.0, 3.0, 4.0])


def test_rate_is_change_per_second_and_needs_two_points() -> None:
    program = compile_expression('rate(voltage, "1m")', VARS)
    points = [(0.0, 10.0), (30.0, 16.0), (60.0, 22.0), (90.0, 22.0)]
    results = run(program, points, "voltage")
    assert results[0] is None
    assert results[1:] == pytest.approx([0.2, 0.2, 0.0])
    assert program.unit == "V/s"


def test_integral_is_trapezoidal_with_interpolated_window_start() -> None:
    program = compile_expression("integral(voltage, 15)", VARS)
    points = [(0.0, 0.0), (10.0, 10.0), (20.0, 10.0), (30.0, 0.0)]
    results = run(program, points, "voltage")
    assert results[0] is None
    # at 20 the window is [5, 20]: 5 s rising from 5 to 10 V, then 10 s at 10 V;
    # at 30 it is [15, 30]: 5 s at 10 V, then 10 s falling from 10 to 0
    assert results[1:] == pytest.approx([50.0, 137.5, 100.0])


def test_integral_of_constant_power_over_an_hour_is_one_kwh() -> None:
    program = compile_expression('to(integral(power, "1h"), "kWh")', VARS)
    assert program.unit == "kWh"
    points = [(1_700_000_000.0 + t, 1000.0) for t in range(0, 3601, 60)]
    results = run(program, points, "power")
    assert results[-1] == pytest.approx(1.0)
    more = run(program, [*points, (1_700_003_660.0, 1000.0)], "power")
    assert more[-1] == pytest.approx(1.0)  # the window slides, the hour stays full


def test_wmin_wmax_follow_the_window() -> None:
    points = [(0.0, 5.0), (1.0, 1.0), (2.0, 7.0), (3.0, 3.0)]
    wmin = run(compile_expression('wmin(voltage, "2s")', VARS), points, "voltage")
    wmax = run(compile_expression('wmax(voltage, "2s")', VARS), points, "voltage")
    assert wmin == [5.0, 1.0, 1.0, 3.0]
    assert wmax == [5.0, 5.0, 7.0, 7.0]


def test_window_arguments_are_checked() -> None:
    assert error('mavg(voltage * 2, "5m")').name == "mavg"
    assert error('mavg(volts, "5m")').name == "volts"
    assert error('mavg(voltage, "5x")').name == "5x"
    assert error('mavg(voltage, "8d")').name == "8d"
    assert error("mavg(voltage, 0)").name == "0"
    assert error("mavg(voltage, voltage)").name == "mavg"
    assert parse_duration("30s") == 30 and parse_duration("5m") == 300
    assert parse_duration("1h") == 3600 and parse_duration("1d") == 86_400
    assert parse_duration(90) == 90 and parse_duration("1.5m") == 90


def test_windows_combine_with_arithmetic_and_are_shared() -> None:
    program = compile_expression(
        'voltage - mavg(voltage, "10s") + 0 * mavg(voltage, 10)', VARS
    )
    assert len(program.windows) == 1
    results = run(program, [(0.0, 2.0), (1.0, 4.0)], "voltage")
    assert results == pytest.approx([0.0, 1.0])


def test_out_of_order_points_are_ignored_and_same_ts_replaces() -> None:
    program = compile_expression('mavg(voltage, "1h")', VARS)
    state = WindowState()
    assert program.evaluate({"voltage": 2.0}, 10.0, state) == 2.0
    assert program.evaluate({"voltage": 4.0}, 20.0, state) == 3.0
    # A late point gives no value at its old time and leaves the window as it was.
    assert program.evaluate({"voltage": 100.0}, 15.0, state) is None
    assert program.evaluate({"voltage": 8.0}, 20.0, state) == 5.0  # replaces 4


def _brute(op: str, seconds: float, points: list[tuple[float, float]]) -> float | None:
    newest = points[-1][0]
    inside = [(t, v) for t, v in points if t > newest - seconds]
    values = [v for _, v in inside]
    if op == "mavg":
        return sum(values) / len(values)
    if op == "wmin":
        return min(values)
    if op == "wmax":
        return max(values)
    if op == "rate":
        if len(inside) < 2:
            return None
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])
    before = [(t, v) for t, v in points if t <= newest - seconds][-1:]
    series = before + inside
    if len(series) < 2:
        return None
    if before:
        (t0, v0), (t1, v1) = series[0], series[1]
        start = newest - seconds
        series[0] = (start, v0 + (v1 - v0) * (start - t0) / (t1 - t0))
    pairs = zip(series, series[1:], strict=False)
    return sum((t1 - t0) * (v0 + v1) / 2 for (t0, v0), (t1, v1) in pairs)


@pytest.mark.parametrize("op", ["mavg", "rate", "integral", "wmin", "wmax"])
def test_incremental_windows_match_brute_force(op: str) -> None:
    rng = random.Random(op)  # noqa: S311 - reproducible test data
    window = Window(op, "x", 25.0)
    state, points, ts = WindowState(), [], 0.0
    for _ in range(12_000):  # more drops than MAX_POINTS: exercises the rebuild
        ts += rng.choice([0.0, 0.5, 1.0, 3.0, 7.0])
        value = rng.uniform(-100, 100)
        if points and ts == points[-1][0]:
            points[-1] = (ts, value)
        else:
            points.append((ts, value))
        got = state.observe(window, ts, value)
        if rng.random() < 0.05:  # an out-of-order point: no value, nothing changes
            assert state.observe(window, ts - 1.0, 1e6) is None
        expected = _brute(op, 25.0, points[-60:])
        if expected is None:
            assert got is None
        else:
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        'mavg(power, "5m") + wmin(power, "10m") - wmax(power, "10m")',
        'to(integral(power, "1h"), "Wh") * rate(power, "1m")',
    ],
)
def test_window_state_json_round_trip_preserves_results(text: str) -> None:
    program = compile_expression(text, VARS)
    points = [(float(t), 500.0 + (t * 37) % 400) for t in range(0, 7200, 20)]
    whole = run(program, points, "power")
    state = WindowState()
    split: list[float | None] = []
    for ts, value in points:
        split.append(program.evaluate({"power": value}, ts, state))
        state = WindowState.from_json(json.loads(json.dumps(state.to_json())))
    assert split == pytest.approx(whole)
    assert all(r is not None for r in whole[1:])


def test_window_state_rejects_malformed_json() -> None:
    with pytest.raises(WindowStateError):
        WindowState.from_json({"version": 99, "buffers": []})
    bad = {"op": "mavg", "variable": "x", "seconds": 5.0, "ts": [2.0, 1.0]}
    with pytest.raises(WindowStateError):
        WindowState.from_json({"version": 1, "buffers": [{**bad, "values": [1, 2]}]})
    with pytest.raises(WindowStateError):
        WindowState.from_json({"version": 1, "buffers": [{**bad, "values": [1]}]})


def test_buffers_hold_at_most_max_points() -> None:
    assert MAX_POINTS == 10_000
    program = compile_expression('mavg(voltage, "7d")', VARS)
    state = WindowState()
    for i in range(12_000):
        result = program.evaluate({"voltage": float(i)}, float(i), state)
    assert state.points(program.windows[0]) == MAX_POINTS
    assert result == pytest.approx(sum(range(2_000, 12_000)) / MAX_POINTS)
    assert len(state.to_json()["buffers"][0]["ts"]) == MAX_POINTS
