"""Synthetic template responses for Leeds, labelled synthetic: no real practice or patient.

Synthetic practices carry codes 'SYN001', 'SYN002' ... and synthetic PCNs 'SYNP01' ...: an ODS
practice code is a letter and five digits and a PCN code 'U' and five digits, so these forms can
never be a real organisation. Each practice is placed in a real Leeds 2021 LSOA; patients are
drawn from the real LSOA x sex x age-band populations (calibrated synthetic populations) and the
Census 2021 ethnic mix of their LSOA, and mostly register with a practice in their own ward.
Recording varies by practice (as template use does); needs follow the deprivation gradient.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from healthequity.config import Place, load_place
from healthequity.geography.deprivation import deprivation_groups
from healthequity.geography.lookups import lsoa_lookup
from healthequity.geography.populations import ethnic_groups_lsoa
from healthequity.social_needs.ingest import NOT_KNOWN, RECORD_COLUMNS, to_extract
from healthequity.social_needs.template import Template, default_template
from healthequity.synthetic.populations import synthetic_population

SOURCE = "synthetic (social needs template; no real practice or patient)"
#: Share of patients with each need among those asked, in the least deprived national decile.
BASE_NEED: dict[str, float] = {
    "housing": 0.05, "fuel": 0.06, "food": 0.03, "money": 0.07,
    "work": 0.03, "caring": 0.08, "isolation": 0.07,
}  # fmt: skip
#: How many times likelier a need is in the most deprived decile than in the least.
GRADIENT = 3.5


def synthetic_practices(
    n_practices: int = 90, *, per_pcn: int = 5, seed: int = 8, place: Place | None = None
) -> pd.DataFrame:
    """Synthetic practices placed in real LSOAs of the place, grouped into synthetic PCNs.

    Columns: practice_code, practice_name, pcn_code, pcn_name, lsoa_code, ward_code, synthetic.
    """
    place = place or load_place()
    rng = np.random.default_rng(seed)
    lookup = lsoa_lookup(place.lsoa_vintage)
    picked = lookup.iloc[np.sort(rng.choice(len(lookup), n_practices, replace=False))]
    picked = picked.sort_values(["ward_code", "msoa_code", "lsoa_code"]).reset_index(drop=True)
    number = np.arange(1, n_practices + 1)
    pcn = (number - 1) // per_pcn + 1
    return pd.DataFrame(
        {
            "practice_code": [f"SYN{i:03d}" for i in number],
            "practice_name": [f"Synthetic practice {i:03d}" for i in number],
            "pcn_code": [f"SYNP{i:02d}" for i in pcn],
            "pcn_name": [f"Synthetic PCN {i:02d}" for i in pcn],
            "lsoa_code": picked["lsoa_code"].astype(str).to_numpy(),
            "ward_code": picked["ward_code"].astype(str).to_numpy(),
            "synthetic": True,
        }
    )


def synthetic_records(
    n_patients: int = 100_000,
    *,
    practices: pd.DataFrame | None = None,
    start: dt.date = dt.date(2024, 4, 1),
    end: dt.date = dt.date(2025, 3, 31),
    seed: int = 2025,
    template: Template | None = None,
    place: Place | None = None,
) -> pd.DataFrame:
    """Validated-shape records (one row per recorded code; code NA for a patient never asked).

    Vectorised: a million patients take a few seconds.
    """
    place = place or load_place()
    template = template or default_template()
    practices = synthetic_practices(place=place) if practices is None else practices
    rng = np.random.default_rng(seed)
    people = _people(n_patients, rng, place)
    people["practice_code"] = _register(people["ward_code"].to_numpy(), practices, rng)
    uptake = pd.Series(rng.beta(2.0, 3.0, len(practices)), index=practices["practice_code"])
    adult = ~people["age_band"].isin(["0-4", "5-9", "10-14"]).to_numpy()
    p_asked = uptake.reindex(people["practice_code"]).to_numpy() * np.where(adult, 1.0, 0.3)
    asked = rng.random(n_patients) < p_asked
    repeat = asked & (rng.random(n_patients) < 0.2)
    who = np.concatenate([np.flatnonzero(asked), np.flatnonzero(repeat)])
    days = (end - start).days + 1
    offset = rng.integers(0, days, len(who))
    # a repeat response falls on another day than the patient's first
    n_first = int(asked.sum())
    first_of_repeat = np.searchsorted(np.flatnonzero(asked), np.flatnonzero(repeat))
    shift = 1 + rng.integers(0, days - 1, int(repeat.sum()))
    offset[n_first:] = (offset[first_of_repeat] + shift) % days
    dates = np.datetime64(start.isoformat(), "s") + offset.astype("timedelta64[D]")
    decile = people["imd_decile"].to_numpy()[who]
    domain_codes, domain_rows = [], []
    asked_domain = rng.random((len(who), len(template.domains))) < 0.6
    asked_domain[np.arange(len(who)), rng.integers(0, len(template.domains), len(who))] = True
    for j, domain in enumerate(template.domains):
        rows = np.flatnonzero(asked_domain[:, j])
        need_p = BASE_NEED[domain.id] * (1 + (GRADIENT - 1) * (10 - decile[rows]) / 9)
        has_need = rng.random(len(rows)) < need_p
        needs = np.array([o.code for o in domain.options if o.need], dtype=object)
        others = np.array([o.code for o in domain.options if not o.need], dtype=object)
        codes = np.where(
            has_need,
            needs[rng.integers(0, len(needs), len(rows))],
            others[rng.integers(0, len(others), len(rows))],
        )
        domain_rows.append(rows)
        domain_codes.append(codes)
    rows = np.concatenate(domain_rows)
    order = np.argsort(rows, kind="stable")
    rows, codes = rows[order], np.concatenate(domain_codes)[order]
    answered = people.iloc[who[rows]].reset_index(drop=True)
    answered["date"] = dates[rows]
    answered["code"] = pd.array(codes, dtype="string")
    never = people.loc[~asked].reset_index(drop=True)
    never["date"] = pd.Series(pd.NaT, index=never.index, dtype="datetime64[s]")
    never["code"] = pd.array([pd.NA] * len(never), dtype="string")
    out = pd.concat([answered, never], ignore_index=True)[list(RECORD_COLUMNS)]
    return out.astype({"date": "datetime64[s]"})


def synthetic_extract(n_patients: int = 100_000, **options: object) -> pd.DataFrame:
    """The same synthetic data in the flat extract layout (one row per response)."""
    return to_extract(synthetic_records(n_patients, **options))  # type: ignore[arg-type]


def _people(n: int, rng: np.random.Generator, place: Place) -> pd.DataFrame:
    """Patients drawn from the LSOA x sex x band populations and their LSOA's ethnic mix."""
    population = synthetic_population(place, [2022])
    weights = population["population"].to_numpy(dtype="float64")
    cell = rng.choice(len(population), n, p=weights / weights.sum())
    drawn = population.iloc[cell][["lsoa_code", "sex", "age_band"]].reset_index(drop=True)
    ethnic = ethnic_groups_lsoa(list(place.la_codes)).pivot_table(
        index="lsoa_code", columns="ethnic_group", values="population", aggfunc="sum"
    )
    shares = ethnic.div(ethnic.sum(axis=1), axis=0).cumsum(axis=1)
    cum = shares.reindex(drawn["lsoa_code"]).to_numpy()
    pick = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, len(shares.columns) - 1)
    groups = np.asarray(shares.columns, dtype=object)[pick]
    groups[rng.random(n) < 0.05] = NOT_KNOWN
    geo = lsoa_lookup(place.lsoa_vintage).set_index("lsoa_code")["ward_code"]
    dep = deprivation_groups(place.la_codes, place.iod_version).set_index("lsoa_code")
    return drawn.assign(
        patient_id=[f"P{i:08d}" for i in rng.permutation(n)],
        ethnic_group=groups,
        ward_code=geo.reindex(drawn["lsoa_code"]).astype(str).to_numpy(),
        imd_decile=dep["imd_decile"].reindex(drawn["lsoa_code"]).to_numpy(dtype="int64"),
    )


def _register(wards: np.ndarray, practices: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """A practice for each patient: one in their own ward 85% of the time, else any practice."""
    ordered = practices.sort_values("ward_code", kind="stable")
    codes = ordered["practice_code"].to_numpy(dtype=object)
    ward_of = ordered["ward_code"].to_numpy(dtype=object)
    names, first = np.unique(ward_of, return_index=True)
    count = np.diff(np.append(first, len(ward_of)))
    slot = np.searchsorted(names, wards)
    has = (slot < len(names)) & (names[np.minimum(slot, len(names) - 1)] == wards)
    slot = np.minimum(slot, len(names) - 1)
    local = codes[first[slot] + rng.integers(0, 1 << 30, len(wards)) % count[slot]]
    anywhere = codes[rng.integers(0, len(codes), len(wards))]
    return np.where(has & (rng.random(len(wards)) < 0.85), local, anywhere)
