"""The PDP (Peripheral Detection Protocol) registry: probe models and their TEDS.

Each peripheral type carries IEEE 1451.4-style TEDS metadata (manufacturer and model
ids, template, calibration) and the quantity bindings each of its channels provides,
so attaching one to a device channel can create the bindings by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from schemas.quantities import catalog


@dataclass(frozen=True)
class ChannelSpec:
    """One measured channel of a peripheral."""

    offset: int
    quantity_slug: str
    range_min: float
    range_max: float
    accuracy: str


@dataclass(frozen=True)
class PeripheralType:
    """One peripheral model in the registry."""

    pdp_type_id: str
    name: str
    peripheral_class: str
    template: str  # IEEE 1451.4 template family
    manufacturer: str
    model: str
    interface: str
    channels: tuple[ChannelSpec, ...]
    contribution_status: str = "official"
    version: str = "1.0.0"
    is_public: bool = True

    def summary(self) -> dict[str, Any]:
        """The list representation of the reference."""
        return {
            "pdp_type_id": self.pdp_type_id,
            "name": self.name,
            "peripheral_class": self.peripheral_class,
            "version": self.version,
            "contribution_status": self.contribution_status,
            "is_public": self.is_public,
        }

    def detail(self) -> dict[str, Any]:
        """The full definition, with TEDS and channel bindings."""
        return {
            **self.summary(),
            "manufacturer": self.manufacturer,
            "model": self.model,
            "interface": self.interface,
            "teds": {
                "template": self.template,
                "manufacturer_id": _manufacturer_id(self.manufacturer),
                "model_number": self.model,
                "version_letter": "A",
                "version_number": int(self.version.split(".")[0]),
                "channel_count": len(self.channels),
            },
            "channels": [
                {
                    "offset": c.offset,
                    "quantity_slug": c.quantity_slug,
                    "unit": catalog()[c.quantity_slug].base_unit_symbol,
                    "range_min": c.range_min,
                    "range_max": c.range_max,
                    "accuracy": c.accuracy,
                }
                for c in self.channels
            ],
        }


def _manufacturer_id(name: str) -> int:
    """A stable 14-bit id (TEDS manufacturer ids are 14 bits)."""
    return sum((i + 1) * ord(ch) for i, ch in enumerate(name)) % (1 << 14)


def _ch(*specs: tuple[str, float, float, str]) -> tuple[ChannelSpec, ...]:
    return tuple(ChannelSpec(i, *spec) for i, spec in enumerate(specs))


_TYPES: tuple[PeripheralType, ...] = (
    PeripheralType(
        "CLR-T-001",
        "K-Type Thermocouple",
        "thermal",
        "Thermocouple",
        "Omega",
        "KMQXL-062",
        "analog-mV",
        _ch(("temperature.celsius", -200, 1250, "±2.2 °C or 0.75%")),
    ),
    PeripheralType(
        "CLR-T-002",
        "J-Type Thermocouple",
        "thermal",
        "Thermocouple",
        "Omega",
        "JMQSS-062",
        "analog-mV",
        _ch(("temperature.celsius", -40, 750, "±2.2 °C or 0.75%")),
    ),
    PeripheralType(
        "CLR-T-003",
        "T-Type Thermocouple",
        "thermal",
        "Thermocouple",
        "Omega",
        "TMQSS-062",
        "analog-mV",
        _ch(("temperature.celsius", -200, 350, "±1.0 °C or 0.75%")),
    ),
    PeripheralType(
        "CLR-T-010",
        "PT100 RTD, Class A",
        "thermal",
        "RTD",
        "Heraeus",
        "M222-PT100",
        "analog-4wire",
        _ch(("temperature.celsius", -70, 500, "±(0.15 + 0.002|t|) °C")),
    ),
    PeripheralType(
        "CLR-T-011",
        "PT1000 RTD, Class B",
        "thermal",
        "RTD",
        "Heraeus",
        "M222-PT1000",
        "analog-2wire",
        _ch(("temperature.celsius", -70, 500, "±(0.3 + 0.005|t|) °C")),
    ),
    PeripheralType(
        "CLR-T-020",
        "DS18B20 Digital Thermometer",
        "thermal",
        "Digital",
        "Analog Devices",
        "DS18B20",
        "1-wire",
        _ch(("temperature.celsius", -55, 125, "±0.5 °C")),
    ),
    PeripheralType(
        "CLR-T-030",
        "MLX90614 IR Thermometer",
        "thermal",
        "Digital",
        "Melexis",
        "MLX90614",
        "i2c",
        _ch(("temperature.surface.celsius", -70, 380, "±0.5 °C")),
    ),
    PeripheralType(
        "CLR-H-001",
        "SHT45 Humidity/Temperature",
        "chemical",
        "Digital",
        "Sensirion",
        "SHT45",
        "i2c",
        _ch(
            ("humidity.relative.percent", 0, 100, "±1.0 %RH"),
            ("temperature.celsius", -40, 125, "±0.1 °C"),
        ),
    ),
    PeripheralType(
        "CLR-H-002",
        "BME280 Environmental",
        "chemical",
        "Digital",
        "Bosch",
        "BME280",
        "i2c",
        _ch(
            ("humidity.relative.percent", 0, 100, "±3 %RH"),
            ("temperature.celsius", -40, 85, "±1.0 °C"),
            ("pressure.barometric.hectopascal", 300, 1100, "±1 hPa"),
        ),
    ),
    PeripheralType(
        "CLR-C-001",
        "SCD41 CO2 Sensor",
        "chemical",
        "Digital",
        "Sensirion",
        "SCD41",
        "i2c",
        _ch(
            ("co2.ppm", 400, 5000, "±(40 ppm + 5%)"),
            ("humidity.relative.percent", 0, 100, "±6 %RH"),
            ("temperature.celsius", -10, 60, "±0.8 °C"),
        ),
    ),
    PeripheralType(
        "CLR-C-002",
        "Senseair S8 NDIR CO2",
        "chemical",
        "Digital",
        "Senseair",
        "S8-0053",
        "uart",
        _ch(("co2.ppm", 400, 2000, "±(40 ppm + 3%)")),
    ),
    PeripheralType(
        "CLR-C-010",
        "SPS30 Particulate Matter",
        "chemical",
        "Digital",
        "Sensirion",
        "SPS30",
        "i2c",
        _ch(
            ("pm1.microgram_per_cubic_meter", 0, 1000, "±10 µg/m³"),
            ("pm2_5.microgram_per_cubic_meter", 0, 1000, "±10 µg/m³"),
            ("pm10.microgram_per_cubic_meter", 0, 1000, "±25 µg/m³"),
        ),
    ),
    PeripheralType(
        "CLR-C-020",
        "SGP41 VOC/NOx",
        "chemical",
        "Digital",
        "Sensirion",
        "SGP41",
        "i2c",
        _ch(("voc.ppb", 0, 1000, "±15 index points")),
    ),
    PeripheralType(
        "CLR-C-030",
        "Atlas pH Probe",
        "chemical",
        "Voltage",
        "Atlas Scientific",
        "ENV-40-pH",
        "analog-V",
        _ch(("ph.ph", 0, 14, "±0.002 pH")),
    ),
    PeripheralType(
        "CLR-C-031",
        "Conductivity Probe K1.0",
        "chemical",
        "Voltage",
        "Atlas Scientific",
        "ENV-40-EC-K1.0",
        "analog-V",
        _ch(("conductivity.microsiemens_per_cm", 5, 200000, "±2%")),
    ),
    PeripheralType(
        "CLR-C-032",
        "Optical Dissolved Oxygen",
        "chemical",
        "Digital",
        "YSI",
        "ProODO",
        "rs485",
        _ch(
            ("dissolved_oxygen.mg_per_liter", 0, 50, "±0.1 mg/L"),
            ("temperature.celsius", -5, 50, "±0.2 °C"),
        ),
    ),
    PeripheralType(
        "CLR-M-001",
        "IEPE Accelerometer 100 mV/g",
        "mechanical",
        "Accelerometer",
        "PCB Piezotronics",
        "603C01",
        "iepe",
        _ch(("vibration.acceleration.rms", 0, 490, "±5% sensitivity")),
    ),
    PeripheralType(
        "CLR-M-002",
        "Triaxial MEMS Accelerometer",
        "mechanical",
        "Accelerometer",
        "Analog Devices",
        "ADXL355",
        "spi",
        _ch(
            ("vibration.acceleration.mps2", -78, 78, "±0.5%"),
            ("vibration.acceleration.mps2", -78, 78, "±0.5%"),
            ("vibration.acceleration.mps2", -78, 78, "±0.5%"),
        ),
    ),
    PeripheralType(
        "CLR-M-003",
        "Vibration Velocity Transmitter",
        "mechanical",
        "Current",
        "IFM",
        "VK3121",
        "4-20mA",
        _ch(("vibration.velocity.rms", 0, 25, "±1.5% of range")),
    ),
    PeripheralType(
        "CLR-M-010",
        "Pressure Transmitter 0-10 bar",
        "mechanical",
        "Current",
        "WIKA",
        "A-10",
        "4-20mA",
        _ch(("pressure.bar", 0, 10, "±0.5% of span")),
    ),
    PeripheralType(
        "CLR-M-011",
        "Differential Pressure 0-2.5 kPa",
        "mechanical",
        "Digital",
        "Sensirion",
        "SDP810-500Pa",
        "i2c",
        _ch(("pressure.differential.pascal", -500, 500, "±3% of reading")),
    ),
    PeripheralType(
        "CLR-M-020",
        "Ultrasonic Level Sensor",
        "mechanical",
        "Current",
        "MaxBotix",
        "MB7389",
        "4-20mA",
        _ch(("level.meter", 0.3, 5, "±1%")),
    ),
    PeripheralType(
        "CLR-M-030",
        "Load Cell 500 kg",
        "mechanical",
        "Bridge",
        "HBM",
        "C2-500kg",
        "bridge-mV/V",
        _ch(("mass.kilogram", 0, 500, "±0.02% FS")),
    ),
    PeripheralType(
        "CLR-M-040",
        "Magnetic Flow Meter DN50",
        "mechanical",
        "Current",
        "Endress+Hauser",
        "Promag W 400",
        "4-20mA",
        _ch(("flow.volumetric.cubic_meter_per_hour", 0, 70, "±0.5% of reading")),
    ),
    PeripheralType(
        "CLR-E-001",
        "Split-Core Current Clamp 100 A",
        "electromagnetic",
        "Current Transformer",
        "YHDC",
        "SCT-013-000",
        "analog-mA",
        _ch(("current.rms", 0, 100, "±1%")),
    ),
    PeripheralType(
        "CLR-E-002",
        "Three-Phase Power Meter",
        "electromagnetic",
        "Digital",
        "Eastron",
        "SDM630-Modbus",
        "rs485",
        _ch(
            ("voltage.rms", 0, 480, "±0.5%"),
            ("current.rms", 0, 100, "±0.5%"),
            ("power.active.kilowatt", 0, 150, "±1%"),
            ("energy.active.kilowatt_hour", 0, 1e9, "Class 1"),
            ("power_factor.ratio", -1, 1, "±1%"),
        ),
    ),
    PeripheralType(
        "CLR-E-003",
        "INA226 Power Monitor",
        "electromagnetic",
        "Digital",
        "Texas Instruments",
        "INA226",
        "i2c",
        _ch(("voltage.volt", 0, 36, "±0.1%"), ("current.ampere", -20, 20, "±0.1%")),
    ),
    PeripheralType(
        "CLR-O-001",
        "BH1750 Ambient Light",
        "optical",
        "Digital",
        "ROHM",
        "BH1750FVI",
        "i2c",
        _ch(("illuminance.lux", 1, 65535, "±20%")),
    ),
    PeripheralType(
        "CLR-O-002",
        "Pyranometer Class B",
        "optical",
        "Voltage",
        "Apogee",
        "SP-510",
        "analog-mV",
        _ch(("irradiance.watt_per_square_meter", 0, 2000, "±5%")),
    ),
    PeripheralType(
        "CLR-O-003",
        "VEML6075 UV Sensor",
        "optical",
        "Digital",
        "Vishay",
        "VEML6075",
        "i2c",
        _ch(("uv_index.index", 0, 15, "±1 index")),
    ),
    PeripheralType(
        "CLR-O-010",
        "Turbidity Probe",
        "optical",
        "Digital",
        "Hach",
        "Solitax sc",
        "rs485",
        _ch(("turbidity.ntu", 0, 4000, "±5% of reading")),
        contribution_status="community",
    ),
    PeripheralType(
        "CLR-M-050",
        "Anemometer Cup 3-Arm",
        "mechanical",
        "Pulse",
        "Davis",
        "6410",
        "pulse",
        _ch(("wind.speed.mps", 0, 89, "±5%"), ("angle.degree", 0, 360, "±3°")),
        contribution_status="community",
    ),
    PeripheralType(
        "CLR-M-060",
        "Hall-Effect Tachometer",
        "mechanical",
        "Pulse",
        "Honeywell",
        "SS49E-TACH",
        "pulse",
        _ch(("angular_velocity.rpm", 0, 30000, "±0.1%")),
        contribution_status="pending",
        is_public=True,
    ),
)


@cache
def registry() -> dict[str, PeripheralType]:
    """Every peripheral type by pdp_type_id."""
    return {t.pdp_type_id: t for t in _TYPES}
