"""Time a call, describe the machine, and write a section of docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@dataclass
class Timing:
    """Best and median wall time of repeated calls, and the process's peak memory after them."""

    name: str
    best: float
    median: float
    repeats: int
    peak_mib: float
    note: str = ""


def time_call(name: str, func: Callable[[], Any], *, repeats: int = 3, note: str = "") -> Timing:
    """Run ``func`` once to warm up, then ``repeats`` times; keep best and median seconds."""
    func()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Timing(name, seconds[0], seconds[len(seconds) // 2], repeats, peak, note)


def machine() -> str:
    """One line naming the machine: CPU model, cores, memory, OS and Python."""
    cpu = platform.processor() or "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"model name\s*:\s*(.+)", text)
        if found:
            cpu = found.group(1).strip()
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}; {os.cpu_count()} cores; {mem:.0f} GiB; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}"
    )


def write_section(title: str, intro: str, timings: list[Timing]) -> str:
    """Replace (or add) the section ``title`` in docs/benchmarks.md; return its text."""
    lines = [
        f"## {title}",
        "",
        intro,
        "",
        f"Measured {dt.date.today().isoformat()} on: {machine()}.",
        "",
        "| benchmark | best (s) | median (s) | runs | peak RSS of the process (MiB) | note |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for t in timings:
        lines.append(
            f"| {t.name} | {t.best:.3f} | {t.median:.3f} | {t.repeats} | {t.peak_mib:.0f} | {t.note} |"
        )
    section = "\n".join(lines) + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n\nWritten by `make bench`.\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section + "\n", text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + section
    )
    DOC.write_text(text)
    return section
