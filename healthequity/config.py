"""The place's settings, read once from place.toml (the Leeds example is shipped)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from healthequity.errors import InputError
from healthequity.geography.codes import AreaType, check_codes
from healthequity.geography.deprivation import IOD_VINTAGE, check_iod_version
from healthequity.geography.lookups import check_vintage


def example_place_dir() -> Path:
    """The shipped Leeds example place folder."""
    return Path(str(files("healthequity").joinpath("places", "leeds")))


@dataclass(frozen=True)
class Place:
    """A place: its LA code(s), name, comparator, IoD release and LSOA vintage."""

    name: str
    la_codes: tuple[str, ...]
    comparator: str = "E92000001"
    comparator_name: str = "England"
    iod_version: int = 2025
    lsoa_vintage: int = 2021
    lookup: Path | None = None
    folder: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.la_codes:
            raise InputError(
                "place: la_codes is empty; give at least one LA code", field="la_codes"
            )
        check_codes(
            pd.Series(list(self.la_codes)), field="la_codes", allowed={AreaType.LOCAL_AUTHORITY}
        )
        check_codes(
            pd.Series([self.comparator]),
            field="comparator",
            allowed={AreaType.ENGLAND, AreaType.REGION},
        )
        check_iod_version(self.iod_version)
        check_vintage(self.lsoa_vintage)
        if IOD_VINTAGE[self.iod_version] != self.lsoa_vintage:
            raise InputError(
                f"place: IoD{self.iod_version} is published on "
                f"{IOD_VINTAGE[self.iod_version]} LSOAs but lsoa_vintage is {self.lsoa_vintage}",
                field="lsoa_vintage",
                expected=str(IOD_VINTAGE[self.iod_version]),
            )


def _get(table: dict[str, Any], section: str, key: str, path: Path) -> Any:
    try:
        return table[section][key]
    except KeyError:
        raise InputError(
            f"{path}: [{section}] {key} is missing", field=f"{section}.{key}"
        ) from None


def load_place(folder: str | Path | None = None) -> Place:
    """Read ``place.toml`` from a place folder (default: the shipped Leeds example)."""
    root = Path(folder) if folder is not None else example_place_dir()
    path = root / "place.toml" if root.is_dir() else root
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such place file", field="place.toml") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: not valid TOML: {err}", field="place.toml") from None
    lookup = table.get("geography", {}).get("lookup") or None
    return Place(
        name=str(_get(table, "place", "name", path)),
        la_codes=tuple(_get(table, "place", "la_codes", path)),
        comparator=str(table["place"].get("comparator", "E92000001")),
        comparator_name=str(table["place"].get("comparator_name", "England")),
        iod_version=int(_get(table, "deprivation", "iod_version", path)),
        lsoa_vintage=int(_get(table, "geography", "lsoa_vintage", path)),
        lookup=(path.parent / lookup) if lookup else None,
        folder=path.parent,
    )
