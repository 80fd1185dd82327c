"""The catalogue: the shipped YAML files, folder loading, overrides, retiring and bad files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from healthequity.errors import InputError
from healthequity.indicators import (
    Catalogue,
    DefinitionsRejected,
    PublishedData,
    ValueType,
    load_catalogue,
    load_definition,
    shipped_folder,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"
CATALOGUE_CSV = SHARED / "domain" / "indicator-catalogue.csv"
PACKAGED_EXTRACTS = (
    Path(__file__).resolve().parents[2] / "healthequity" / "geography" / "data" / "indicators"
)
EXTRACTS = PACKAGED_EXTRACTS if PACKAGED_EXTRACTS.exists() else SHARED / "data" / "indicators"

# Catalogue value types the model has no type for, and gaps between two values: published only.
PUBLISHED_ONLY = {
    "housing_affordability",
    "excess_u75_smi",
    "winter_mortality_index",
    "co2_per_capita",
    "attainment8_disadvantage_gap",
    "employment_gap_ltc",
    "employment_gap_ethnicity",
}
# Shipped definitions added after the shared catalogue (Fingertips Local Health small-area ratios).
BEYOND_CATALOGUE = {"emergency_admissions_sar", "u75_mortality_smr"}


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return load_catalogue()


def catalogue_rows() -> list[dict[str, str]]:
    if not CATALOGUE_CSV.exists():
        pytest.skip("the shared indicator catalogue is not next to the project")
    with CATALOGUE_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def copy_shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "indicators"
    shutil.copytree(shipped_folder(), folder)
    return folder


def write(folder: Path, name: str, raw: Any) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def shipped_raw(indicator_id: str) -> dict[str, Any]:
    text = (shipped_folder() / f"{indicator_id}.yaml").read_text(encoding="utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    return raw


def rejected(folder: Path, **kwargs: Any) -> list[str]:
    with pytest.raises(DefinitionsRejected) as caught:
        load_catalogue(folder, **kwargs)
    return [str(p) for p in caught.value.problems]


# --- the shipped definitions ---------------------------------------------------------------


def test_every_shipped_file_validates_and_is_named_by_its_id(shipped: Catalogue) -> None:
    paths = sorted(shipped_folder().glob("*.yaml"))
    assert len(paths) == len(shipped) == 70
    for path in paths:
        d = load_definition(path)
        assert d.id == path.stem
        assert shipped.files[d.id] == path


def test_one_file_per_catalogue_row_with_its_text_kept(shipped: Catalogue) -> None:
    rows = catalogue_rows()
    assert sorted(set(shipped.ids) - BEYOND_CATALOGUE) == sorted(r["id"] for r in rows)
    for row in rows:
        d = shipped.get(row["id"])
        assert d.name == row["name"]
        assert d.definition == row["definition"]
        assert d.principle == int(row["marmot_principle"])
        assert d.polarity == row["polarity"]
        assert d.unit == row["unit"]
        assert d.source == row["typical_source"]
        assert d.fingertips_id == (
            int(row["fingertips_indicator_id"]) if row["fingertips_indicator_id"] else None
        )
        assert [str(b) for b in d.breakdowns] == [b for b in row["breakdowns"].split(";") if b]
        assert d.multiplier == float(row["multiplier"])
        if row["id"] in PUBLISHED_ONLY:
            assert d.value_type is ValueType.PUBLISHED
            assert d.notes and "catalogue types this as" in d.notes
        else:
            assert d.value_type == row["value_type"]


def test_every_principle_has_active_indicators_that_build_from_counts(shipped: Catalogue) -> None:
    groups = shipped.by_principle()
    assert list(groups) == [1, 2, 3, 4, 5, 6, 7, 8]
    for number, definitions in groups.items():
        built = [d for d in definitions if not isinstance(d.data, PublishedData)]
        assert built, f"principle {number} has no indicator built from counts"
    assert sum(len(v) for v in groups.values()) == 70
    assert [len(groups[n]) for n in range(1, 9)] == [10, 7, 7, 7, 11, 19, 3, 6]


def test_catalogue_is_ordered_by_principle_then_id(shipped: Catalogue) -> None:
    keys = [(d.principle, d.id) for d in shipped]
    assert keys == sorted(keys)


def test_published_extracts_exist_and_select_rows(shipped: Catalogue) -> None:
    if not EXTRACTS.exists():
        pytest.skip("the published extracts are not shipped yet")
    with_extract = {d.id: d.published for d in shipped if d.published is not None}
    assert sorted(with_extract) == [
        "dental_decay_5y",
        "healthy_life_expectancy",
        "le_sii",
        "life_expectancy_birth",
        "overweight_adults",
        "physically_active_adults",
        "reception_obesity",
        "smoking_prevalence_adults",
        "smoking_routine_manual",
        "u75_preventable_mortality",
        "year6_obesity",
    ]
    for indicator_id, published in with_extract.items():
        assert published is not None
        frame = pd.read_csv(EXTRACTS / published.file, dtype=str, keep_default_na=False)
        keep = pd.Series(True, index=frame.index)
        for column, value in published.where.items():
            keep &= frame[column] == value
        rows = frame[keep]
        assert len(rows) > 0, indicator_id
        assert "E08000035" in set(rows["area_code"]), indicator_id  # Leeds
        if published.sex_column is not None:
            assert set(rows[published.sex_column]) <= {"Male", "Female", "Persons"}, indicator_id
        fingertips_id = shipped.get(indicator_id).fingertips_id
        assert f"_{fingertips_id}" in published.file


# --- look-ups --------------------------------------------------------------------------------


def test_unknown_id_lists_close_matches(shipped: Catalogue) -> None:
    with pytest.raises(InputError) as caught:
        shipped.get("infant_mortalty")
    assert (
        str(caught.value) == "unknown indicator 'infant_mortalty'; did you mean: infant_mortality?"
    )
    assert caught.value.field == "indicator_id"
    with pytest.raises(
        InputError, match=r"^unknown indicator 'zzz'; no close match among the 70 indicators$"
    ):
        shipped.get("zzz")


def test_unknown_id_suggests_ids_containing_it(shipped: Catalogue) -> None:
    with pytest.raises(InputError) as caught:
        shipped.get("smoking")
    assert str(caught.value) == (
        "unknown indicator 'smoking'; did you mean: smoking_at_delivery, "
        "smoking_prevalence_adults, smoking_routine_manual?"
    )


def test_membership_and_iteration(shipped: Catalogue) -> None:
    assert "le_sii" in shipped and "nope" not in shipped
    assert [d.id for d in shipped] == shipped.ids
    assert shipped.retired() == []


# --- editing without code changes -------------------------------------------------------------


def test_adding_a_yaml_file_adds_an_indicator(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    raw = shipped_raw("suspension_rate") | {
        "id": "permanent_exclusions",
        "name": "Permanent exclusions from state-funded schools",
        "definition": "Permanent exclusions in the academic year / pupils on roll",
        "numerator": "Permanent exclusions in the academic year",
        "denominator": "Pupils on roll",
        "multiplier": 10000,
        "unit": "per 10,000 pupils",
    }
    write(folder, "permanent_exclusions.yaml", raw)
    catalogue = load_catalogue(folder, include_shipped=False)
    assert len(catalogue) == 71
    added = catalogue.get("permanent_exclusions")
    assert added.principle == 7 and added.multiplier == 10000
    assert added in catalogue.active()
    assert added in catalogue.by_principle()[7]
    assert catalogue.files["permanent_exclusions"] == folder / "permanent_exclusions.yaml"


def test_a_place_folder_adds_to_and_overrides_the_shipped_set(tmp_path: Path) -> None:
    place = tmp_path / "leeds_indicators"
    place.mkdir()
    write(
        place,
        "infant_mortality.yaml",
        shipped_raw("infant_mortality") | {"notes": "Leeds local version"},
    )
    write(
        place,
        "local_measure.yaml",
        shipped_raw("hate_crime_rate")
        | {"id": "local_measure", "data": {"kind": "warehouse", "indicator_id": "local_measure"}},
    )
    catalogue = load_catalogue(place)
    assert len(catalogue) == 71
    assert catalogue.get("infant_mortality").notes == "Leeds local version"
    assert catalogue.files["infant_mortality"] == place / "infant_mortality.yaml"
    assert catalogue.files["le_sii"] == shipped_folder() / "le_sii.yaml"
    only_place = load_catalogue(place, include_shipped=False)
    assert only_place.ids == ["infant_mortality", "local_measure"]


def test_retiring_removes_from_active_but_keeps_it(tmp_path: Path) -> None:
    place = tmp_path / "place"
    place.mkdir()
    write(place, "loneliness.yaml", shipped_raw("loneliness") | {"status": "retired"})
    catalogue = load_catalogue(place)
    retired = catalogue.get("loneliness")
    assert not retired.is_active
    assert retired not in catalogue.active()
    assert catalogue.retired() == [retired]
    assert retired not in catalogue.by_principle()[5]
    assert retired in catalogue.by_principle(include_retired=True)[5]
    assert len(catalogue.active()) == 69 and len(catalogue) == 70


def test_replaced_by_must_name_a_known_indicator(tmp_path: Path) -> None:
    place = tmp_path / "place"
    place.mkdir()
    path = write(
        place,
        "loneliness.yaml",
        shipped_raw("loneliness") | {"status": "retired", "replaced_by": "lonely_v2"},
    )
    assert rejected(place) == [f"{path}: field replaced_by: unknown indicator 'lonely_v2'"]
    write(place, "lonely_v2.yaml", shipped_raw("loneliness") | {"id": "lonely_v2"})
    assert load_catalogue(place).get("loneliness").replaced_by == "lonely_v2"


# --- bad files ---------------------------------------------------------------------------------


BAD_FILES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown field", {"colour": "red"}, "field colour: unknown field (allowed: "),
    (
        "typo field",
        {"polarty": "lower_is_better"},
        "field polarty: unknown field; did you mean 'polarity'?",
    ),
    ("missing field", {"unit": ...}, "field unit: missing (required)"),
    (
        "principle 9",
        {"principle": 9},
        "field principle: must be a Marmot principle number, 1 to 8 (got 9)",
    ),
    ("multiplier 0", {"multiplier": 0}, "field multiplier: must be > 0 (got 0)"),
    (
        "unknown value type",
        {"value_type": "ratio"},
        "field value_type: Input should be 'proportion', ",
    ),
    (
        "id not file name",
        {"id": "infant_deaths"},
        "field id: 'infant_deaths' must equal the file name (expected 'infant_mortality')",
    ),
]


@pytest.mark.parametrize(("case", "changes", "expected"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_file_is_named_with_its_field(
    tmp_path: Path, case: str, changes: dict[str, Any], expected: str
) -> None:
    folder = copy_shipped(tmp_path)
    raw = shipped_raw("infant_mortality")
    for key, value in changes.items():
        if value is ...:
            raw.pop(key)
        else:
            raw[key] = value
    path = write(folder, "infant_mortality.yaml", raw)
    found = rejected(folder, include_shipped=False)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}: {expected}")


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "defs"
    folder.mkdir()
    path = folder / "broken.yaml"
    path.write_text("id: broken\nname: [unclosed\nprinciple: 1\n", encoding="utf-8")
    found = rejected(folder, include_shipped=False)
    assert len(found) == 1
    assert found[0].startswith(f"{path}: not valid YAML at line ")


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    write(folder, "infant_mortality.yml", shipped_raw("infant_mortality"))
    found = rejected(folder, include_shipped=False)
    assert found == [
        f"{folder / 'infant_mortality.yml'}: field id: duplicate id 'infant_mortality': "
        f"already defined in {folder / 'infant_mortality.yaml'}"
    ]


def test_all_bad_files_are_reported_at_once(tmp_path: Path) -> None:
    folder = copy_shipped(tmp_path)
    write(folder, "infant_mortality.yaml", shipped_raw("infant_mortality") | {"multiplier": 0})
    write(folder, "le_sii.yaml", shipped_raw("le_sii") | {"principle": 9})
    (folder / "empty.yaml").write_text("", encoding="utf-8")
    with pytest.raises(DefinitionsRejected) as caught:
        load_catalogue(folder, include_shipped=False)
    assert sorted(str(p) for p in caught.value.problems) == [
        f"{folder / 'empty.yaml'}: expected a mapping of fields, got an empty file",
        f"{folder / 'infant_mortality.yaml'}: field multiplier: must be > 0 (got 0)",
        f"{folder / 'le_sii.yaml'}: field principle: must be a Marmot principle number, 1 to 8 (got 9)",
    ]
    assert str(caught.value).startswith(
        "indicator definitions rejected, 3 problems in 3 files; nothing was loaded:\n  - "
    )


def test_shipped_files_are_named_relative_to_the_definitions_folder(tmp_path: Path) -> None:
    from healthequity.indicators.catalogue import _label

    assert _label(shipped_folder() / "infant_mortality.yaml") == "definitions/infant_mortality.yaml"
    assert _label(tmp_path / "infant_mortality.yaml") == str(tmp_path / "infant_mortality.yaml")


def test_missing_or_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such folder of indicator definitions"):
        load_catalogue(tmp_path / "nope")
    with pytest.raises(InputError, match=r"no indicator definitions \(\*\.yaml\) found"):
        load_catalogue(tmp_path, include_shipped=False)
