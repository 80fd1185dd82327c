"""The assessment's fixed vocabulary: decision kinds, workflow statuses, impact ratings and the
impact dimensions HEAT asks about (with the question put to the user for each)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What sort of decision is being assessed."""

    REGENERATION = "regeneration scheme"
    LICENSING = "licensing scheme"
    BUDGET = "budget change"
    SERVICE = "service change"
    OTHER = "other"


class Status(StrEnum):
    """Where an assessment stands in its workflow."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    SIGNED_OFF = "signed off"
    PUBLISHED = "published"
    REVIEWED = "reviewed"


class Rating(StrEnum):
    """The expected effect of the decision on one dimension."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


KINDS = tuple(k.value for k in Kind)
STATUSES = tuple(s.value for s in Status)
RATINGS = tuple(r.value for r in Rating)

#: HEAT's four stages, in order: (key, title, what the stage records).
STAGES: tuple[tuple[str, str, str], ...] = (
    ("prepare", "Prepare", "The decision, who owns it, the principles, areas and groups"),
    ("assess", "Assess", "The evidence for the areas affected and the impact on each group"),
    ("refine", "Refine and apply", "Mitigations, how effort is scaled by need, links"),
    ("review", "Review", "Indicators and baseline to monitor, and the review date"),
)
STAGE_KEYS = tuple(s[0] for s in STAGES)


@dataclass(frozen=True)
class Dimension:
    """One impact question: a key (stable, used in data), a label and the question asked."""

    key: str
    label: str
    question: str
    group: str


_PC = "Protected characteristic (Equality Act 2010)"
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "deprivation_gradient",
        "Deprivation gradient",
        "Will the decision narrow or widen the gap between the most and least deprived areas?",
        "Socio-economic position and place",
    ),
    *(
        Dimension(key, label, f"How will the decision affect people by {label.lower()}?", _PC)
        for key, label in (
            ("age", "Age"),
            ("disability", "Disability"),
            ("gender_reassignment", "Gender reassignment"),
            ("marriage_civil_partnership", "Marriage and civil partnership"),
            ("pregnancy_maternity", "Pregnancy and maternity"),
            ("race", "Race"),
            ("religion_belief", "Religion or belief"),
            ("sex", "Sex"),
            ("sexual_orientation", "Sexual orientation"),
        )
    ),
    Dimension(
        "inclusion_health",
        "Inclusion-health groups",
        "How will it affect people experiencing homelessness, drug or alcohol dependence, "
        "vulnerable migrants, Gypsy, Roma and Traveller communities, sex workers, people in "
        "contact with the justice system and victims of modern slavery?",
        "Inclusion health and Core20PLUS",
    ),
    Dimension(
        "core20plus",
        "Core20PLUS groups",
        "How will it affect the most deprived 20% nationally (Core20) and the locally chosen "
        "PLUS groups?",
        "Inclusion health and Core20PLUS",
    ),
    Dimension(
        "children_0_5",
        "Children aged 0-5",
        "How will it affect children in their first five years and their families?",
        "Wider determinants",
    ),
    Dimension(
        "housing",
        "Housing",
        "How will it affect the quality, cost, security or supply of housing?",
        "Wider determinants",
    ),
    Dimension(
        "racism_discrimination",
        "Racism and discrimination",
        "Could it reduce, reproduce or add to structural racism and discrimination "
        "(Marmot principle 7)?",
        "Wider determinants",
    ),
    Dimension(
        "environment",
        "Environment",
        "How will it affect air quality, green space, climate resilience and the built "
        "environment (Marmot principle 8)?",
        "Wider determinants",
    ),
)
DIMENSION_KEYS = tuple(d.key for d in DIMENSIONS)
DIMENSION_BY_KEY = {d.key: d for d in DIMENSIONS}

#: Population groups a decision can name (users may add their own words too).
POPULATION_GROUPS: tuple[str, ...] = (
    "Whole population",
    "Children and young people",
    "Families with children aged 0-5",
    "Older people",
    "Disabled people",
    "Ethnic minority communities",
    "People on low incomes",
    "Private renters",
    "Social housing tenants",
    "People experiencing homelessness",
    "Carers",
    "Migrants and asylum seekers",
    "Gypsy, Roma and Traveller communities",
    "LGBT+ people",
    "People with learning disabilities and autistic people",
    "People with multiple long-term conditions",
)
