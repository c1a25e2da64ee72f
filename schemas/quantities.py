"""The Canonical Physical Ontology (CPO): every quantity a binding can measure.

Each kind of quantity is listed once with the units it is commonly measured in; pint
supplies each unit's symbol, its SI base unit, dimension checks and conversions, so
no symbol or factor is typed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pint

from schemas import SchemaError

CLASSES = ("thermal", "mechanical", "electromagnetic", "chemical", "optical")


@cache
def units() -> pint.UnitRegistry[Any]:
    """The shared unit registry (pint registries are expensive to build)."""
    registry: pint.UnitRegistry[Any] = pint.UnitRegistry(
        autoconvert_offset_to_baseunit=True
    )
    registry.define("parts_per_billion = 1e-9 = ppb")
    registry.define("microstrain = 1e-6 = µε")
    registry.define("nephelometric_turbidity_unit = 1 = NTU")
    registry.define("pH_unit = 1 = pH")
    return registry


@dataclass(frozen=True)
class Quantity:
    """One CPO quantity: a kind of phenomenon in one unit."""

    slug: str
    name: str
    unit: str  # pint expression
    phenomenon_class: str
    description: str

    @property
    def base_unit_symbol(self) -> str:
        """Symbol of the unit values are reported in (pint's abbreviation)."""
        return _symbol(self.unit)

    @property
    def si_unit(self) -> str:
        """The SI base unit of the dimension (empty symbol: dimensionless '1')."""
        base = units()(self.unit).to_base_units().units
        return f"{base:~P}" or "1"

    def as_dict(self) -> dict[str, str]:
        """The reference's quantity object."""
        return {
            "slug": self.slug,
            "name": self.name,
            "base_unit_symbol": self.base_unit_symbol,
            "si_unit": self.si_unit,
            "phenomenon_class": self.phenomenon_class,
            "description": self.description,
        }


def _symbol(expr: str) -> str:
    return f"{units()(expr).units:~P}" or "1"


# (kind slug, name, class, what it is, [(unit slug, pint unit), ...])
_KINDS: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "temperature",
        "Temperature",
        "thermal",
        "Thermodynamic temperature",
        (("celsius", "degC"), ("kelvin", "kelvin"), ("fahrenheit", "degF")),
    ),
    (
        "temperature.surface",
        "Surface Temperature",
        "thermal",
        "Temperature of a surface, by contact or infrared",
        (("celsius", "degC"), ("kelvin", "K")),
    ),
    (
        "temperature.dewpoint",
        "Dew Point",
        "thermal",
        "Temperature at which air saturates with water vapour",
        (("celsius", "degC"), ("fahrenheit", "degF")),
    ),
    (
        "heat_flux",
        "Heat Flux",
        "thermal",
        "Heat flow per unit area",
        (("watt_per_square_meter", "W/m**2"),),
    ),
    (
        "thermal_energy",
        "Thermal Energy",
        "thermal",
        "Heat delivered or consumed",
        (("joule", "J"), ("kilowatt_hour", "kWh"), ("btu", "Btu")),
    ),
    (
        "thermal_power",
        "Thermal Power",
        "thermal",
        "Heat flow rate",
        (("watt", "W"), ("kilowatt", "kW"), ("btu_per_hour", "Btu/hour")),
    ),
    (
        "humidity.relative",
        "Relative Humidity",
        "chemical",
        "Water vapour relative to saturation",
        (("percent", "percent"),),
    ),
    (
        "humidity.absolute",
        "Absolute Humidity",
        "chemical",
        "Water vapour mass per volume of air",
        (("gram_per_cubic_meter", "g/m**3"),),
    ),
    (
        "pressure",
        "Pressure",
        "mechanical",
        "Force per unit area",
        (
            ("pascal", "Pa"),
            ("kilopascal", "kPa"),
            ("hectopascal", "hPa"),
            ("bar", "bar"),
            ("millibar", "mbar"),
            ("psi", "psi"),
            ("atmosphere", "atm"),
        ),
    ),
    (
        "pressure.differential",
        "Differential Pressure",
        "mechanical",
        "Pressure difference between two ports",
        (("pascal", "Pa"), ("kilopascal", "kPa"), ("inch_water", "inH2O")),
    ),
    (
        "pressure.barometric",
        "Barometric Pressure",
        "mechanical",
        "Atmospheric pressure",
        (("hectopascal", "hPa"), ("inch_mercury", "inHg")),
    ),
    (
        "vibration.acceleration",
        "Vibration Acceleration",
        "mechanical",
        "Instantaneous vibration acceleration",
        (("mps2", "m/s**2"), ("g", "g0")),
    ),
    (
        "vibration.velocity",
        "Vibration Velocity",
        "mechanical",
        "Vibration velocity (ISO 10816 severity)",
        (("mm_per_s", "mm/s"), ("in_per_s", "in/s")),
    ),
    (
        "vibration.displacement",
        "Vibration Displacement",
        "mechanical",
        "Peak-to-peak vibration displacement",
        (("micrometer", "um"), ("mil", "mil")),
    ),
    (
        "acceleration",
        "Acceleration",
        "mechanical",
        "Rate of change of velocity",
        (("mps2", "m/s**2"), ("g", "g0")),
    ),
    (
        "velocity",
        "Velocity",
        "mechanical",
        "Speed of a body or fluid",
        (("mps", "m/s"), ("kmh", "km/h"), ("knot", "knot"), ("mph", "mph")),
    ),
    (
        "wind.speed",
        "Wind Speed",
        "mechanical",
        "Horizontal air speed",
        (("mps", "m/s"), ("kmh", "km/h"), ("knot", "knot")),
    ),
    (
        "angle",
        "Angle",
        "mechanical",
        "Plane angle, e.g. tilt or wind direction",
        (("degree", "degree"), ("radian", "radian")),
    ),
    (
        "angular_velocity",
        "Rotational Speed",
        "mechanical",
        "Shaft or rotor speed",
        (("rpm", "rpm"), ("rad_per_s", "rad/s")),
    ),
    (
        "frequency",
        "Frequency",
        "mechanical",
        "Events or cycles per unit time",
        (("hertz", "Hz"), ("kilohertz", "kHz")),
    ),
    (
        "length",
        "Distance",
        "mechanical",
        "Distance, level or position",
        (
            ("meter", "m"),
            ("millimeter", "mm"),
            ("centimeter", "cm"),
            ("inch", "inch"),
            ("foot", "ft"),
        ),
    ),
    (
        "level",
        "Level",
        "mechanical",
        "Fill level of a tank or channel",
        (("meter", "m"), ("millimeter", "mm"), ("percent", "percent")),
    ),
    (
        "mass",
        "Mass",
        "mechanical",
        "Mass or weight on a load cell",
        (("kilogram", "kg"), ("gram", "g"), ("tonne", "t"), ("pound", "lb")),
    ),
    (
        "force",
        "Force",
        "mechanical",
        "Force on a load cell or actuator",
        (("newton", "N"), ("kilonewton", "kN"), ("pound_force", "lbf")),
    ),
    ("torque", "Torque", "mechanical", "Rotational force", (("newton_meter", "N*m"),)),
    (
        "strain",
        "Strain",
        "mechanical",
        "Relative deformation",
        (("microstrain", "microstrain"), ("percent", "percent")),
    ),
    (
        "flow.volumetric",
        "Volumetric Flow",
        "mechanical",
        "Volume of fluid per unit time",
        (
            ("liter_per_minute", "L/min"),
            ("cubic_meter_per_hour", "m**3/h"),
            ("gallon_per_minute", "gallon/min"),
        ),
    ),
    (
        "flow.mass",
        "Mass Flow",
        "mechanical",
        "Mass of fluid per unit time",
        (("kilogram_per_second", "kg/s"), ("kilogram_per_hour", "kg/h")),
    ),
    (
        "volume",
        "Volume",
        "mechanical",
        "Volume, e.g. metered water or gas",
        (("cubic_meter", "m**3"), ("liter", "L"), ("gallon", "gallon")),
    ),
    (
        "sound.level",
        "Sound Level",
        "mechanical",
        "Sound pressure level",
        (("decibel", "dB"),),
    ),
    (
        "voltage",
        "Voltage",
        "electromagnetic",
        "Electric potential difference",
        (("volt", "V"), ("millivolt", "mV"), ("kilovolt", "kV")),
    ),
    (
        "current",
        "Current",
        "electromagnetic",
        "Electric current",
        (("ampere", "A"), ("milliampere", "mA")),
    ),
    (
        "power.active",
        "Active Power",
        "electromagnetic",
        "Real electrical power",
        (("watt", "W"), ("kilowatt", "kW"), ("megawatt", "MW")),
    ),
    (
        "power.apparent",
        "Apparent Power",
        "electromagnetic",
        "Volt-amperes",
        (("volt_ampere", "V*A"), ("kilovolt_ampere", "kV*A")),
    ),
    (
        "power.reactive",
        "Reactive Power",
        "electromagnetic",
        "Reactive volt-amperes",
        (("var", "V*A"), ("kilovar", "kV*A")),
    ),
    (
        "power_factor",
        "Power Factor",
        "electromagnetic",
        "Ratio of real to apparent power",
        (("ratio", "dimensionless"),),
    ),
    (
        "energy.active",
        "Active Energy",
        "electromagnetic",
        "Metered electrical energy",
        (
            ("watt_hour", "Wh"),
            ("kilowatt_hour", "kWh"),
            ("megawatt_hour", "MWh"),
            ("joule", "J"),
        ),
    ),
    (
        "resistance",
        "Resistance",
        "electromagnetic",
        "Electrical resistance",
        (("ohm", "ohm"), ("kiloohm", "kohm")),
    ),
    (
        "capacitance",
        "Capacitance",
        "electromagnetic",
        "Electrical capacitance",
        (("farad", "F"), ("microfarad", "uF")),
    ),
    (
        "charge",
        "Electric Charge",
        "electromagnetic",
        "Battery or capacitor charge",
        (("coulomb", "C"), ("ampere_hour", "A*h"), ("milliampere_hour", "mA*h")),
    ),
    (
        "magnetic_flux_density",
        "Magnetic Flux Density",
        "electromagnetic",
        "Magnetic field",
        (("tesla", "T"), ("microtesla", "uT"), ("gauss", "gauss")),
    ),
    (
        "signal_strength",
        "Signal Strength",
        "electromagnetic",
        "Received radio power",
        (("dbm", "dBm"),),
    ),
    (
        "battery.state_of_charge",
        "State of Charge",
        "electromagnetic",
        "Remaining battery capacity",
        (("percent", "percent"),),
    ),
    (
        "conductivity",
        "Electrical Conductivity",
        "chemical",
        "Conductivity of a solution",
        (("microsiemens_per_cm", "uS/cm"), ("millisiemens_per_cm", "mS/cm")),
    ),
    (
        "co2",
        "CO2 Concentration",
        "chemical",
        "Carbon dioxide in air",
        (("ppm", "ppm"), ("percent", "percent")),
    ),
    ("co", "CO Concentration", "chemical", "Carbon monoxide in air", (("ppm", "ppm"),)),
    (
        "no2",
        "NO2 Concentration",
        "chemical",
        "Nitrogen dioxide in air",
        (("ppb", "ppb"), ("ppm", "ppm")),
    ),
    ("o3", "Ozone Concentration", "chemical", "Ozone in air", (("ppb", "ppb"),)),
    (
        "o2",
        "Oxygen Concentration",
        "chemical",
        "Oxygen in air or water",
        (("percent", "percent"), ("mg_per_liter", "mg/L")),
    ),
    (
        "voc",
        "VOC Concentration",
        "chemical",
        "Total volatile organic compounds",
        (("ppb", "ppb"), ("microgram_per_cubic_meter", "ug/m**3")),
    ),
    (
        "pm1",
        "PM1",
        "chemical",
        "Particulate matter under 1 µm",
        (("microgram_per_cubic_meter", "ug/m**3"),),
    ),
    (
        "pm2_5",
        "PM2.5",
        "chemical",
        "Particulate matter under 2.5 µm",
        (("microgram_per_cubic_meter", "ug/m**3"),),
    ),
    (
        "pm10",
        "PM10",
        "chemical",
        "Particulate matter under 10 µm",
        (("microgram_per_cubic_meter", "ug/m**3"),),
    ),
    ("ph", "pH", "chemical", "Acidity of a solution", (("ph", "pH"),)),
    (
        "orp",
        "Redox Potential",
        "chemical",
        "Oxidation-reduction potential",
        (("millivolt", "mV"),),
    ),
    (
        "turbidity",
        "Turbidity",
        "optical",
        "Cloudiness of a liquid (NTU)",
        (("ntu", "NTU"),),
    ),
    (
        "dissolved_oxygen",
        "Dissolved Oxygen",
        "chemical",
        "Oxygen dissolved in water",
        (("mg_per_liter", "mg/L"), ("percent", "percent")),
    ),
    (
        "salinity",
        "Salinity",
        "chemical",
        "Dissolved salt content",
        (("psu", "dimensionless"),),
    ),
    (
        "gas.concentration",
        "Gas Concentration",
        "chemical",
        "Generic gas concentration",
        (("ppm", "ppm"), ("percent_lel", "percent")),
    ),
    (
        "illuminance",
        "Illuminance",
        "optical",
        "Luminous flux per unit area",
        (("lux", "lx"), ("foot_candle", "lumen/ft**2")),
    ),
    (
        "irradiance",
        "Irradiance",
        "optical",
        "Radiant power per unit area (solar)",
        (("watt_per_square_meter", "W/m**2"),),
    ),
    (
        "uv_index",
        "UV Index",
        "optical",
        "Erythemal ultraviolet intensity",
        (("index", "dimensionless"),),
    ),
    (
        "luminous_intensity",
        "Luminous Intensity",
        "optical",
        "Light emitted in a direction",
        (("candela", "cd"),),
    ),
    (
        "color_temperature",
        "Color Temperature",
        "optical",
        "Correlated color temperature",
        (("kelvin", "K"),),
    ),
    (
        "count",
        "Count",
        "mechanical",
        "Counted events or items",
        (("count", "dimensionless"),),
    ),
    (
        "ratio",
        "Ratio",
        "mechanical",
        "Dimensionless ratio or duty cycle",
        (("percent", "percent"), ("fraction", "dimensionless")),
    ),
    (
        "duration",
        "Duration",
        "mechanical",
        "Elapsed or run time",
        (("second", "s"), ("hour", "hour")),
    ),
)

# Quantities whose slug names a measurement method rather than a unit.
_SPECIAL: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "vibration.acceleration.rms",
        "Vibration",
        "m/s**2",
        "mechanical",
        "RMS vibration acceleration over a measurement window",
    ),
    (
        "vibration.acceleration.peak",
        "Vibration Peak",
        "m/s**2",
        "mechanical",
        "Peak vibration acceleration over a measurement window",
    ),
    (
        "vibration.velocity.rms",
        "Vibration Velocity RMS",
        "mm/s",
        "mechanical",
        "RMS vibration velocity (ISO 10816)",
    ),
    ("current.rms", "Current RMS", "A", "electromagnetic", "RMS alternating current"),
    ("voltage.rms", "Voltage RMS", "V", "electromagnetic", "RMS alternating voltage"),
)


def _describe(kind_text: str, unit: str) -> str:
    base = units()(unit).to_base_units().units
    base_text = f"{base:~P}" or "dimensionless"
    return f"{kind_text}, in {_symbol(unit)} (SI: {base_text})"


@cache
def catalog() -> dict[str, Quantity]:
    """Every quantity by slug."""
    found: dict[str, Quantity] = {}
    for kind, name, cls, text, unit_list in _KINDS:
        for unit_slug, unit in unit_list:
            slug = f"{kind}.{unit_slug}"
            found[slug] = Quantity(slug, name, unit, cls, _describe(text, unit))
    for slug, name, unit, cls, text in _SPECIAL:
        found[slug] = Quantity(slug, name, unit, cls, _describe(text, unit))
    found["temperature.celsius"] = Quantity(
        "temperature.celsius",
        "Temperature",
        "degC",
        "thermal",
        "Thermodynamic temperature relative to 273.15 K",
    )
    return found


def get(slug: str) -> Quantity:
    """The quantity with this slug."""
    try:
        return catalog()[slug]
    except KeyError as ex:
        raise SchemaError(f"unknown quantity {slug}") from ex


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a value between two pint unit expressions of the same dimension."""
    registry = units()
    try:
        return float(registry.Quantity(value, from_unit).to(to_unit).magnitude)
    except pint.errors.DimensionalityError as ex:
        raise SchemaError(f"cannot convert {from_unit} to {to_unit}") from ex
