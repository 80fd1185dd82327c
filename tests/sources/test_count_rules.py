"""The rules tidy counts are checked by, as the caller gives them: unknown ids are strictest."""

from __future__ import annotations

import pandas as pd
import pytest

from healthequity.sources.count_rules import CountRules

RULES = CountRules(
    kinds={"p": "a proportion", "m": "a mean", "r": "a crude rate and a proportion"},
    proportions=frozenset({"p", "r"}),
    means=frozenset({"m"}),
)


def test_rows_say_what_each_id_is_and_which_checks_apply() -> None:
    ids = pd.Series(["p", "m", "x", None, "m"], index=[10, 11, 12, 13, 14], dtype="string")
    rows = RULES.rows(ids)
    assert rows.index.tolist() == [10, 11, 12, 13, 14]
    assert rows["known"].tolist() == [True, True, False, False, True]
    assert rows["proportion"].tolist() == [True, False, True, True, False]
    assert rows["mean"].tolist() == [False, True, False, False, True]
    assert rows["what"].tolist() == [
        "'p' is a proportion",
        "'m' is a mean",
        "'x' is not in the indicator catalogue",
        "",
        "'m' is a mean",
    ]


def test_describe_names_every_kind_of_an_id() -> None:
    assert RULES.describe("r") == "'r' is a crude rate and a proportion"
    assert CountRules(kinds={}).describe("r") == "'r' is not in the indicator catalogue"


def test_a_proportion_or_mean_without_a_description_is_refused() -> None:
    with pytest.raises(ValueError, match="count rules without a description for m, p"):
        CountRules(kinds={}, proportions=frozenset({"p"}), means=frozenset({"m"}))
