"""What each indicator_id of a tidy counts file measures, as far as the checks of counts need it.

Some checks of counts depend on it: a proportion's numerator cannot exceed its denominator, but
a crude rate's, a DSR's or a count's can (repeat admissions, events per 100,000), and a mean's
numerator is a sum of values; only a mean has a standard deviation of its values.

The rules are given by the caller, who knows the place's indicator catalogue
(``healthequity.indicators.count_rules`` makes them from it): sources sit below the indicators
and do not read definitions. An id the rules do not know is checked as strictly as possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CountRules:
    """The known indicator_ids of counts: what each is (for messages), which are proportions
    (numerator within denominator) and which are means (a standard deviation belongs)."""

    kinds: Mapping[str, str]
    proportions: frozenset[str] = frozenset()
    means: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """Refuse a proportion or mean the rules do not describe (a caller's mistake)."""
        undescribed = sorted((self.proportions | self.means) - set(self.kinds))
        if undescribed:
            raise ValueError(f"count rules without a description for {', '.join(undescribed)}")
        object.__setattr__(self, "kinds", MappingProxyType(dict(self.kinds)))

    def describe(self, indicator_id: str) -> str:
        """What the id is, for messages: "'x' is a crude rate" or "'x' is not in the catalogue"."""
        what = self.kinds.get(indicator_id)
        if not what:
            return f"{indicator_id!r} is not in the indicator catalogue"
        return f"{indicator_id!r} is {what}"

    def rows(self, ids: pd.Series) -> pd.DataFrame:
        """Per row of ``ids`` (missing ids: unknown): ``known``; ``proportion``, where the
        numerator may not exceed the denominator (a proportion, or an unknown id: the strictest
        rule); ``mean``, where a standard deviation belongs; ``what``, the id described."""
        codes, uniques = pd.factorize(ids)
        names = [str(u) for u in uniques]
        known = np.array([bool(self.kinds.get(u)) for u in names] + [False], dtype=bool)
        proportion = np.array([u in self.proportions for u in names] + [True], dtype=bool)
        strict = proportion | ~known
        mean = np.array([u in self.means for u in names] + [False], dtype=bool)
        what = np.array([self.describe(u) for u in names] + [""], dtype=object)
        at = np.where(codes < 0, len(names), codes)
        return pd.DataFrame(
            {"known": known[at], "proportion": strict[at], "mean": mean[at], "what": what[at]},
            index=ids.index,
        )
