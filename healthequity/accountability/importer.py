"""The documented import of themes and recommendations from YAML (themes, organisations,
recommendations) or CSV (recommendations only). The whole file is checked first; any problem
rejects it whole, naming the file, row or entry, and field, and nothing is written.

Importing again updates recommendations in place by number (their actions are kept); a
placeholder text ('PLACEHOLDER: ...') never overwrites wording already entered.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthequity.accountability import services
from healthequity.accountability import validation as check
from healthequity.accountability.models import Recommendation, Theme
from healthequity.auth.models import Organisation
from healthequity.auth.permissions import Actor
from healthequity.errors import FileRejected, InputError, Problem

PLACEHOLDER = "PLACEHOLDER:"
CSV_COLUMNS = ("number", "theme", "text", "lead_organisation", "indicators")


def leeds_example() -> Path:
    """The shipped Leeds file: the three themes and 15 placeholder recommendations."""
    return Path(
        str(files("healthequity").joinpath("accountability", "data", "leeds_recommendations.yaml"))
    )


@dataclass
class ImportSummary:
    """What an import did."""

    themes: int = 0
    organisations_added: list[str] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    kept_wording: list[int] = field(default_factory=list)


@dataclass
class _Parsed:
    themes: list[dict[str, Any]]
    organisations: list[str]
    recommendations: list[tuple[str, dict[str, Any]]]  # (where, fields)


def _read(path: Path) -> _Parsed:
    label = str(path)
    try:
        raw_text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{label}: no such file", field="file") from None
    except UnicodeDecodeError:
        raise FileRejected(label, [Problem(label, None, None, None, "UTF-8 text")]) from None
    if path.suffix.lower() == ".csv":
        return _read_csv(label, raw_text)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(label, raw_text)
    raise InputError(f"{label}: expected a .yaml, .yml or .csv file", field="file")


def _read_csv(label: str, raw_text: str) -> _Parsed:
    reader = csv.DictReader(io.StringIO(raw_text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        problems = [Problem(label, None, c, None, "a column of that name") for c in missing]
        raise FileRejected(label, problems)
    recs = []
    for row_number, row in enumerate(reader, start=1):
        indicators = [i.strip() for i in (row.get("indicators") or "").split(";") if i.strip()]
        recs.append(
            (
                f"row {row_number}",
                {
                    "number": row.get("number"),
                    "theme": (row.get("theme") or "").strip() or None,
                    "text": row.get("text"),
                    "lead_organisation": (row.get("lead_organisation") or "").strip() or None,
                    "indicators": indicators,
                    "_row": row_number,
                },
            )
        )
    return _Parsed([], [], recs)


def _read_yaml(label: str, raw_text: str) -> _Parsed:
    try:
        raw = yaml.safe_load(raw_text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise FileRejected(
            label, [Problem(label, None, None, None, f"valid YAML{where}")]
        ) from None
    if not isinstance(raw, dict):
        raise FileRejected(
            label, [Problem(label, None, None, None, "a mapping with 'recommendations'")]
        )
    problems: list[Problem] = []
    unknown = sorted(set(raw) - {"themes", "organisations", "recommendations"})
    for key in unknown:
        problems.append(Problem(label, None, key, None, "themes, organisations or recommendations"))
    lists: dict[str, list[Any]] = {}
    for key in ("themes", "organisations", "recommendations"):
        value = raw.get(key) or []
        if not isinstance(value, list):
            problems.append(Problem(label, None, key, None, "a list"))
            value = []
        lists[key] = value
    if problems:
        raise FileRejected(label, problems)
    themes = [t if isinstance(t, dict) else {"_bad": t} for t in lists["themes"]]
    recs = [
        (f"recommendations[{i}]", r if isinstance(r, dict) else {"_bad": r})
        for i, r in enumerate(lists["recommendations"], start=1)
    ]
    return _Parsed(themes, [str(o) for o in lists["organisations"]], recs)


def _problems(session: Session, label: str, parsed: _Parsed) -> list[Problem]:
    """Every problem in the file, checked against the file itself and the database."""
    problems: list[Problem] = []

    def add(where: str, row: int | None, column: str, value: Any, expected: str) -> None:
        problems.append(
            Problem(label, row, f"{where}.{column}" if row is None else column, value, expected)
        )

    theme_keys = set(session.scalars(select(Theme.key)))
    for i, theme in enumerate(parsed.themes, start=1):
        where = f"themes[{i}]"
        for name in ("key", "number", "name", "aim"):
            if not str(theme.get(name) or "").strip():
                add(where, None, name, None, "a value")
        if not str(theme.get("number", "")).isdigit():
            add(where, None, "number", theme.get("number"), "a whole number")
        if theme.get("key"):
            theme_keys.add(str(theme["key"]))
    org_names = {o.casefold() for o in session.scalars(select(Organisation.name))}
    org_names |= {o.strip().casefold() for o in parsed.organisations}
    seen: set[int] = set()
    for where, rec in parsed.recommendations:
        row = rec.get("_row")
        if "_bad" in rec:
            add(where, row, "number", rec["_bad"], "a mapping with number, theme, text")
            continue
        number = rec.get("number")
        try:
            n = int(str(number))
            if n < 1:
                raise ValueError
        except ValueError:
            add(where, row, "number", number, "a whole number from 1")
            n = None
        if n is not None and n in seen:
            add(where, row, "number", number, "each number once")
        elif n is not None:
            seen.add(n)
        if not str(rec.get("text") or "").strip():
            add(where, row, "text", None, "the recommendation's text (or a PLACEHOLDER line)")
        theme_key = rec.get("theme")
        if theme_key not in (None, "") and str(theme_key) not in theme_keys:
            add(
                where,
                row,
                "theme",
                theme_key,
                f"one of: {', '.join(sorted(theme_keys)) or 'no themes yet'}",
            )
        lead = rec.get("lead_organisation")
        if lead not in (None, "") and str(lead).strip().casefold() not in org_names:
            add(
                where,
                row,
                "lead_organisation",
                lead,
                "an organisation listed under organisations or already added",
            )
        indicators = rec.get("indicators") or []
        if not isinstance(indicators, list):
            add(where, row, "indicators", indicators, "a list of indicator ids")
            continue
        for ident in indicators:
            try:
                check.indicator_ids([ident], "indicators")
            except InputError as err:
                hint = err.message.split("; ", 1)[-1]
                add(where, row, "indicators", ident, f"an indicator id of the catalogue ({hint})")
    return problems


def import_recommendations(session: Session, actor: Actor, path: str | Path) -> ImportSummary:
    """Import a YAML or CSV file into the session's transaction; FileRejected if anything is
    wrong (nothing written)."""
    path = Path(path)
    parsed = _read(path)
    problems = _problems(session, str(path), parsed)
    if problems:
        raise FileRejected(str(path), problems)
    summary = ImportSummary()
    for theme in parsed.themes:
        services.save_theme(
            session,
            actor,
            key=str(theme["key"]),
            number=int(theme["number"]),
            name=str(theme["name"]),
            aim=str(theme["aim"]),
        )
        summary.themes += 1
    existing = {o.casefold() for o in session.scalars(select(Organisation.name))}
    for name in parsed.organisations:
        if name.strip().casefold() not in existing:
            services.create_organisation(session, actor, name)
            existing.add(name.strip().casefold())
            summary.organisations_added.append(name.strip())
    for _where, rec in parsed.recommendations:
        number = int(str(rec["number"]))
        text = str(rec["text"]).strip()
        current = session.scalar(select(Recommendation).where(Recommendation.number == number))
        if (
            current is not None
            and text.startswith(PLACEHOLDER)
            and not current.text.startswith(PLACEHOLDER)
        ):
            summary.kept_wording.append(number)
            text = current.text
        before: dict[str, Any] | None = (
            None if current is None else services.recommendation_fields(current)
        )
        saved = services.save_recommendation(
            session,
            actor,
            number=number,
            text=text,
            theme=rec.get("theme") or None,
            lead_organisation=rec.get("lead_organisation") or None,
            indicator_ids=[str(i) for i in rec.get("indicators") or []],
        )
        if before is None:
            summary.created.append(number)
        elif services.recommendation_fields(saved) != before:
            summary.updated.append(number)
        else:
            summary.unchanged.append(number)
    return summary
