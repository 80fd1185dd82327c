"""Shared by the publication and web tests: a small published table with many suppressed cells,
a place folder to store it in, and an HTML table reader (the standard library's parser)."""

from __future__ import annotations

import shutil
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from healthequity.config import example_place_dir, load_place
from healthequity.social_needs.aggregate import aggregate
from healthequity.social_needs.publish import indicator_table
from healthequity.social_needs.synthetic import SOURCE, synthetic_practices, synthetic_records

PERIOD = "2024/25"


@cache
def small_publication() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published table (labelled synthetic) of 3,000 synthetic patients over 30 practices,
    where most practice, ward and group cells are small, and the practice list."""
    practices = synthetic_practices(30, per_pcn=4, seed=3)
    records = synthetic_records(3_000, practices=practices, seed=11)
    agg = aggregate(records, practices)
    table = indicator_table(agg, practices, period=PERIOD, place=load_place(), source=SOURCE)
    return table, practices


def new_place(folder: Path) -> Path:
    """A Leeds place folder (place.toml only) at ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    return folder


class _TableReader(HTMLParser):
    """Cell texts of the table with a given id: header cells, then one list per body row."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0
        self.inside = False
        self.section = ""
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            if self.inside:
                self.depth += 1
            elif dict(attrs).get("id") == self.table_id:
                self.inside = True
        if not self.inside:
            return
        if tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "tr" and self.section == "tbody":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "table":
            if self.depth:
                self.depth -= 1
            else:
                self.inside = False
        elif tag in ("td", "th") and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            (self.header if self.section == "thead" else self.rows[-1]).append(text)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.inside and self.cell is not None:
            self.cell.append(data)


def html_table(html: str, table_id: str) -> tuple[list[str], list[list[str]]]:
    """The header and body rows (cell texts) of the table ``table_id``; AssertionError if absent."""
    reader = _TableReader(table_id)
    reader.feed(html)
    assert reader.header, f"no table with id {table_id!r}"
    return reader.header, reader.rows
