"""The rules a tidy counts file is checked by, from the place's indicator catalogue.

An indicator_id in counts names a definition by its ``id`` or by the ``data.indicator_id`` it
reads from the warehouse (retired definitions included: their history may still be loaded). An
id used by several definitions takes every rule that applies to any of them.
"""

from __future__ import annotations

from pathlib import Path

from healthequity.indicators.catalogue import Catalogue, place_catalogue
from healthequity.indicators.definition import ValueType, WarehouseData
from healthequity.sources.count_rules import CountRules

#: How messages name a value type ("'x' is a crude rate").
NAMES: dict[ValueType, str] = {
    ValueType.PROPORTION: "a proportion",
    ValueType.CRUDE_RATE: "a crude rate",
    ValueType.DSR: "a directly standardised rate",
    ValueType.ISR: "an indirectly standardised ratio",
    ValueType.LIFE_EXPECTANCY: "a life expectancy",
    ValueType.MEAN: "a mean",
    ValueType.COUNT: "a count",
    ValueType.PUBLISHED: "taken as published",
}


def count_rules(catalogue: Catalogue) -> CountRules:
    """Every id of ``catalogue`` (a definition's id or the warehouse indicator_id its data
    reads) with the value types of the definitions it names."""
    found: dict[str, set[ValueType]] = {}
    for d in catalogue:
        ids = {d.id}
        if isinstance(d.data, WarehouseData):
            ids.add(d.data.indicator_id)
        for i in ids:
            found.setdefault(i, set()).add(d.value_type)
    return CountRules(
        kinds={i: " and ".join(sorted(NAMES[t] for t in types)) for i, types in found.items()},
        proportions=frozenset(i for i, t in found.items() if ValueType.PROPORTION in t),
        means=frozenset(i for i, t in found.items() if ValueType.MEAN in t),
    )


def place_count_rules(place_folder: str | Path | None) -> CountRules:
    """The rules of the catalogue a place builds from (its own ``indicators`` folder over the
    shipped definitions), the ones its counts are loaded by."""
    return count_rules(place_catalogue(place_folder))
