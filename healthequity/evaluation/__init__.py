"""Evaluating place-based interventions: matched comparison areas, difference-in-differences
(two-way fixed effects, event study, Sun & Abraham for staggered starts) and interrupted time
series, with a results folder (tables, Vega-Lite charts, report, manifest) a page can load."""

from healthequity.evaluation.config import (
    ConfigError,
    Covariate,
    EvaluationConfig,
    MatchMethod,
    load_config,
    parse_config,
)
from healthequity.evaluation.did import (
    Estimate,
    EventStudy,
    JointTest,
    Staggered,
    event_study,
    sun_abraham,
    twfe,
)
from healthequity.evaluation.its import ItsResult, segmented_regression
from healthequity.evaluation.matching import Matched, balance_table, match_areas
from healthequity.evaluation.panel import Panel, build_panel
from healthequity.evaluation.report import load_results, results_table, write_results
from healthequity.evaluation.run import Evaluation, evaluate

__all__ = [
    "ConfigError",
    "Covariate",
    "Estimate",
    "Evaluation",
    "EvaluationConfig",
    "EventStudy",
    "ItsResult",
    "JointTest",
    "MatchMethod",
    "Matched",
    "Panel",
    "Staggered",
    "balance_table",
    "build_panel",
    "evaluate",
    "event_study",
    "load_config",
    "load_results",
    "match_areas",
    "parse_config",
    "results_table",
    "segmented_regression",
    "sun_abraham",
    "twfe",
    "write_results",
]
