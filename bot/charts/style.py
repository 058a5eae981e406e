"""The one look of every chart: colours, sizes and fonts (no matplotlib import here)."""

from __future__ import annotations

from typing import Final

from bot.digiwatt.models import Appliance, TariffBand

# 6.4 x 3.6 inches at 200 dpi is 1280 x 720 pixels: the largest photo Telegram keeps, and the
# inch size makes 10 pt text about 28 px, readable on a phone without zooming.
DPI: Final = 200
WIDE: Final = (6.4, 3.6)
# The greenness timeline goes out every morning with a text: a lower strip is enough.
STRIP: Final = (6.4, 3.0)

# A fixed colour per appliance, so the dishwasher looks the same in every chart and period.
APPLIANCE_COLORS: Final[dict[Appliance, str]] = {
    Appliance.AIR_CONDITIONER: "#56A3DB",
    Appliance.BOILER: "#D1495B",
    Appliance.CHARGING_STATION: "#2A9D8F",
    Appliance.DISHWASHER: "#6A4C93",
    Appliance.ELECTRIC_HEATER: "#F28C28",
    Appliance.ELECTRIC_VEHICLE: "#1D6F4F",
    Appliance.FRIDGE: "#1F4E8C",
    Appliance.HEAT_PUMP: "#9B2226",
    Appliance.INDUCTION_COOKTOP: "#8C5A3C",
    Appliance.MICROWAVE: "#D4A373",
    Appliance.OVEN: "#B5179E",
    Appliance.SOLAR_BATTERY: "#90A955",
    Appliance.SOLAR_PANEL: "#E9C46A",
    Appliance.TELEVISION: "#6C757D",
    Appliance.WASHING_MACHINE: "#4CC9F0",
}
# Energy no appliance accounts for, and appliances too small to get their own legend entry.
OTHER_COLOR: Final = "#C9CED6"

# Peak hours look expensive (warm), night hours cheap (cool).
BAND_COLORS: Final[dict[TariffBand, str]] = {
    TariffBand.F1: "#E4572E",
    TariffBand.F2: "#F3A712",
    TariffBand.F3: "#3A7CA5",
}

GREEN: Final = "#2B9348"
GREEN_LIGHT: Final = "#D8F3DC"
NOT_GREEN: Final = "#B7C4B9"
ACCENT: Final = "#1F4E8C"
BETTER: Final = "#2B9348"  # less energy than before / than others
WORSE: Final = "#D1495B"
INK: Final = "#1B1F24"
MUTED: Final = "#5F6B7A"
GRID: Final = "#E3E7EC"
BACKGROUND: Final = "white"
HEATMAP_CMAP: Final = "YlOrRd"
MISSING: Final = "#EEF0F3"

# Font sizes in points (see DPI above).
TITLE: Final = 14.0
SUBTITLE: Final = 10.0
LABEL: Final = 9.5
TICK: Final = 9.0
SMALL: Final = 8.0
BIG: Final = 18.0

# Legends and lists keep this many appliances; the rest join "Other" so text stays readable.
MAX_SERIES: Final = 8
