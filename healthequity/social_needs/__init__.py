"""The primary-care social needs template: its codes, FHIR form, ingestion, aggregation and
publication through disclosure control (indicators of coverage and of each need)."""

from healthequity.social_needs.aggregate import BREAKDOWNS, aggregate, breakdown_counts, measures
from healthequity.social_needs.fhir import (
    bundle_records,
    questionnaire,
    read_bundle,
    response_bundle,
)
from healthequity.social_needs.indicators import SocialNeedsIndicator, social_needs_indicators
from healthequity.social_needs.ingest import (
    read_extract,
    read_practices,
    to_extract,
    validate_extract,
)
from healthequity.social_needs.publish import indicator_table, published_counts, write_table
from healthequity.social_needs.synthetic import (
    synthetic_extract,
    synthetic_practices,
    synthetic_records,
)
from healthequity.social_needs.template import Template, default_template, load_template

__all__ = [
    "BREAKDOWNS",
    "SocialNeedsIndicator",
    "Template",
    "aggregate",
    "breakdown_counts",
    "bundle_records",
    "default_template",
    "indicator_table",
    "load_template",
    "measures",
    "published_counts",
    "questionnaire",
    "read_bundle",
    "read_extract",
    "read_practices",
    "response_bundle",
    "social_needs_indicators",
    "synthetic_extract",
    "synthetic_practices",
    "synthetic_records",
    "to_extract",
    "validate_extract",
    "write_table",
]
