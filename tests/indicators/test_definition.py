"""The definition model: valid definitions parse; each kind of mistake names the file and field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from healthequity.errors import InputError
from healthequity.indicators import (
    PRINCIPLES,
    Definition,
    DefinitionsRejected,
    PublishedData,
    Standardisation,
    SyntheticData,
    ValueType,
    WarehouseData,
    parse_definition,
    principle,
)

FILE = "definitions/infant_mortality.yaml"

BASE: dict[str, Any] = {
    "id": "infant_mortality",
    "name": "Infant mortality rate",
    "principle": 1,
    "definition": "Deaths of infants aged under 1 year / live births in the same period",
    "value_type": "crude_rate",
    "numerator": "Deaths of infants aged under 1 year",
    "denominator": "Live births in the same period (3-year pooled)",
    "multiplier": 1000,
    "polarity": "lower_is_better",
    "unit": "per 1,000 live births",
    "source": "ONS (via OHID)",
    "fingertips_id": 92196,
    "lowest_geography": "la",
    "breakdowns": ["sex", "deprivation"],
    "period_type": "pooled_3_calendar_years",
    "data": {"kind": "synthetic", "value": 3.9, "gradient": 2.0, "denominator": 60, "seed": 1},
}


def variant(**changes: Any) -> dict[str, Any]:
    """BASE with fields replaced; a value of ... removes the field."""
    raw = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is ...:
            raw.pop(key)
        else:
            raw[key] = value
    return raw


def problems(**changes: Any) -> list[str]:
    with pytest.raises(DefinitionsRejected) as caught:
        parse_definition(variant(**changes), FILE, "infant_mortality")
    assert isinstance(caught.value, InputError)
    return [str(p) for p in caught.value.problems]


def test_a_valid_definition_parses_with_defaults() -> None:
    d = parse_definition(variant(), FILE, "infant_mortality")
    assert d.id == "infant_mortality"
    assert d.value_type is ValueType.CRUDE_RATE
    assert d.multiplier == 1000
    assert d.age == "All ages" and d.sex == "Persons" and d.status == "active"
    assert d.is_active
    assert d.fingertips_polarity == "RAG - Low is good"
    assert d.principle_info.short_title == "Best start"
    assert isinstance(d.data, SyntheticData) and d.data.annual_change == 0.0


@pytest.mark.parametrize(
    ("polarity", "fingertips"),
    [
        ("higher_is_better", "RAG - High is good"),
        ("lower_is_better", "RAG - Low is good"),
        ("no_judgement", "BOB - Blue orange blue"),
    ],
)
def test_polarity_maps_to_fingertips(polarity: str, fingertips: str) -> None:
    d = parse_definition(variant(polarity=polarity), FILE)
    assert d.fingertips_polarity == fingertips


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"colour": "red"}, "field colour: unknown field (allowed: id, name, principle, "),
        ({"multiplyer": 100}, "field multiplyer: unknown field; did you mean 'multiplier'?"),
        ({"name": ...}, "field name: missing (required)"),
        ({"principle": 9}, "field principle: must be a Marmot principle number, 1 to 8 (got 9)"),
        ({"principle": 0}, "field principle: must be a Marmot principle number, 1 to 8 (got 0)"),
        ({"multiplier": 0}, "field multiplier: must be > 0 (got 0)"),
        ({"multiplier": -100}, "field multiplier: must be > 0 (got -100)"),
        (
            {"value_type": "rate"},
            "field value_type: Input should be 'proportion', 'crude_rate', 'dsr', 'isr', "
            "'life_expectancy', 'mean', 'count' or 'published' (got 'rate')",
        ),
        (
            {"id": "infant"},
            "field id: 'infant' must equal the file name (expected 'infant_mortality')",
        ),
        ({"multiplier": ...}, "field multiplier: required when value_type is crude_rate"),
        ({"denominator": ...}, "field denominator: required when value_type is crude_rate"),
        (
            {"multiplier": 250},
            "field multiplier: must be a power of ten (1, 10, 100, 1000 ...) for a crude_rate (got 250)",
        ),
        ({"breakdowns": ["sex", "sex"]}, "field breakdowns: listed more than once: sex"),
        ({"breakdowns": ["region"]}, "field breakdowns.0: Input should be 'sex', 'age', "),
        (
            {"data": {"kind": "synth"}},
            "field data: unknown kind 'synth'; expected one of: 'warehouse', 'synthetic', 'published'",
        ),
        (
            {"data": {"value": 1}},
            "field data: missing kind; expected one of: 'warehouse', 'synthetic', 'published'",
        ),
        (
            {"data": {"kind": "synthetic", "value": 0, "denominator": 5}},
            "field data.value: Input should be greater than 0 (got 0)",
        ),
        (
            {"data": {"kind": "synthetic", "value": 1, "denominator": 5, "sed": 3}},
            "field data.sed: unknown field; did you mean 'seed'?",
        ),
        (
            {"data": {"kind": "synthetic", "value": 3}},
            "field data: synthetic data needs denominator (mean per LSOA per period)",
        ),
        ({"data": {"kind": "warehouse"}}, "field data.indicator_id: missing (required)"),
        (
            {"published": {"file": "../secret.csv"}},
            "field published.file: must be a .csv path relative to the published-extracts folder (got '../secret.csv')",
        ),
        (
            {"published": {"file": "a/b.csv", "wher": {}}},
            "field published.wher: unknown field; did you mean 'where'?",
        ),
        (
            {"fingertips_id": "abc"},
            "field fingertips_id: Input should be a valid integer, unable to parse string as an integer (got 'abc')",
        ),
        (
            {"replaced_by": "infant_mortality"},
            "field replaced_by: cannot be the indicator itself (got 'infant_mortality')",
        ),
        (
            {"sex": "persons"},
            "field sex: Input should be 'Persons', 'Male' or 'Female' (got 'persons')",
        ),
        (
            {"lowest_geography": "county"},
            "field lowest_geography: Input should be 'lsoa', 'msoa', 'ward', 'la' or 'gp_practice' (got 'county')",
        ),
        ({"name": "  "}, "field name: String should have at least 1 character (got '  ')"),
    ],
)
def test_each_mistake_names_the_file_and_field(changes: dict[str, Any], expected: str) -> None:
    found = problems(**changes)
    assert len(found) == 1, found
    assert found[0].startswith(f"{FILE}: {expected}")


def test_every_problem_in_one_file_is_listed_at_once() -> None:
    found = problems(principle=9, multiplier=0, colour="red", name=...)
    assert found == [
        f"{FILE}: field name: missing (required)",
        f"{FILE}: field principle: must be a Marmot principle number, 1 to 8 (got 9)",
        f"{FILE}: field multiplier: must be > 0 (got 0)",
        f"{FILE}: field colour: unknown field (allowed: id, name, principle, definition, "
        "value_type, numerator, denominator, multiplier, standardisation, polarity, unit, source, "
        "fingertips_id, "
        "lowest_geography, breakdowns, age, sex, period_type, status, replaced_by, notes, "
        "published, data)",
    ]


def test_rejection_message_header_counts_problems() -> None:
    with pytest.raises(DefinitionsRejected) as caught:
        parse_definition(variant(multiplier=0), FILE, "infant_mortality")
    assert str(caught.value) == (
        "indicator definitions rejected, 1 problem in 1 file; nothing was loaded:\n"
        f"  - {FILE}: field multiplier: must be > 0 (got 0)"
    )
    assert caught.value.field == "multiplier"


def test_not_a_mapping_is_rejected() -> None:
    with pytest.raises(DefinitionsRejected, match=r"expected a mapping of fields, got a list"):
        parse_definition(["id", "x"], FILE)
    with pytest.raises(
        DefinitionsRejected, match=r"expected a mapping of fields, got an empty file"
    ):
        parse_definition(None, FILE)


@pytest.mark.parametrize(
    ("value_type", "multiplier", "message"),
    [
        ("proportion", 1000, "must be 1 or 100 for a proportion (got 1000)"),
        ("life_expectancy", 100, "must be 1 (or left out) for a life_expectancy (got 100)"),
        ("count", 1000, "must be 1 (or left out) for a count (got 1000)"),
        ("dsr", 5, "must be a power of ten (1, 10, 100, 1000 ...) for a dsr (got 5)"),
    ],
)
def test_multiplier_must_fit_the_value_type(
    value_type: str, multiplier: float, message: str
) -> None:
    found = problems(value_type=value_type, multiplier=multiplier)
    assert found == [f"{FILE}: field multiplier: {message}"]


@pytest.mark.parametrize(
    ("value_type", "multiplier"),
    [("proportion", 100), ("proportion", 1), ("dsr", 100000), ("isr", 100), ("mean", 1)],
)
def test_consistent_multipliers_pass(value_type: str, multiplier: float) -> None:
    extra = {"sd": 2.0} if value_type == "mean" else {}
    data = {"kind": "synthetic", "value": 5.0, "denominator": 100, **extra}
    std = {"standardisation": {"reference": "england"}} if value_type == "isr" else {}
    raw = variant(value_type=value_type, multiplier=multiplier, data=data, **std)
    d = parse_definition(raw, FILE)
    assert d.multiplier == multiplier


ISR = {"value_type": "isr", "multiplier": 100, "standardisation": {"reference": "england"}}


def test_an_isr_states_its_reference() -> None:
    d = parse_definition(variant(**ISR), FILE)
    assert d.value_type is ValueType.ISR
    assert d.standardisation == Standardisation(reference="england")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"value_type": "isr", "multiplier": 100},
            "field standardisation: required when value_type is isr (e.g. {reference: england})",
        ),
        (
            {**ISR, "standardisation": {"reference": "scotland"}},
            "field standardisation.reference: Input should be 'england' (got 'scotland')",
        ),
        (
            {**ISR, "standardisation": {"refrence": "england"}},
            "field standardisation.reference: missing (required)\n"
            "field standardisation.refrence: unknown field; did you mean 'reference'?",
        ),
        (
            {**ISR, "standardisation": {}},
            "field standardisation.reference: missing (required)",
        ),
        (
            {**ISR, "standardisation": "england"},
            "field standardisation: Input should be a valid dictionary or instance of "
            "Standardisation (got 'england')",
        ),
        (
            {"standardisation": {"reference": "england"}},
            "field standardisation: only for value_type isr (this indicator is a crude_rate)",
        ),
        (
            {**ISR, "multiplier": 1000},
            "field multiplier: must be 1 or 100 (England = 100, as Fingertips' SMRs) for an isr "
            "(got 1000)",
        ),
    ],
)
def test_a_bad_standardisation_is_refused_naming_the_field(
    changes: dict[str, Any], expected: str
) -> None:
    assert problems(**changes) == [f"{FILE}: {line}" for line in expected.split("\n")]


def test_counts_and_published_need_no_denominator_or_multiplier() -> None:
    count = parse_definition(
        variant(
            value_type="count",
            denominator=...,
            multiplier=...,
            data={"kind": "synthetic", "value": 2.0},
        ),
        FILE,
    )
    assert count.denominator is None and count.multiplier is None
    published = parse_definition(
        variant(
            value_type="published", denominator=..., multiplier=..., data={"kind": "published"}
        ),
        FILE,
    )
    assert isinstance(published.data, PublishedData)


def test_published_value_type_cannot_have_counts() -> None:
    assert problems(value_type="published") == [
        f"{FILE}: field data: must be kind 'published' when value_type is published"
    ]


def test_mean_synthetic_data_needs_a_spread_and_only_means_have_one() -> None:
    data = {"kind": "synthetic", "value": 40.0, "denominator": 18}
    assert problems(value_type="mean", multiplier=1, data=data) == [
        f"{FILE}: field data: synthetic data for a mean needs sd (spread of values)"
    ]
    assert problems(data={**data, "sd": 3.0}) == [
        f"{FILE}: field data: sd is only for value_type mean"
    ]


def test_warehouse_data_names_the_counts_indicator() -> None:
    d = parse_definition(variant(data={"kind": "warehouse", "indicator_id": "im_local"}), FILE)
    assert isinstance(d.data, WarehouseData) and d.data.indicator_id == "im_local"


def test_definitions_are_immutable() -> None:
    d = parse_definition(variant(), FILE)
    with pytest.raises(ValueError, match="frozen"):
        d.name = "x"
    assert isinstance(d, Definition)


def test_principles_are_the_eight_marmot_principles() -> None:
    assert [p.number for p in PRINCIPLES] == list(range(1, 9))
    assert principle(1).title == "Give every child the best start in life"
    assert principle(8).title == "Pursue environmental sustainability and health equity together"
    assert [p.letter_2010 for p in PRINCIPLES] == ["A", "B", "C", "D", "E", "F", None, None]
    with pytest.raises(
        InputError, match=r"principle: 9 is not a Marmot principle; expected a number 1 to 8"
    ):
        principle(9)
