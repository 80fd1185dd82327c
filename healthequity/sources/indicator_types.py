"""What each indicator_id of a tidy counts file measures, from the place's indicator catalogue.

Some checks of counts depend on it: a proportion's numerator cannot exceed its denominator, but
a crude rate's, a DSR's or a count's can (repeat admissions, events per 100,000), and a mean's
numerator is a sum of values; only a mean has a standard deviation of its values.

An indicator_id in counts names a definition by its ``id`` or by the ``data.indicator_id`` it
reads from the warehouse (retired definitions included: their history may still be loaded). An
id used by several definitions takes every rule that applies to any of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from healthequity.indicators.catalogue import Catalogue
from healthequity.indicators.definition import ValueType, WarehouseData

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


@dataclass(frozen=True)
class IndicatorTypes:
    """The value types of every indicator_id the catalogue knows (a definition's id or the
    warehouse indicator_id its data reads)."""

    by_id: Mapping[str, frozenset[ValueType]]

    @classmethod
    def of(cls, catalogue: Catalogue) -> IndicatorTypes:
        """Every id of ``catalogue`` and the value types of the definitions it names."""
        found: dict[str, set[ValueType]] = {}
        for d in catalogue:
            ids = {d.id}
            if isinstance(d.data, WarehouseData):
                ids.add(d.data.indicator_id)
            for i in ids:
                found.setdefault(i, set()).add(d.value_type)
        return cls(MappingProxyType({i: frozenset(t) for i, t in found.items()}))

    def describe(self, indicator_id: str) -> str:
        """What the id is, for messages: "'x' is a crude rate" or "'x' is not in the catalogue"."""
        types = self.by_id.get(indicator_id)
        if not types:
            return f"{indicator_id!r} is not in the indicator catalogue"
        return f"{indicator_id!r} is " + " and ".join(sorted(NAMES[t] for t in types))

    def rows(self, ids: pd.Series) -> pd.DataFrame:
        """Per row of ``ids`` (missing ids: unknown): ``known``; ``proportion``, where the
        numerator may not exceed the denominator (a proportion, or an unknown id: the strictest
        rule); ``mean``, where a standard deviation belongs; ``what``, the id described."""
        codes, uniques = pd.factorize(ids)
        names = [str(u) for u in uniques]
        types = [self.by_id.get(u, frozenset()) for u in names]
        known = np.array([bool(t) for t in types] + [False], dtype=bool)
        strict = np.array([not t or ValueType.PROPORTION in t for t in types] + [True], dtype=bool)
        mean = np.array([ValueType.MEAN in t for t in types] + [False], dtype=bool)
        what = np.array([self.describe(u) for u in names] + [""], dtype=object)
        at = np.where(codes < 0, len(names), codes)
        return pd.DataFrame(
            {"known": known[at], "proportion": strict[at], "mean": mean[at], "what": what[at]},
            index=ids.index,
        )
