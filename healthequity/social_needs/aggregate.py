"""Template records to counts by every breakdown, written once as Ibis expressions.

Per patient (in a period): registered, asked anything, asked about each domain, and has each
domain's need (at least one need code in the period) -- patients are counted, not codes. Each
code is a bit mask of those flags and a patient's flags are the OR of their codes' masks; they
are summed into cells (practice x LSOA x age band x sex x ethnic group), and the cells by
practice, PCN, ward, the place's deprivation fifths, England's deprivation deciles, ethnic
group, broad age band and sex, plus the place total, in one union.
DuckDB runs it by default; the same expression runs on Spark (healthequity.aggregation.engines).
"""

from __future__ import annotations

import datetime as dt
from functools import reduce

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from healthequity.aggregation.engines import duckdb_backend, execute
from healthequity.config import Place, load_place
from healthequity.errors import InputError
from healthequity.geography.deprivation import deprivation_groups, iod
from healthequity.geography.lookups import lsoa_lookup
from healthequity.social_needs.template import Template, default_template

#: The descriptive columns of a cell: the finest grouping every breakdown is built from.
CELL_KEYS: tuple[str, ...] = ("practice_code", "lsoa_code", "age_band", "sex", "ethnic_group")
#: Breakdown names, in publication order; 'Total' is the place as a whole.
BREAKDOWNS: tuple[str, ...] = (
    "Total", "Practice", "PCN", "Ward", "Deprivation fifth (local)",
    "Deprivation decile (England)", "Ethnic group", "Age band", "Sex",
)  # fmt: skip
#: Group code of patients living outside the place (in the ward and local-fifth breakdowns).
OUTSIDE = "outside"
#: Broad age bands published (from the 5-year bands of the extract).
BROAD_BANDS: dict[str, str] = {
    **dict.fromkeys(("0-4", "5-9", "10-14", "15-19"), "0-19"),
    **dict.fromkeys(("20-24", "25-29", "30-34", "35-39"), "20-39"),
    **dict.fromkeys(("40-44", "45-49", "50-54", "55-59"), "40-59"),
    **dict.fromkeys(("60-64", "65-69", "70-74"), "60-74"),
    **dict.fromkeys(("75-79", "80-84", "85-89", "90+"), "75+"),
}


def measures(template: Template | None = None) -> list[str]:
    """The counted measures: registered, asked, then asked_<domain> and need_<domain>."""
    template = template or default_template()
    return [
        "registered",
        "asked",
        *(f"asked_{d.id}" for d in template.domains),
        *(f"need_{d.id}" for d in template.domains),
    ]


@ibis.udf.agg.builtin(name="bit_or")
def _bit_or(mask: int) -> int:  # type: ignore[empty-body]
    """Bitwise OR of a group's values: DuckDB, Spark and PostgreSQL all have it as bit_or."""


def code_masks(template: Template | None = None) -> pd.DataFrame:
    """Each template code as a bit mask: bit 0 'asked', bit 1 + j 'asked about domain j',
    bit 1 + D + j 'has domain j's need' (D domains). OR-ing a patient's masks gives all their
    flags, so the heavy step over the responses is one bit_or per patient, not 2 + 2D maxima.
    """
    template = template or default_template()
    n = len(template.domains)
    rows = [
        (o.code, 1 | 1 << (1 + j) | (1 << (1 + n + j) if o.need else 0))
        for j, domain in enumerate(template.domains)
        for o in domain.options
    ]
    return pd.DataFrame(rows, columns=["code", "mask"]).astype({"mask": "int64"})


def _mask_bits(template: Template | None = None) -> dict[str, int]:
    """Measure -> its bit in a patient's mask ('registered' has none: every patient counts)."""
    template = template or default_template()
    n = len(template.domains)
    return {
        "asked": 0,
        **{f"asked_{d.id}": 1 + j for j, d in enumerate(template.domains)},
        **{f"need_{d.id}": 1 + n + j for j, d in enumerate(template.domains)},
    }


def split_records(records: ir.Table) -> tuple[ir.Table, ir.Table]:
    """Flat records (one row per code, code empty for a patient never asked) as the two tables
    the aggregation reads: patients (id and descriptive columns, one row each) and responses
    (id, date, code). Ingestion makes a patient's descriptive columns the same on every row.
    """
    patients = records.select("patient_id", *CELL_KEYS).distinct()
    responses = records.filter(records.code.notnull()).select("patient_id", "date", "code")
    return patients, responses


def patient_masks(
    responses: ir.Table,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    template: Template | None = None,
) -> ir.Table:
    """One row per patient asked in the period (``start``..``end``, inclusive): patient_id and
    the OR of their codes' masks (code_masks). Patients never asked have no row."""
    in_period = responses.code.notnull()
    if start is not None:
        in_period &= responses.date >= ibis.timestamp(dt.datetime.combine(start, dt.time()))
    if end is not None:
        in_period &= responses.date < ibis.timestamp(
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
        )
    masks = ibis.memtable(code_masks(template))
    coded = responses.filter(in_period).inner_join(masks, "code")
    return coded.group_by("patient_id").aggregate(mask=_bit_or(coded["mask"]))


def cell_counts(
    patients: ir.Table,
    responses: ir.Table,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    template: Template | None = None,
) -> ir.Table:
    """Patients counted by practice x LSOA x age band x sex x ethnic group for every measure:
    the one heavy step over the records (every breakdown is a sum of these cells)."""
    asked = patient_masks(responses, start=start, end=end, template=template)
    joined = patients.left_join(asked, "patient_id")
    mask = joined["mask"].fill_null(0)
    sums: dict[str, ir.Value] = {
        "registered": joined.patient_id.notnull().cast("int64").sum(),
        **{m: ((mask >> bit) & 1).cast("int64").sum() for m, bit in _mask_bits(template).items()},
    }
    return joined.group_by(list(CELL_KEYS)).aggregate(**sums)


def breakdown_counts(
    cells: ir.Table,
    practices: pd.DataFrame,
    *,
    place: Place | None = None,
    template: Template | None = None,
) -> ir.Table:
    """Counts of every measure by every breakdown, from cell_counts: columns breakdown,
    group_code, then the measures. ``practices`` maps practice_code to pcn_code.
    """
    place = place or load_place()
    _check_practices(practices)
    geo = _geography(place)
    pcn = ibis.memtable(
        practices[["practice_code", "pcn_code"]].astype(str).drop_duplicates("practice_code")
    )
    joined = cells.left_join(geo, "lsoa_code").drop("lsoa_code_right")
    joined = joined.left_join(pcn, "practice_code").drop("practice_code_right")
    outside = ibis.literal(OUTSIDE)
    keys: dict[str, ir.Value] = {
        "Total": ibis.literal(place.la_codes[0]),
        "Practice": joined.practice_code,
        "PCN": joined.pcn_code,
        "Ward": joined.ward_code.fill_null(outside),
        "Deprivation fifth (local)": joined.local_fifth.fill_null(outside),
        "Deprivation decile (England)": joined.imd_decile,
        "Ethnic group": joined.ethnic_group,
        "Age band": joined.age_band.substitute(BROAD_BANDS),
        "Sex": joined.sex,
    }
    names = measures(template)
    parts = [
        joined.mutate(breakdown=ibis.literal(name), group_code=key.cast("string"))
        .group_by(["breakdown", "group_code"])
        .aggregate(**{m: joined[m].sum().cast("int64") for m in names})
        for name, key in keys.items()
    ]
    return reduce(lambda a, b: a.union(b, distinct=False), parts)


def aggregate(
    records: pd.DataFrame | ir.Table,
    practices: pd.DataFrame,
    backend: BaseBackend | None = None,
    *,
    place: Place | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    template: Template | None = None,
) -> pd.DataFrame:
    """Flat records to counts by every breakdown on ``backend`` (default: in-memory DuckDB)."""
    table = ibis.memtable(records) if isinstance(records, pd.DataFrame) else records
    patients, responses = split_records(table)
    return aggregate_tables(
        patients, responses, practices, backend,
        place=place, start=start, end=end, template=template,
    )  # fmt: skip


def aggregate_tables(
    patients: ir.Table,
    responses: ir.Table,
    practices: pd.DataFrame,
    backend: BaseBackend | None = None,
    *,
    place: Place | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    template: Template | None = None,
) -> pd.DataFrame:
    """Patients and responses (as split_records gives them, or as the warehouse keeps them)
    to counts by every breakdown, rows in a stable order.

    Two queries on the same engine: cell_counts over the records, then breakdown_counts over
    the (much smaller) cells, so the records are read once.
    """
    engine = backend or duckdb_backend()
    cells = execute(
        cell_counts(patients, responses, start=start, end=end, template=template), engine
    )
    _check_practices(practices, cells["practice_code"])
    expr = breakdown_counts(ibis.memtable(cells), practices, place=place, template=template)
    result = execute(expr, engine)
    order = {b: i for i, b in enumerate(BREAKDOWNS)}
    result = result.assign(_o=result["breakdown"].map(order))
    result = result.sort_values(["_o", "group_code"], kind="stable").drop(columns="_o")
    return result.reset_index(drop=True)


def _geography(place: Place) -> ir.Table:
    """LSOA -> ward and local fifth (place LSOAs only) and national decile (all of England)."""
    deciles = iod(place.iod_version)[["lsoa_code", "imd_decile"]].astype({"imd_decile": "str"})
    local = lsoa_lookup(place.lsoa_vintage, place.lookup)[["lsoa_code", "ward_code"]]
    fifths = deprivation_groups(place.la_codes, place.iod_version)[["lsoa_code", "local_fifth"]]
    table = deciles.merge(local.astype(str), on="lsoa_code", how="left").merge(
        fifths.astype({"local_fifth": "str"}), on="lsoa_code", how="left"
    )
    return ibis.memtable(table.astype("object").where(table.notna(), None))


def _check_practices(practices: pd.DataFrame, recorded: pd.Series | None = None) -> None:
    """The practice list has its columns, one PCN per practice, and (given the practice codes
    of the records) every practice the records name: else practice and PCN counts would not
    add up, and their publication could not be protected."""
    missing = [c for c in ("practice_code", "pcn_code") if c not in practices.columns]
    if missing:
        raise InputError(
            f"practices: columns {', '.join(missing)} are missing",
            field=missing[0],
            expected="practice_code, practice_name, pcn_code, pcn_name",
        )
    listed = practices[["practice_code", "pcn_code"]].astype(str).drop_duplicates()
    twice = sorted(listed.loc[listed["practice_code"].duplicated(), "practice_code"].unique())
    if twice:
        raise InputError(
            f"practices: practice {', '.join(twice[:10])} is listed in more than one PCN",
            field="pcn_code",
            expected="one PCN per practice",
            values=twice[:10],
        )
    if recorded is not None:
        unknown = sorted(set(recorded.astype(str)) - set(listed["practice_code"]))
        if unknown:
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            raise InputError(
                f"practices: the records name practice {', '.join(unknown[:10])}{more}, which "
                "the practice list does not have: add each with its PCN",
                field="practice_code",
                expected="every practice of the records in the practice list",
                values=unknown[:10],
            )
