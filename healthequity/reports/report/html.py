"""The accessible HTML version: one self-contained page (no scripts, no external files) with
semantic headings, captioned tables with header scope, and inline SVG charts with alt text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from healthequity.reports.report._files import write_bytes_atomic

_ROOT = re.compile(r"<svg\b([^>]*)>", re.S)
_ARIA = re.compile(r'\s(?:role|aria-[a-z]+)="[^"]*"')


def accessible_svg(svg: str, alt: str, key: str) -> Markup:
    """The chart's SVG as one image to assistive technology: role img, labelled by a title
    holding its alt text; the marks' own ARIA roles are removed (they describe an interactive
    chart this page does not have)."""
    body = _ARIA.sub("", svg)
    match = _ROOT.search(body)
    if match is None:
        raise ValueError(f"chart {key}: not an SVG document")
    attrs = match.group(1)
    title_id = f"chart-title-{key}"
    root = f'<svg{attrs} role="img" aria-labelledby="{title_id}" focusable="false">'
    escaped = Markup.escape(alt)
    head = f'{root}<title id="{title_id}">{escaped}</title>'
    return Markup(body[: match.start()] + head + body[match.end() :])


def environment() -> Environment:
    """Jinja2 with autoescaping, loading the package's templates."""
    env = Environment(
        loader=PackageLoader("healthequity.reports.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["svg"] = accessible_svg
    return env


def render_html(document: dict[str, Any], name: str = "report.html.j2") -> str:
    """The document as one HTML page."""
    return environment().get_template(name).render(doc=document)


def write_html(document: dict[str, Any], path: Path, name: str = "report.html.j2") -> Path:
    """Render and write the HTML page atomically."""
    return write_bytes_atomic(path, render_html(document, name).encode("utf-8"))
