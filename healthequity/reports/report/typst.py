"""The PDF, made with Typst (the ``typst`` package compiles offline, no browser): a template in
``templates/`` reads the document as JSON from ``sys.inputs``; charts are embedded as SVG."""

from __future__ import annotations

import datetime as dt
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import typst

from healthequity.errors import HealthEquityError
from healthequity.reports.report._files import write_bytes_atomic


class RenderError(HealthEquityError):
    """Typst could not compile a report template."""


def template(name: str) -> Path:
    """The shipped template ``name`` (e.g. 'report.typ')."""
    return Path(str(files("healthequity.reports.report").joinpath("templates", name)))


def compile_pdf(document: dict[str, Any], name: str, *, when: dt.date | None = None) -> bytes:
    """PDF bytes of template ``name`` with ``document`` as its data; ``when`` is the date the
    PDF records (default the document's ``as_of``), so equal inputs give equal files."""
    path = template(name)
    stamp = when or dt.date.fromisoformat(str(document.get("as_of", "2000-01-01")))
    moment = dt.datetime(stamp.year, stamp.month, stamp.day, tzinfo=dt.UTC)
    try:
        out = typst.compile(
            str(path),
            root=str(path.parent),
            sys_inputs={"document": json.dumps(document, default=str)},
            timestamp=int(moment.timestamp()),
        )
    except RuntimeError as err:  # typst raises RuntimeError (TypstError) with its diagnostics
        raise RenderError(f"{path.name}: the PDF could not be made: {err}") from err
    if not isinstance(out, bytes):
        raise RenderError(f"{path.name}: typst returned no PDF")
    return out


def write_pdf(document: dict[str, Any], name: str, path: Path) -> Path:
    """Compile template ``name`` and write the PDF to ``path`` atomically."""
    return write_bytes_atomic(path, compile_pdf(document, name))
