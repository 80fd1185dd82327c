"""One indicator definition: the pydantic model of its YAML file, and readable validation errors.

A definition is data, not code: one YAML file per indicator (``definitions/<id>.yaml``), checked
on load so that a typo or an inconsistent field is an error naming the file and the field.
Fields: id (= file name), name, principle (1-8), definition, value_type, numerator, denominator
(needed for proportions and rates), multiplier (needed for those, and consistent with the type),
standardisation (indirectly standardised ratios only: whose rates give the expected events),
polarity, unit, source, fingertips_id, lowest_geography, breakdowns, age, sex, period_type,
status (retired: kept, not built), replaced_by, notes, published (the shipped extract holding
published values and which rows) and data (how the build gets counts: ``kind`` warehouse,
synthetic or published, see the classes below).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from healthequity.errors import InputError
from healthequity.indicators.principles import Principle, principle

_SLUG = re.compile(r"[a-z][a-z0-9_]{0,79}")
_CSV_PATH = re.compile(r"[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-.]+)*\.csv")


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError("must be lower-case letters, digits and _ (starting with a letter)")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ValueType(StrEnum):
    """The statistic an indicator is, which fixes its method and confidence intervals."""

    PROPORTION = "proportion"  # Wilson score CIs
    CRUDE_RATE = "crude_rate"  # Byar's / exact Poisson CIs
    DSR = "dsr"  # directly standardised rate, ESP2013, Dobson CIs
    ISR = "isr"  # indirectly standardised ratio (SMR/SAR) vs a reference's rates, Byar's / exact
    LIFE_EXPECTANCY = "life_expectancy"  # Chiang II life table (also SII of it, in years)
    MEAN = "mean"  # scores, earnings, concentrations
    COUNT = "count"  # raw counts, no denominator
    PUBLISHED = "published"  # taken as published: no counts, no CIs computed here


class Polarity(StrEnum):
    """Whether a higher value is better, worse or neither (Fingertips' polarity)."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NO_JUDGEMENT = "no_judgement"


FINGERTIPS_POLARITY: dict[Polarity, str] = {
    Polarity.HIGHER_IS_BETTER: "RAG - High is good",
    Polarity.LOWER_IS_BETTER: "RAG - Low is good",
    Polarity.NO_JUDGEMENT: "BOB - Blue orange blue",
}


class Geography(StrEnum):
    """The smallest geography the source routinely publishes the indicator for."""

    LSOA = "lsoa"
    MSOA = "msoa"
    WARD = "ward"
    LA = "la"
    GP_PRACTICE = "gp_practice"


class Breakdown(StrEnum):
    """A split the source or Fingertips routinely publishes (the catalogue's tokens)."""

    SEX = "sex"
    AGE = "age"
    DEPRIVATION = "deprivation"
    ETHNICITY = "ethnicity"
    WARD = "ward"
    FSM = "fsm"
    DISABILITY = "disability"
    TENURE = "tenure"


class Sex(StrEnum):
    """The sex the headline value is for (Fingertips' wording)."""

    PERSONS = "Persons"
    MALE = "Male"
    FEMALE = "Female"


class PeriodType(StrEnum):
    """What one time period of the indicator is."""

    CALENDAR_YEAR = "calendar_year"
    FINANCIAL_YEAR = "financial_year"
    ACADEMIC_YEAR = "academic_year"
    POOLED_3_CALENDAR_YEARS = "pooled_3_calendar_years"
    POOLED_3_FINANCIAL_YEARS = "pooled_3_financial_years"
    POOLED_3_ACADEMIC_YEARS = "pooled_3_academic_years"
    MONTH = "month"
    CENSUS = "census"  # one-off (Census 2021)
    SNAPSHOT = "snapshot"  # a register or index at a date (EPC register, IoD)
    OTHER = "other"  # say what in notes


class Status(StrEnum):
    """Active indicators are built; retired ones are kept (for history) but not built."""

    ACTIVE = "active"
    RETIRED = "retired"


#: Value types computed from a numerator and a denominator: both texts and a multiplier needed.
RATIO_TYPES = frozenset({ValueType.PROPORTION, ValueType.CRUDE_RATE, ValueType.DSR, ValueType.ISR})


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Standardisation(_Spec):
    """Where an indirectly standardised ratio's expected events come from.

    ``reference: england``: England's age-specific (and, for counts by sex, sex-specific) rates
    for the same period, from the England rows (area E92000001, all groups) of the indicator's
    counts; England's own ratio is then the multiplier (100) by construction.
    """

    reference: Literal["england"]


class WarehouseData(_Spec):
    """Counts already loaded in the warehouse ``counts`` dataset under ``indicator_id``."""

    kind: Literal["warehouse"]
    indicator_id: Slug


class SyntheticData(_Spec):
    """Demo counts generated per LSOA and period from ``seed`` (for a place without its data).

    ``value`` is the typical value in the indicator's unit (for an ISR, whose England value is
    100 by construction: England's age-standardised (ESP2013) rate of the events per 100,000,
    which sets the size of the counts); ``gradient`` the value in the most deprived decile
    divided by that in the least; ``annual_change`` the relative change per
    period (-0.02 = 2% lower each period); ``denominator`` the mean denominator per LSOA per
    period (not for counts, where ``value`` is the expected count); ``sd`` the spread of
    individual values (means only).
    """

    kind: Literal["synthetic"]
    value: float = Field(gt=0)
    gradient: float = Field(default=1.0, gt=0)
    annual_change: float = Field(default=0.0, gt=-1, lt=1)
    denominator: int | None = Field(default=None, gt=0)
    sd: float | None = Field(default=None, gt=0)
    seed: int = Field(default=0, ge=0)


class PublishedData(_Spec):
    """No counts: values are taken as published, from ``published`` (a shipped extract) or
    from the warehouse ``fingertips`` dataset under ``fingertips_id``."""

    kind: Literal["published"]


DataSpec = Annotated[WarehouseData | SyntheticData | PublishedData, Field(discriminator="kind")]
DATA_KINDS: dict[str, type[_Spec]] = {
    "warehouse": WarehouseData,
    "synthetic": SyntheticData,
    "published": PublishedData,
}


class PublishedExtract(_Spec):
    """Which shipped published extract holds the indicator's published values, and its rows.

    ``file`` is relative to the published-extracts folder (``data/indicators``); ``where``
    keeps rows whose column equals the value; ``sex_column`` / ``category_column`` name the
    columns holding sex and breakdown category (none: every row is Persons, no category).
    """

    file: str
    where: dict[Text, Text] = Field(default_factory=dict)
    sex_column: Text | None = None
    category_column: Text | None = None

    @field_validator("file")
    @classmethod
    def _relative(cls, value: str) -> str:
        if not _CSV_PATH.fullmatch(value) or ".." in value.split("/"):
            raise ValueError("must be a .csv path relative to the published-extracts folder")
        return value


class Definition(BaseModel):
    """One indicator, as its YAML file states it (fields: see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: Text
    principle: int
    definition: Text
    value_type: ValueType
    numerator: Text
    denominator: Text | None = Field(default=None, validate_default=True)
    multiplier: float | None = Field(default=None, validate_default=True)
    standardisation: Standardisation | None = Field(default=None, validate_default=True)
    polarity: Polarity
    unit: Text
    source: Text
    fingertips_id: int | None = Field(default=None, gt=0)
    lowest_geography: Geography
    breakdowns: tuple[Breakdown, ...] = ()
    age: Text = "All ages"
    sex: Sex = Sex.PERSONS
    period_type: PeriodType
    status: Status = Status.ACTIVE
    replaced_by: Slug | None = None
    notes: Text | None = None
    published: PublishedExtract | None = None
    data: DataSpec

    @field_validator("principle")
    @classmethod
    def _principle(cls, value: int) -> int:
        if not 1 <= value <= 8:
            raise ValueError("must be a Marmot principle number, 1 to 8")
        return value

    @field_validator("denominator")
    @classmethod
    def _denominator(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("value_type")
        if value is None and kind in RATIO_TYPES:
            raise ValueError(f"required when value_type is {kind}")
        return value

    @field_validator("multiplier")
    @classmethod
    def _multiplier(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("value_type")
        if value is None:
            if kind in RATIO_TYPES:
                raise ValueError(f"required when value_type is {kind}")
            return value
        if not (value > 0 and math.isfinite(value)):
            raise ValueError("must be > 0")
        if kind == ValueType.PROPORTION and value not in (1, 100):
            raise ValueError("must be 1 or 100 for a proportion")
        if kind == ValueType.ISR and value not in (1, 100):
            raise ValueError("must be 1 or 100 (England = 100, as Fingertips' SMRs) for an isr")
        if kind in RATIO_TYPES and not _power_of_ten(value):
            raise ValueError(f"must be a power of ten (1, 10, 100, 1000 ...) for a {kind}")
        if kind in (ValueType.LIFE_EXPECTANCY, ValueType.COUNT) and value != 1:
            raise ValueError(f"must be 1 (or left out) for a {kind}")
        return value

    @field_validator("standardisation")
    @classmethod
    def _standardisation(
        cls, value: Standardisation | None, info: ValidationInfo
    ) -> Standardisation | None:
        kind = info.data.get("value_type")
        if value is None and kind == ValueType.ISR:
            raise ValueError("required when value_type is isr (e.g. {reference: england})")
        if value is not None and kind is not None and kind != ValueType.ISR:
            raise ValueError(f"only for value_type isr (this indicator is a {kind})")
        return value

    @field_validator("breakdowns")
    @classmethod
    def _unique(cls, value: tuple[Breakdown, ...]) -> tuple[Breakdown, ...]:
        twice = sorted({str(b) for b in value if value.count(b) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(twice)}")
        return value

    @field_validator("replaced_by")
    @classmethod
    def _not_self(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value == info.data.get("id"):
            raise ValueError("cannot be the indicator itself")
        return value

    @field_validator("data")
    @classmethod
    def _data(cls, value: _Spec, info: ValidationInfo) -> _Spec:
        kind = info.data.get("value_type")
        if kind == ValueType.PUBLISHED and not isinstance(value, PublishedData):
            raise ValueError("must be kind 'published' when value_type is published")
        if isinstance(value, SyntheticData):
            if value.denominator is None and kind != ValueType.COUNT:
                raise ValueError("synthetic data needs denominator (mean per LSOA per period)")
            if value.sd is not None and kind != ValueType.MEAN:
                raise ValueError("sd is only for value_type mean")
            if value.sd is None and kind == ValueType.MEAN:
                raise ValueError("synthetic data for a mean needs sd (spread of values)")
        return value

    @property
    def fingertips_polarity(self) -> str:
        """Fingertips' name for the polarity, e.g. 'RAG - Low is good'."""
        return FINGERTIPS_POLARITY[self.polarity]

    @property
    def principle_info(self) -> Principle:
        """The Marmot principle the indicator sits under."""
        return principle(self.principle)

    @property
    def is_active(self) -> bool:
        """True if the indicator is built (status active)."""
        return self.status == Status.ACTIVE


def _power_of_ten(value: float) -> bool:
    exponent = math.log10(value)
    return value >= 1 and abs(exponent - round(exponent)) < 1e-9


@dataclass(frozen=True)
class DefinitionProblem:
    """One thing wrong with a definition file: the file, the field (dotted path) and what."""

    file: str
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.field is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}: field {self.field}: {self.message}"


class DefinitionsRejected(InputError):
    """Indicator definition files with problems, all of them listed; nothing was loaded."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        files = len({p.file for p in self.problems})
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"indicator definitions rejected, {count} problem{'s' if count != 1 else ''} in "
            f"{files} file{'s' if files != 1 else ''}; nothing was loaded:\n{lines}",
            field=self.problems[0].field if self.problems else None,
        )


def _allowed_fields(loc: tuple[int | str, ...]) -> list[str]:
    """The field names a mapping at ``loc`` (the location of an unknown key) may have."""
    model: type[BaseModel] = Definition
    if loc and loc[0] == "published":
        model = PublishedExtract
    elif loc and loc[0] == "standardisation":
        model = Standardisation
    elif len(loc) > 1 and loc[0] == "data" and str(loc[1]) in DATA_KINDS:
        model = DATA_KINDS[str(loc[1])]
    return list(model.model_fields)


def _problem(file: str, error: Any) -> DefinitionProblem:
    loc: tuple[int | str, ...] = tuple(error["loc"])
    kind: str = error["type"]
    message: str = error["msg"]
    if kind == "extra_forbidden":
        allowed = _allowed_fields(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        message = "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
        message += f" (allowed: {', '.join(allowed)})" if not close else ""
    elif kind == "missing":
        message = "missing (required)"
    elif kind in ("union_tag_not_found", "union_tag_invalid"):
        tag = error.get("ctx", {}).get("tag")
        message = f"unknown kind {tag!r}; " if kind == "union_tag_invalid" else "missing kind; "
        message += f"expected one of: {', '.join(repr(k) for k in DATA_KINDS)}"
    else:
        message = message.removeprefix("Value error, ")
        value = error.get("input")
        if isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
    shown = [str(part) for part in loc]
    if len(loc) > 1 and loc[0] == "data" and str(loc[1]) in DATA_KINDS:
        del shown[1]  # pydantic puts the union tag in the path: data.synthetic.value
    return DefinitionProblem(file, ".".join(shown) or None, message)


def definition_problems(
    raw: Any, file: str, expected_id: str | None = None
) -> tuple[Definition | None, list[DefinitionProblem]]:
    """Validate parsed YAML ``raw`` from ``file``: the definition, or every problem found.

    ``expected_id`` (the file name without its suffix) must equal the ``id`` field.
    """
    if not isinstance(raw, dict):
        got = "an empty file" if raw is None else f"a {type(raw).__name__}"
        return None, [DefinitionProblem(file, None, f"expected a mapping of fields, got {got}")]
    problems: list[DefinitionProblem] = []
    if expected_id is not None and isinstance(raw.get("id"), str) and raw["id"] != expected_id:
        problems.append(
            DefinitionProblem(
                file, "id", f"{raw['id']!r} must equal the file name (expected {expected_id!r})"
            )
        )
    try:
        definition = Definition.model_validate(raw)
    except ValidationError as err:
        problems.extend(_problem(file, e) for e in err.errors())
        return None, problems
    return (None, problems) if problems else (definition, [])


def parse_definition(raw: Any, file: str, expected_id: str | None = None) -> Definition:
    """Validate parsed YAML ``raw``; raise DefinitionsRejected listing every problem."""
    definition, problems = definition_problems(raw, file, expected_id)
    if definition is None:
        raise DefinitionsRejected(problems)
    return definition
