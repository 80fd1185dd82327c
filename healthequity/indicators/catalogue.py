"""The indicator catalogue: every YAML definition in a folder, validated together, by id.

The shipped folder holds the proposed Marmot set; a place may point to its own folder, whose
files add indicators and override shipped ones with the same id (e.g. to retire one). Adding,
editing or retiring an indicator is a file change, never a code change.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType

import yaml

from healthequity.errors import InputError
from healthequity.indicators.definition import (
    Definition,
    DefinitionProblem,
    DefinitionsRejected,
    definition_problems,
    parse_definition,
)
from healthequity.indicators.principles import PRINCIPLE_NUMBERS

SUFFIXES = (".yaml", ".yml")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: ~10x faster


def shipped_folder() -> Path:
    """The folder of shipped indicator definitions."""
    return Path(str(files("healthequity").joinpath("indicators", "definitions")))


def _label(path: Path) -> str:
    """How messages name a file: 'definitions/x.yaml' if shipped, else its full path."""
    return f"definitions/{path.name}" if path.parent == shipped_folder() else str(path)


def _read_yaml(path: Path, label: str) -> tuple[object, list[DefinitionProblem]]:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER), []
    except UnicodeDecodeError:
        return None, [DefinitionProblem(label, None, "not UTF-8 text")]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(err, "problem", None) or str(err)
        return None, [DefinitionProblem(label, None, f"not valid YAML{where}: {what}")]


def load_definition(path: str | Path) -> Definition:
    """Read and validate one definition file; its ``id`` must equal its file name."""
    path = Path(path)
    raw, problems = _read_yaml(path, _label(path))
    if problems:
        raise DefinitionsRejected(problems)
    return parse_definition(raw, _label(path), path.stem)


def _read_folder(
    folder: Path,
) -> tuple[dict[str, Definition], dict[str, Path], list[DefinitionProblem]]:
    """Every definition file directly in ``folder``, and every problem with them."""
    found: dict[str, Definition] = {}
    paths: dict[str, Path] = {}
    problems: list[DefinitionProblem] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()):
        label = _label(path)
        raw, bad = _read_yaml(path, label)
        definition = None
        if not bad:
            definition, bad = definition_problems(raw, label, path.stem)
        problems.extend(bad)
        if definition is None:
            continue
        if definition.id in found:
            first = _label(paths[definition.id])
            message = f"duplicate id {definition.id!r}: already defined in {first}"
            problems.append(DefinitionProblem(label, "id", message))
            continue
        found[definition.id] = definition
        paths[definition.id] = path
    return found, paths, problems


def _close_ids(query: str, ids: list[str], limit: int = 5) -> list[str]:
    """Ids like ``query``: near spellings (within 0.15 of the best), then ids containing it."""
    scored = sorted(
        ((difflib.SequenceMatcher(None, query, i).ratio(), i) for i in ids),
        key=lambda pair: (-pair[0], pair[1]),
    )
    best = scored[0][0] if scored else 0.0
    close = [i for score, i in scored if score >= 0.6 and score >= best - 0.15]
    containing = sorted((i for i in ids if query and query in i), key=lambda i: i.find(query))
    close += [i for i in containing if i not in close]
    return close[:limit]


@dataclass(frozen=True)
class Catalogue:
    """Indicator definitions by id (in principle then id order), with the file each came from."""

    definitions: Mapping[str, Definition]
    files: Mapping[str, Path]

    def __len__(self) -> int:
        return len(self.definitions)

    def __iter__(self) -> Iterator[Definition]:
        return iter(self.definitions.values())

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.definitions

    @property
    def ids(self) -> list[str]:
        """Every id, active and retired."""
        return list(self.definitions)

    def get(self, indicator_id: str) -> Definition:
        """The definition with this id (active or retired); unknown ids suggest close matches."""
        try:
            return self.definitions[indicator_id]
        except KeyError:
            close = _close_ids(str(indicator_id), self.ids)
            hint = (
                f"did you mean: {', '.join(close)}?"
                if close
                else f"no close match among the {len(self)} indicators"
            )
            raise InputError(
                f"unknown indicator {indicator_id!r}; {hint}",
                field="indicator_id",
                expected=", ".join(close) or None,
                values=[indicator_id],
            ) from None

    def active(self) -> list[Definition]:
        """The indicators that are built (status active)."""
        return [d for d in self if d.is_active]

    def retired(self) -> list[Definition]:
        """The indicators kept for history but not built (status retired)."""
        return [d for d in self if not d.is_active]

    def by_principle(self, *, include_retired: bool = False) -> dict[int, list[Definition]]:
        """Indicators under each Marmot principle 1-8 (every principle is a key)."""
        groups: dict[int, list[Definition]] = {n: [] for n in PRINCIPLE_NUMBERS}
        for d in self if include_retired else self.active():
            groups[d.principle].append(d)
        return groups


def load_catalogue(folder: str | Path | None = None, *, include_shipped: bool = True) -> Catalogue:
    """Load and validate every definition: the shipped folder, then ``folder`` (a place's own).

    A file in ``folder`` overrides the shipped definition with the same id. Problems in any
    file are collected and raised together as DefinitionsRejected.
    """
    folders = [shipped_folder()] if include_shipped or folder is None else []
    if folder is not None:
        place = Path(folder)
        if not place.is_dir():
            raise InputError(f"{place}: no such folder of indicator definitions", field="folder")
        if place.resolve() != shipped_folder().resolve():
            folders.append(place)
    merged: dict[str, Definition] = {}
    paths: dict[str, Path] = {}
    problems: list[DefinitionProblem] = []
    for source in folders:
        found, where, bad = _read_folder(source)
        merged.update(found)
        paths.update(where)
        problems.extend(bad)
    for d in merged.values():
        if d.replaced_by is not None and d.replaced_by not in merged:
            problems.append(
                DefinitionProblem(
                    _label(paths[d.id]), "replaced_by", f"unknown indicator {d.replaced_by!r}"
                )
            )
    if problems:
        raise DefinitionsRejected(problems)
    if not merged:
        shown = ", ".join(str(f) for f in folders)
        raise InputError(f"{shown}: no indicator definitions (*.yaml) found", field="folder")
    order = sorted(merged, key=lambda i: (merged[i].principle, i))
    return Catalogue(
        definitions=MappingProxyType({i: merged[i] for i in order}),
        files=MappingProxyType({i: paths[i] for i in order}),
    )


def place_catalogue(place_folder: str | Path | None) -> Catalogue:
    """The catalogue a place builds from: its own ``indicators`` folder (if it has one) over the
    shipped definitions; the shipped ones alone without a place folder."""
    own = Path(place_folder) / "indicators" if place_folder is not None else None
    return load_catalogue(own if own is not None and own.is_dir() else None)
