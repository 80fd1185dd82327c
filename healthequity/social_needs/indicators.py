"""The indicators the template feeds, described for the dashboard: recording coverage (the
share of registered patients asked) and, per domain, coverage and the share with the need.

Recorded prevalence measures need *and* recording behaviour, so every prevalence names the
coverage indicator to show beside it, and none is judged better or worse (no_judgement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from healthequity.social_needs.template import Template, default_template

Kind = Literal["coverage", "prevalence"]


@dataclass(frozen=True)
class SocialNeedsIndicator:
    """One indicator: id, name, Marmot principle, the measures it divides, what it means."""

    id: str
    name: str
    kind: Kind
    domain: str | None
    principle: int
    numerator: str
    denominator: str
    definition: str
    coverage_id: str | None = None
    polarity: str = "no_judgement"
    value_type: str = "proportion"
    multiplier: int = 100


def social_needs_indicators(template: Template | None = None) -> tuple[SocialNeedsIndicator, ...]:
    """Overall coverage, then for each domain its coverage and its recorded prevalence."""
    template = template or default_template()
    out = [
        SocialNeedsIndicator(
            id="sn-coverage",
            name="Social needs template: registered patients with any template entry (%)",
            kind="coverage",
            domain=None,
            principle=4,
            numerator="asked",
            denominator="registered",
            definition="Registered patients with at least one template code recorded in the "
            "period, as a percentage of all registered patients.",
        )
    ]
    for d in template.domains:
        coverage = f"sn-coverage-{d.id}"
        out.append(
            SocialNeedsIndicator(
                id=coverage,
                name=f"Social needs template: patients asked about {d.title.lower()} (%)",
                kind="coverage",
                domain=d.id,
                principle=d.principle,
                numerator=f"asked_{d.id}",
                denominator="registered",
                definition=f"Registered patients with any {d.title.lower()} code recorded in "
                "the period, as a percentage of all registered patients.",
            )
        )
        out.append(
            SocialNeedsIndicator(
                id=f"sn-need-{d.id}",
                name=f"Recorded {d.title.lower()} need among patients asked (%)",
                kind="prevalence",
                domain=d.id,
                principle=d.principle,
                numerator=f"need_{d.id}",
                denominator=f"asked_{d.id}",
                definition=f"Patients with at least one {d.title.lower()} need code in the "
                f"period, as a percentage of patients asked about {d.title.lower()}. Read it "
                "beside its coverage: low recording biases it.",
                coverage_id=coverage,
            )
        )
    return tuple(out)
