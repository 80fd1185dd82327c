"""The evaluation config: one YAML file says what was done where and when, what it should change,
what it is compared with and how. Validated by pydantic; every error names the file and field.

Checks that need the data (unknown areas, a start outside the data, too few comparison areas,
no pre-period) are made when the panel is read (``healthequity.evaluation.panel``), with the
same kind of message.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from healthequity.errors import InputError

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
GssCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^E\d{8}$")]


class ConfigError(InputError):
    """An evaluation config that cannot be run: the message names the file and the field."""


class MatchMethod(StrEnum):
    """How comparison areas are chosen from the pool."""

    NEAREST = "nearest"  # nearest neighbours on standardised covariates (Mahalanobis)
    PROPENSITY = "propensity"  # nearest neighbours on the logit of a propensity score
    NONE = "none"  # every area of the pool


class Covariate(StrEnum):
    """What areas can be matched on."""

    DEPRIVATION = "deprivation"  # IMD score of the area (mean over its LSOAs for a ward)
    POPULATION = "population"  # log of the mean pre-period denominator
    PRE_TREND = "pre_trend"  # least-squares slope of the outcome over the pre-period
    PRE_LEVEL = "pre_level"  # mean of the outcome over the pre-period


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GroupConfig(_Model):
    """Areas that started the intervention at the same time (one cohort)."""

    name: Text
    areas: list[GssCode] = Field(min_length=1)
    start: int | Text

    @field_validator("start")
    @classmethod
    def _start(cls, value: int | str) -> int | str:
        return _check_period(value)


class InterventionConfig(_Model):
    """Where and when: LSOA or ward codes and the first period of the intervention; or
    ``groups`` of areas with their own start (staggered adoption)."""

    name: Text = "Intervention areas"
    areas: list[GssCode] = Field(default_factory=list)
    start: int | Text | None = None
    groups: list[GroupConfig] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _start(cls, value: int | str | None) -> int | str | None:
        return None if value is None else _check_period(value)

    @model_validator(mode="after")
    def _one_way(self) -> InterventionConfig:
        if self.groups and (self.areas or self.start is not None):
            raise ValueError("give either areas and start, or groups, not both")
        if not self.groups and not self.areas:
            raise ValueError("give the intervention areas (LSOA or ward codes) and start")
        if self.areas and self.start is None:
            raise ValueError("give the start: the first period of the intervention, e.g. 2020")
        return self

    def cohorts(self) -> list[GroupConfig]:
        """The groups, the shorthand ``areas`` + ``start`` being one group."""
        if self.groups:
            return list(self.groups)
        assert self.start is not None
        return [GroupConfig(name=self.name, areas=self.areas, start=self.start)]


class OutcomeConfig(_Model):
    """What should change: a counts file (numerator and denominator by area and period) or an
    indicator from the latest (or a given) build of a place's warehouse."""

    name: Text
    counts: Path | None = None
    area_column: Text = "area_code"
    period_column: Text = "period"
    numerator: Text = "numerator"
    denominator: Text = "denominator"
    multiplier: float = Field(default=1000.0, gt=0)
    unit: Text | None = None
    indicator: Text | None = None
    place: Path | None = None
    build: int | None = Field(default=None, ge=1)
    sex: Text = "Persons"
    area_type: Literal["LSOA", "Ward"] = "LSOA"
    polarity: Literal["lower_is_better", "higher_is_better"] = "lower_is_better"
    weights: Literal["none", "denominator"] = "none"

    @model_validator(mode="after")
    def _one_source(self) -> OutcomeConfig:
        if (self.counts is None) == (self.indicator is None):
            raise ValueError("give exactly one of counts (a file) or indicator (an indicator id)")
        if self.indicator is not None and self.place is None:
            raise ValueError("an indicator outcome needs place: the place folder with its build")
        return self

    def unit_text(self) -> str:
        """'per 1,000' unless a unit is given."""
        if self.unit is not None:
            return self.unit
        return f"per {self.multiplier:,.0f}" if self.multiplier != 1 else ""


class ComparisonConfig(_Model):
    """Where comparison areas come from and how they are chosen."""

    pool: Literal["city", "england"] = "city"
    la_codes: list[GssCode] = Field(default_factory=list)
    exclude: list[GssCode] = Field(default_factory=list)
    method: MatchMethod = MatchMethod.NEAREST
    per_treated: int = Field(default=3, ge=1, le=20)
    replace: bool = False
    match_on: list[Covariate] = Field(
        default_factory=lambda: [Covariate.DEPRIVATION, Covariate.POPULATION, Covariate.PRE_TREND]
    )
    caliper: float | None = Field(default=None, gt=0)
    min_areas: int = Field(default=5, ge=2)
    iod_version: Literal[2019, 2025] = 2025

    @model_validator(mode="after")
    def _covariates(self) -> ComparisonConfig:
        if self.method != MatchMethod.NONE and not self.match_on:
            raise ValueError("match_on must name at least one covariate when matching")
        return self


class ItsConfig(_Model):
    """Interrupted time series: the whole scheme, or one area (an LSOA or ward code)."""

    unit: Literal["scheme"] | GssCode = "scheme"
    maxlags: int | None = Field(default=None, ge=0)


class EvaluationConfig(_Model):
    """One evaluation, as read from its YAML file."""

    name: Text
    description: str = ""
    synthetic: bool = False
    intervention: InterventionConfig
    outcome: OutcomeConfig
    comparison: ComparisonConfig = ComparisonConfig()
    its: ItsConfig = ItsConfig()
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    source: Path | None = Field(default=None, exclude=True)

    def resolve(self, path: Path | None) -> Path | None:
        """A path in the config, relative to the config's folder."""
        if path is None or path.is_absolute() or self.source is None:
            return path
        return self.source.parent / path


def _check_period(value: int | str) -> int | str:
    text = str(value).strip()
    if len(text) < 4 or not text[:4].isdigit() or not 1900 <= int(text[:4]) <= 2099:
        raise ValueError("expected a period like 2020, 2020/21 or 2020-22 (its first year counts)")
    return value


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if not str(part).startswith("function-"))


def parse_config(raw: Any, file: str = "evaluation config") -> EvaluationConfig:
    """Validate parsed YAML; a ConfigError naming the file and every bad field."""
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{file}: expected a mapping of fields (name, intervention, outcome, ...)",
            field="",
            expected="a YAML mapping",
        )
    try:
        return EvaluationConfig.model_validate(raw)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            where = _field(e["loc"]) or "(top level)"
            message = str(e["msg"]).removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                message = "is not a known field"
            if e["type"] == "string_pattern_mismatch":
                message = f"{e['input']!r} is not a GSS code like E01011264 (LSOA) or E05011394"
            lines.append(f"{where}: {message}")
        first = _field(err.errors()[0]["loc"])
        raise ConfigError(f"{file}: " + "; ".join(lines), field=first) from None


def load_config(path: str | Path) -> EvaluationConfig:
    """Read and validate an evaluation config file; paths in it are relative to its folder."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file", field="config") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}", field="config") from None
    config = parse_config(raw, str(path))
    return config.model_copy(update={"source": path.resolve()})
