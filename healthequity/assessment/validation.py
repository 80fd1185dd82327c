"""Checks of what a user gives an assessment: each failure names the field (e.g.
``impacts.housing.rationale``) and what was expected, and is raised before anything is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthequity.accountability import validation as check
from healthequity.accountability.models import Action, Recommendation
from healthequity.assessment.vocab import DIMENSION_KEYS, KINDS, RATINGS, Rating
from healthequity.errors import InputError

#: How far ahead a review date may be set, in days (two years).
MAX_REVIEW_DAYS = 731
DEFAULT_REVIEW_MONTHS = 6


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months (the last day of a shorter month if need be)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def default_review_date(today: dt.date) -> dt.date:
    """Six months ahead, HEAT's shortest usual interval."""
    return add_months(today, DEFAULT_REVIEW_MONTHS)


def kind(value: Any) -> str:
    """One of the decision kinds."""
    text = " ".join(str(value or "").split()).lower()
    if text in KINDS:
        return text
    raise InputError(
        f"kind: unknown kind of decision {value!r}; expected one of: {', '.join(KINDS)}",
        field="kind",
        expected=", ".join(KINDS),
        values=[value],
    )


def _items(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in value.replace("\n", ";").split(";") if v.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def principles(value: Any) -> list[int]:
    """Marmot principle numbers 1-8, each once, in order."""
    out: set[int] = set()
    for item in _items(value):
        text = str(item).strip()
        if not text.isdigit() or not 1 <= int(text) <= 8:
            raise InputError(
                f"principles: {item!r} is not a Marmot principle; expected numbers 1 to 8",
                field="principles",
                expected="1 to 8",
                values=[item],
            )
        out.add(int(text))
    return sorted(out)


def population_groups(value: Any) -> list[str]:
    """Named groups (free text, each once, at most 200 characters)."""
    out: list[str] = []
    for item in _items(value):
        text = check.text(item, "population_groups", max_length=200)
        if text not in out:
            out.append(text)
    return out


def review_date(value: Any, today: dt.date, *, required: bool = True) -> dt.date:
    """A review date not in the past and at most two years ahead (default six months)."""
    day = check.date(value, "review_date")
    if day is None:
        if required:
            return default_review_date(today)
        raise InputError("review_date: must not be empty", field="review_date")
    if day < today:
        raise InputError(
            f"review_date: {day.isoformat()} is in the past; expected today "
            f"({today.isoformat()}) or later (HEAT reviews 6-12 months ahead)",
            field="review_date",
            expected=f"on or after {today.isoformat()}",
            values=[value],
        )
    latest = today + dt.timedelta(days=MAX_REVIEW_DAYS)
    if day > latest:
        raise InputError(
            f"review_date: {day.isoformat()} is more than two years ahead; expected a date by "
            f"{latest.isoformat()} (HEAT reviews 6-12 months ahead)",
            field="review_date",
            expected=f"by {latest.isoformat()}",
            values=[value],
        )
    return day


def impacts(value: Any) -> dict[str, tuple[str, str] | None]:
    """Ratings by dimension: {dimension: {"rating", "rationale"}} -> {dimension: (rating,
    rationale)}; a negative rating needs a rationale; an empty rating (None) unrates it."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(
            "impacts: expected an object of dimension: {rating, rationale}", field="impacts"
        )
    out: dict[str, tuple[str, str] | None] = {}
    for key, given in value.items():
        if key not in DIMENSION_KEYS:
            raise InputError(
                f"impacts: unknown dimension {key!r}; expected one of: {', '.join(DIMENSION_KEYS)}",
                field="impacts",
                expected=", ".join(DIMENSION_KEYS),
                values=[key],
            )
        if isinstance(given, str):
            given = {"rating": given}
        if not isinstance(given, Mapping):
            raise InputError(
                f"impacts.{key}: expected {{rating, rationale}}", field=f"impacts.{key}"
            )
        rating = str(given.get("rating") or "").strip().lower()
        rationale = check.text(
            given.get("rationale"), f"impacts.{key}.rationale", max_length=5000, required=False
        )
        if not rating:
            if rationale:
                raise InputError(
                    f"impacts.{key}.rating: give a rating for the rationale; expected one of: "
                    f"{', '.join(RATINGS)}",
                    field=f"impacts.{key}.rating",
                )
            out[key] = None
            continue
        if rating not in RATINGS:
            raise InputError(
                f"impacts.{key}.rating: unknown rating {given.get('rating')!r}; expected one "
                f"of: {', '.join(RATINGS)}",
                field=f"impacts.{key}.rating",
                expected=", ".join(RATINGS),
                values=[given.get("rating")],
            )
        if rating == Rating.NEGATIVE and not rationale:
            raise InputError(
                f"impacts.{key}.rationale: a negative rating needs a rationale: say why the "
                "decision could harm this group and what drives it",
                field=f"impacts.{key}.rationale",
                expected="text",
            )
        out[key] = (rating, rationale)
    return out


def _records(value: Any, field: str) -> list[Mapping[str, Any]]:
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
        raise InputError(f"{field}: expected a list of objects", field=field)
    return list(value)


def mitigations(value: Any) -> list[tuple[str, str, str]]:
    """(action, how it is scaled by need, owner) for each mitigation with an action."""
    out: list[tuple[str, str, str]] = []
    for i, item in enumerate(_records(value, "mitigations"), start=1):
        action = check.text(
            item.get("action"), f"mitigations.{i}.action", max_length=5000, required=False
        )
        scaled = check.text(
            item.get("scaled_by_need"),
            f"mitigations.{i}.scaled_by_need",
            max_length=5000,
            required=False,
        )
        owner = check.text(
            item.get("owner"), f"mitigations.{i}.owner", max_length=200, required=False
        )
        if not action and (scaled or owner):
            raise InputError(
                f"mitigations.{i}.action: must not be empty (say what will change)",
                field=f"mitigations.{i}.action",
            )
        if action:
            out.append((action, scaled, owner))
    return out


def monitoring(value: Any) -> list[tuple[str, str, str]]:
    """(indicator id of the catalogue, breakdown, baseline) for each indicator to monitor."""
    out: list[tuple[str, str, str]] = []
    for i, item in enumerate(_records(value, "monitoring"), start=1):
        ident = str(item.get("indicator_id") or "").strip()
        if not ident:
            continue
        (ident,) = check.indicator_ids([ident], f"monitoring.{i}.indicator_id")
        breakdown = check.text(
            item.get("breakdown"), f"monitoring.{i}.breakdown", max_length=200, required=False
        )
        baseline = check.text(
            item.get("baseline"), f"monitoring.{i}.baseline", max_length=2000, required=False
        )
        if ident not in [o[0] for o in out]:
            out.append((ident, breakdown, baseline))
    return out


def recommendations(session: Session, value: Any) -> list[Recommendation]:
    """Tracker recommendations by number."""
    out: list[Recommendation] = []
    for item in _items(value):
        text = str(item).strip()
        rec = (
            session.scalar(select(Recommendation).where(Recommendation.number == int(text)))
            if text.isdigit()
            else None
        )
        if rec is None:
            raise InputError(
                f"recommendations: no recommendation number {item!r} in the tracker",
                field="recommendations",
                values=[item],
            )
        if rec not in out:
            out.append(rec)
    return out


def actions(session: Session, value: Any) -> list[Action]:
    """Tracker actions by id."""
    out: list[Action] = []
    for item in _items(value):
        text = str(item).strip()
        action = session.get(Action, int(text)) if text.isdigit() else None
        if action is None:
            raise InputError(
                f"actions: no action with id {item!r} in the tracker",
                field="actions",
                values=[item],
            )
        if action not in out:
            out.append(action)
    return out
