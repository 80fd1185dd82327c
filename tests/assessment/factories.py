"""A complete assessment's values, for tests to start from."""

from __future__ import annotations

from typing import Any

from healthequity.assessment.vocab import DIMENSION_KEYS
from tests.accountability.seed import ORG_A


def complete_values(**overrides: Any) -> dict[str, Any]:
    """A regeneration scheme in two wards, every impact rated, ready to submit."""
    impacts: dict[str, Any] = {k: {"rating": "neutral", "rationale": ""} for k in DIMENSION_KEYS}
    impacts["deprivation_gradient"] = {
        "rating": "positive",
        "rationale": "New homes and jobs are targeted at the most deprived LSOAs",
    }
    impacts["housing"] = {
        "rating": "negative",
        "rationale": "Rents may rise and displace private renters",
    }
    values: dict[str, Any] = {
        "title": "Armley and Beeston regeneration",
        "kind": "regeneration scheme",
        "owner_name": "Head of Regeneration",
        "organisation": ORG_A,
        "principles": [4, 6],
        "areas": ["Armley", "E05012647"],
        "population_groups": ["Private renters", "Families with children aged 0-5"],
        "impacts": impacts,
        "mitigations": [
            {
                "action": "Rent cap on new homes for ten years",
                "scaled_by_need": "Deeper caps in the most deprived LSOAs",
                "owner": "Housing Leeds",
            }
        ],
        "proportionate_universalism": "Universal offer, intensity scaled to deprivation decile",
        "monitoring": [
            {"indicator_id": "children_relative_low_income", "breakdown": "ward", "baseline": ""}
        ],
        "review_date": "2026-09-01",
    }
    values.update(overrides)
    return values
