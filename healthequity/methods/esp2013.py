"""The European Standard Population 2013 (ESP2013): 19 five-year age bands, 0-4 ... 85-89, 90+.

Source: Eurostat (2013), *Revision of the European Standard Population* (report of Eurostat's
task force), the 19-band version used by ONS and OHID, as shipped in shared/data/reference/
esp2013.csv (see shared/data/SOURCES.md; reuse with acknowledgement, Eurostat copyright notice).
It equals PHEindicatormethods' ``esp2013`` vector, which has no 18-band (85+) variant.
"""

from __future__ import annotations

#: Age band labels, youngest first (the order of :data:`ESP2013`).
ESP2013_BANDS: tuple[str, ...] = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
)  # fmt: skip

#: Lower age of each band (the upper age is the next band's lower age minus one; 90+ is open).
ESP2013_AGE_LOWER: tuple[int, ...] = tuple(range(0, 95, 5))

#: Standard population of each band; the weights sum to 100,000.
ESP2013: tuple[int, ...] = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip
