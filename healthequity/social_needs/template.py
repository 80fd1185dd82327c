"""The social needs template as data: domains, questions and coded answer options.

Loaded from data/template.yaml and checked whole (pydantic): SNOMED CT identifiers must pass the
Verhoeff check digit and name a concept (partition 00 or 10), local codes must use the local
code system, and every code appears once. Each answer option records one coded finding; an
option flagged ``need`` counts the patient as having that domain's need.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from healthequity.errors import InputError

SNOMED_SYSTEM = "http://snomed.info/sct"
DOMAIN_IDS: tuple[str, ...] = ("housing", "fuel", "food", "money", "work", "caring", "isolation")

_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)  # fmt: skip
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)  # fmt: skip


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Verhoeff check digit (as SNOMED CT ids)."""
    if not digits.isdigit():
        return False
    check = 0
    for i, ch in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(ch)]]
    return check == 0


def is_snomed_concept_id(code: str) -> bool:
    """A well-formed SNOMED CT concept id: 6-18 digits, no leading zero, concept partition
    (00 core, 10 extension) and a valid Verhoeff check digit. It says nothing about whether
    the concept exists in a release."""
    return (
        re.fullmatch(r"[1-9]\d{5,17}", code) is not None
        and code[-3:-1] in ("00", "10")
        and verhoeff_valid(code)
    )


class AnswerOption(BaseModel):
    """One tickable answer: the code it records, its display text and whether it is a need."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1)
    system: Literal["snomed", "local"]
    display: str = Field(min_length=1)
    need: bool
    source: str | None = None

    @model_validator(mode="after")
    def _check_code(self) -> AnswerOption:
        if self.system == "snomed":
            if not is_snomed_concept_id(self.code):
                raise ValueError(
                    f"code {self.code!r} is not a well-formed SNOMED CT concept id "
                    "(digits, partition 00 or 10, Verhoeff check digit)"
                )
            if not self.source:
                raise ValueError(
                    f"SNOMED CT code {self.code} needs a source saying where it was seen"
                )
        elif not re.fullmatch(r"SN-[A-Z]{3}-\d{2}", self.code):
            raise ValueError(f"local code {self.code!r}: expected the form SN-XXX-00")
        return self

    @property
    def is_local(self) -> bool:
        """True for a local code (not SNOMED CT)."""
        return self.system == "local"


class Question(BaseModel):
    """A question of a domain: several options may be ticked (each records its code)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z]+\.[a-z_]+$")
    text: str = Field(min_length=1)
    options: tuple[AnswerOption, ...] = Field(min_length=2)


class Domain(BaseModel):
    """A domain of need (housing, fuel ...), the Marmot principle it informs, its questions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    principle: int = Field(ge=1, le=8)
    questions: tuple[Question, ...] = Field(min_length=1)

    @property
    def options(self) -> tuple[AnswerOption, ...]:
        """Every answer option of the domain, in order."""
        return tuple(o for q in self.questions for o in q.options)


class Template(BaseModel):
    """The whole template: identity, the local code system and the seven domains."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    title: str
    description: str
    url: str
    local_code_system: str
    publisher: str
    domains: tuple[Domain, ...]

    @model_validator(mode="after")
    def _check_whole(self) -> Template:
        ids = tuple(d.id for d in self.domains)
        if ids != DOMAIN_IDS:
            raise ValueError(f"domains {list(ids)}; expected exactly {list(DOMAIN_IDS)} in order")
        seen: set[str] = set()
        for option in self.options:
            if option.code in seen:
                raise ValueError(f"code {option.code!r} appears more than once")
            seen.add(option.code)
        for domain in self.domains:
            if not any(o.need for o in domain.options):
                raise ValueError(f"domain {domain.id!r} has no option that records a need")
        return self

    @property
    def options(self) -> tuple[AnswerOption, ...]:
        """Every answer option of the template."""
        return tuple(o for d in self.domains for o in d.options)

    def system_uri(self, option: AnswerOption) -> str:
        """The FHIR code system URI of an option's code."""
        return SNOMED_SYSTEM if option.system == "snomed" else self.local_code_system

    def domain_of(self) -> dict[str, str]:
        """Code -> domain id."""
        return {o.code: d.id for d in self.domains for o in d.options}

    def need_codes(self) -> dict[str, tuple[str, ...]]:
        """Domain id -> the codes that record a need in it."""
        return {d.id: tuple(o.code for o in d.options if o.need) for d in self.domains}

    def option(self, code: str) -> AnswerOption:
        """The option recording ``code``; an InputError naming the code when unknown."""
        for o in self.options:
            if o.code == code:
                return o
        raise InputError(f"code {code!r} is not in the social needs template", field="code")


def _shipped() -> Path:
    return Path(str(files("healthequity.social_needs").joinpath("data", "template.yaml")))


def load_template(path: str | Path | None = None) -> Template:
    """Read and check a template YAML file (default: the shipped one); errors name the field."""
    source = Path(path) if path is not None else _shipped()
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise InputError(f"{source}: not a readable YAML file ({err})", field="template") from None
    try:
        return Template.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "template"
        raise InputError(
            f"{source}: {where}: {first['msg']}", field=where, expected="a valid template"
        ) from None


@cache
def default_template() -> Template:
    """The shipped template, loaded once."""
    return load_template()
