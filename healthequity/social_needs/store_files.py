"""Atomic file writes: a file appears whole or not at all (temporary file, then rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a frame as CSV atomically."""
    return write_text(path, frame.to_csv(index=False))
