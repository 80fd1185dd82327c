"""Another local authority is set up from its own codes: place.toml plus its own lookup."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from healthequity import geography as geo
from healthequity.config import load_place
from healthequity.errors import InputError

BRADFORD = "E08000032"


def _place(folder: Path, la: str = BRADFORD, lookup: str = "lookup.csv") -> Path:
    (folder / "place.toml").write_text(
        f"""[place]
name = "Bradford"
la_codes = ["{la}"]
comparator = "E92000001"

[deprivation]
iod_version = 2025

[geography]
lsoa_vintage = 2021
lookup = "{lookup}"
"""
    )
    return folder


def test_another_la_from_its_own_codes(tmp_path: Path) -> None:
    iod = geo.iod(2025)
    lsoas = iod[iod["la_code"] == BRADFORD].head(40)
    lookup = pd.DataFrame(
        {
            "lsoa21_code": lsoas["lsoa_code"], "lsoa21_name": lsoas["lsoa_name"],
            "msoa21_code": "E02000001", "msoa21_name": "Bradford 001",
            "wd24_code": "E05000001", "wd24_name": "A ward",
            "lad24_code": BRADFORD, "lad24_name": "Bradford",
        }
    )  # fmt: skip
    lookup.to_csv(tmp_path / "lookup.csv", index=False)
    place = load_place(_place(tmp_path))
    assert place.la_codes == (BRADFORD,) and place.lookup == tmp_path / "lookup.csv"
    table = geo.lsoa_lookup(place.lsoa_vintage, place.lookup)
    assert len(table) == 40 and set(table["la_code"]) == {BRADFORD}
    groups = geo.deprivation_groups(list(place.la_codes), place.iod_version)
    assert len(groups) == int((iod["la_code"] == BRADFORD).sum())
    assert groups["local_fifth"].min() == 1 and groups["local_fifth"].max() == 5


def test_bad_place_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an area of type Local authority"):
        load_place(_place(tmp_path, la="E05011549"))
    (tmp_path / "place.toml").write_text("[place\nname=")
    with pytest.raises(InputError, match="not valid TOML"):
        load_place(tmp_path)
    with pytest.raises(InputError, match="no LSOAs in IoD2025"):
        geo.deprivation_groups(["E06099999"], 2025)
