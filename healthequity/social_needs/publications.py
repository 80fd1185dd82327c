"""Published social needs tables in the place's warehouse: each publication one atomic batch.

Only the output of ``publish.indicator_table`` is stored -- counts after disclosure control,
never the raw counts -- and it is audited again (``publish.audit``) just before it is written: a
table that fails is refused and nothing is stored. Publications are keyed by period (the batch's
``note``): the newest active batch of a period is the one read, so ``healthequity rollback``
returns a period to its previous publication (or removes it when it had none).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import pandas as pd

from healthequity.config import Place
from healthequity.disclosure import DisclosureRules
from healthequity.errors import InputError
from healthequity.social_needs.publish import DisclosureFailure, audit
from healthequity.store.warehouse import Warehouse, WarehouseError, new_batch

DATASET = "social_needs_published"
KIND = "social_needs_publication"
#: The published table's columns (indicator_table's, in its order) and their warehouse types.
COLUMNS: dict[str, str] = {
    "indicator_id": "VARCHAR", "indicator_name": "VARCHAR", "principle": "INTEGER",
    "period": "VARCHAR", "breakdown": "VARCHAR", "group_code": "VARCHAR",
    "group_name": "VARCHAR", "count": "BIGINT", "denominator": "BIGINT", "value": "DOUBLE",
    "lower_95": "DOUBLE", "upper_95": "DOUBLE", "lower_99_8": "DOUBLE", "upper_99_8": "DOUBLE",
    "value_note": "VARCHAR", "coverage_indicator_id": "VARCHAR", "coverage_value": "DOUBLE",
    "coverage_lower_95": "DOUBLE", "coverage_upper_95": "DOUBLE", "registered": "BIGINT",
    "source": "VARCHAR",
}  # fmt: skip
_COUNTS = ("count", "denominator", "registered")
_TEXT_OR_NONE = ("value_note", "coverage_indicator_id")
_HOW_TO_PUBLISH = (
    "publish one with `healthequity social-needs publish` after "
    "`healthequity social-needs ingest FILE`"
)


@dataclass(frozen=True)
class Publication:
    """One stored publication: its period, warehouse version, when and by what it was stored,
    and the published table itself."""

    period: str
    version: int
    published_at: dt.datetime
    source_name: str
    table: pd.DataFrame

    @property
    def synthetic(self) -> bool:
        """Whether any row comes from synthetic data (its ``source`` says so)."""
        return bool(self.table["source"].map(is_synthetic).any())


def is_synthetic(source: object) -> bool:
    """Whether a ``source`` text labels synthetic data (it begins with 'synthetic')."""
    return str(source).strip().lower().startswith("synthetic")


def store_publication(
    warehouse: Warehouse,
    table: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    place: Place,
    rules: DisclosureRules | None = None,
    source_name: str = "healthequity social-needs publish",
) -> int:
    """Audit a published indicator table again and store it as one new batch; return its
    version. A table that fails the audit raises DisclosureFailure and nothing is stored."""
    period = _check_table(table)
    problems = audit(table.reset_index(drop=True), practices, place=place, rules=rules)
    if problems:
        raise DisclosureFailure(
            f"the social needs table for {period} failed its disclosure audit, so nothing was "
            "stored:\n  " + "\n  ".join(problems[:20])
        )
    incoming = table[list(COLUMNS)].reset_index(drop=True)
    digest = hashlib.sha256(incoming.to_csv(index=False).encode("utf-8")).hexdigest()
    cols = ", ".join(f'"{c}" {t}' for c, t in COLUMNS.items())
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    with warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f'CREATE TABLE IF NOT EXISTS "{DATASET}" (batch INTEGER NOT NULL, {cols})')
            version = new_batch(
                con, DATASET, kind=KIND, source_name=source_name, sha256=digest,
                rows=len(incoming), note=period,
            )  # fmt: skip
            con.register("incoming", incoming)
            con.execute(f'INSERT INTO "{DATASET}" SELECT {version}, {names} FROM incoming')
            con.unregister("incoming")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return int(version)


def publications(warehouse: Warehouse) -> pd.DataFrame:
    """The newest active publication of each period (columns period, version, published_at,
    source_name), oldest period first."""
    with warehouse.connect() as con:
        frame = con.execute(
            """
            SELECT note AS period, version, loaded_at AS published_at, source_name FROM (
                SELECT *, row_number() OVER (PARTITION BY note ORDER BY version DESC) AS rn
                FROM batches WHERE dataset = ? AND status = 'active'
            ) WHERE rn = 1
            """,
            [DATASET],
        ).df()
    if frame.empty:
        return frame
    order = frame["period"].map(period_start)
    frame = frame.assign(_start=order.fillna(pd.Timestamp.min), _v=frame["version"])
    frame = frame.sort_values(["_start", "_v"], kind="stable").drop(columns=["_start", "_v"])
    return frame.reset_index(drop=True)


def publication_periods(warehouse: Warehouse) -> list[str]:
    """The periods with an active publication, oldest first."""
    return [str(p) for p in publications(warehouse)["period"]]


def read_publication(warehouse: Warehouse, period: str | None = None) -> Publication:
    """The newest active publication of ``period`` (default: the latest period); WarehouseError
    when there is none."""
    listed = publications(warehouse)
    if listed.empty:
        raise WarehouseError(f"no social needs publication in the warehouse: {_HOW_TO_PUBLISH}")
    if period is None:
        row = listed.iloc[-1]
    else:
        hit = listed[listed["period"] == period]
        if hit.empty:
            raise WarehouseError(
                f"no social needs publication for period {period!r}; published periods: "
                + ", ".join(map(str, listed["period"]))
            )
        row = hit.iloc[0]
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    with warehouse.connect() as con:
        table = con.execute(
            f'SELECT {names} FROM "{DATASET}" WHERE batch = ?', [int(row["version"])]
        ).df()
    return Publication(
        period=str(row["period"]),
        version=int(row["version"]),
        published_at=pd.Timestamp(row["published_at"]).to_pydatetime(),
        source_name=str(row["source_name"]),
        table=typed(table),
    )


def typed(table: pd.DataFrame) -> pd.DataFrame:
    """A table read back with indicator_table's types: nullable integer counts, float values,
    text columns as text and missing notes as None."""
    out = table.copy()
    for col, kind in COLUMNS.items():
        if col in _COUNTS:
            out[col] = pd.to_numeric(out[col]).astype("Int64")
        elif kind == "DOUBLE":
            out[col] = pd.to_numeric(out[col]).astype("float64")
        elif kind == "INTEGER":
            out[col] = out[col].astype("int64")
        elif col in _TEXT_OR_NONE:
            out[col] = out[col].astype("object").where(out[col].notna(), None)
        else:
            out[col] = out[col].astype("str")
    return out


def period_start(period: object) -> pd.Timestamp | None:
    """The first day of a period as the publish command names it ('2024/25' is 1 April 2024;
    '2024-04-01 to 2024-09-30' its first date); None for anything else."""
    text = str(period)
    year = re.fullmatch(r"(\d{4})/(\d{2})", text)
    if year and (int(year[1]) + 1) % 100 == int(year[2]):
        return pd.Timestamp(int(year[1]), 4, 1)
    dates = re.fullmatch(r"(\d{4}-\d{2}-\d{2}) to \d{4}-\d{2}-\d{2}", text)
    if dates:
        try:
            return pd.Timestamp(dt.date.fromisoformat(dates[1]))
        except ValueError:
            return None
    return None


def _check_table(table: pd.DataFrame) -> str:
    """The table's one period; InputError when it is not an indicator table of one period."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"published table: columns {', '.join(missing)} are missing; only the output of "
            "indicator_table can be stored",
            field=missing[0],
            expected=", ".join(COLUMNS),
        )
    extra = [c for c in table.columns if c not in COLUMNS]
    if extra:
        raise InputError(
            f"published table: unexpected columns {', '.join(map(str, extra))}; only the output "
            "of indicator_table can be stored",
            field=str(extra[0]),
            expected=", ".join(COLUMNS),
        )
    periods = sorted(table["period"].dropna().astype(str).unique())
    if len(periods) != 1 or table["period"].isna().any():
        raise InputError(
            f"published table: expected rows of one period, found {len(periods)}"
            + (f" ({', '.join(periods)})" if periods else "")
            + (" and rows without one" if table["period"].isna().any() else ""),
            field="period",
            expected="one period",
        )
    return periods[0]
