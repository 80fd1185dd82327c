"""Indicator definitions as data: one YAML file per indicator, validated on load, by principle."""

from healthequity.indicators.catalogue import (
    Catalogue,
    load_catalogue,
    load_definition,
    shipped_folder,
)
from healthequity.indicators.definition import (
    Breakdown,
    Definition,
    DefinitionProblem,
    DefinitionsRejected,
    Geography,
    PeriodType,
    Polarity,
    PublishedData,
    PublishedExtract,
    Sex,
    Standardisation,
    Status,
    SyntheticData,
    ValueType,
    WarehouseData,
    parse_definition,
)
from healthequity.indicators.principles import PRINCIPLES, Principle, principle

__all__ = [
    "PRINCIPLES",
    "Breakdown",
    "Catalogue",
    "Definition",
    "DefinitionProblem",
    "DefinitionsRejected",
    "Geography",
    "PeriodType",
    "Polarity",
    "Principle",
    "PublishedData",
    "PublishedExtract",
    "Sex",
    "Standardisation",
    "Status",
    "SyntheticData",
    "ValueType",
    "WarehouseData",
    "load_catalogue",
    "load_definition",
    "parse_definition",
    "principle",
    "shipped_folder",
]
