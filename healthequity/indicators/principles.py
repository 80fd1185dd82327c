"""The eight Marmot principles (Build Back Fairer, 2020), numbered 1-8 as indicators cite them."""

from __future__ import annotations

from dataclasses import dataclass

from healthequity.errors import InputError


@dataclass(frozen=True)
class Principle:
    """One Marmot principle: its number, a short title, its wording and the domain it covers."""

    number: int
    short_title: str
    title: str
    description: str
    letter_2010: str | None


PRINCIPLES: tuple[Principle, ...] = (
    Principle(
        1,
        "Best start",
        "Give every child the best start in life",
        "Early years: maternity, infancy, child development, school readiness, parenting, "
        "child poverty in the early years",
        "A",
    ),
    Principle(
        2,
        "Capabilities",
        "Enable all children, young people and adults to maximise their capabilities and have "
        "control over their lives",
        "Education and skills: attainment, gaps by disadvantage, NEET, exclusion, youth justice, "
        "adult skills",
        "B",
    ),
    Principle(
        3,
        "Good work",
        "Create fair employment and good work for all",
        "Labour market: employment and unemployment, quality of work, low pay, in-work poverty, "
        "health-related inactivity",
        "C",
    ),
    Principle(
        4,
        "Standard of living",
        "Ensure a healthy standard of living for all",
        "Income: poverty, the benefits system, minimum income, fuel poverty, food insecurity",
        "D",
    ),
    Principle(
        5,
        "Places and communities",
        "Create and develop healthy and sustainable places and communities",
        "Place: housing, homelessness, crime and violence, transport, social isolation, "
        "community control",
        "E",
    ),
    Principle(
        6,
        "Prevention and outcomes",
        "Strengthen the role and impact of ill-health prevention",
        "Prevention and outcomes: behaviours, preventable mortality, life expectancy, healthy "
        "life expectancy",
        "F",
    ),
    Principle(
        7,
        "Racism and discrimination",
        "Tackle racism, discrimination and their outcomes",
        "Ethnic and other discrimination and the gaps it causes in all the domains above",
        None,
    ),
    Principle(
        8,
        "Environment and equity",
        "Pursue environmental sustainability and health equity together",
        "Climate and environment: air quality, green space, energy-efficient homes, active "
        "travel, a just transition",
        None,
    ),
)

PRINCIPLE_NUMBERS: tuple[int, ...] = tuple(p.number for p in PRINCIPLES)


def principle(number: int) -> Principle:
    """The principle with this number (1-8); anything else is an InputError."""
    for p in PRINCIPLES:
        if p.number == number:
            return p
    raise InputError(
        f"principle: {number!r} is not a Marmot principle; expected a number 1 to 8",
        field="principle",
        expected="1 to 8",
        values=[number],
    )
