"""Dashboard load test: a real server (uvicorn, one process) over the full Leeds build.

`python -m bench web`. Builds the Leeds indicator set into a temporary place folder (or uses
$HEALTHEQUITY_BENCH_PLACE when it names a folder with a build), starts the server, then
1. server time per page (the Server-Timing header): first render and served again, for the
   overview, every indicator page, every ward page, the inequalities page and an API query;
2. 100 concurrent clients for 30 seconds over those pages: requests, errors, latency.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench._report import Timing, write_section

CLIENTS = 100
SECONDS = 30.0


def _place() -> Path:
    given = os.environ.get("HEALTHEQUITY_BENCH_PLACE")
    if given:
        return Path(given)
    from healthequity.config import example_place_dir, load_place
    from healthequity.reports.indicator_set import run_build
    from healthequity.store.warehouse import Warehouse

    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    shutil.copy(example_place_dir() / "place.toml", folder / "place.toml")
    run_build(load_place(folder), warehouse=Warehouse(folder / "warehouse.duckdb"), out=None)
    return folder


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(place: Path, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import sys, uvicorn; from healthequity.dashboard import create_dashboard; "
        "uvicorn.run(create_dashboard(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), "
        "log_level='warning')"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(place), str(port)])


def _server_ms(response: httpx.Response) -> float:
    return float(response.headers["server-timing"].split("dur=")[1])


def _pages(client: httpx.Client) -> dict[str, list[str]]:
    ids = [i["indicator_id"] for i in client.get("/api/indicators").json()["indicators"]]
    wards = [a["area_code"] for a in client.get("/api/areas?area_type=Ward").json()["areas"]]
    return {
        "Overview": ["/"],
        "Indicator page": [f"/indicators/{i}" for i in ids],
        "Area page (ward spine chart)": [f"/areas/{w}" for w in wards],
        "Inequalities page": ["/inequalities"],
        "API: one indicator's ward rows (JSON)": [
            f"/api/indicators/{i}/data?area_type=Ward" for i in ids
        ],
    }


def _timing(name: str, ms: list[float], note: str) -> Timing:
    s = sorted(x / 1000 for x in ms)
    return Timing(name, s[0], statistics.median(s), len(s), 0.0, note)


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, url: str) -> int:
    """One keep-alive HTTP/1.1 GET on an open connection; returns the status (body read)."""
    writer.write(f"GET {url} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(x.split(":")[1]) for x in lines if x.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _load(port: int, urls: list[str]) -> tuple[int, dict[str, int], list[float]]:
    """``CLIENTS`` connections, each requesting random pages back to back for ``SECONDS``.

    A minimal asyncio client (keep-alive, Content-Length bodies) so that the client's own CPU,
    on the same machine, disturbs the server as little as possible."""
    done, errors, latency = 0, Counter[str](), []
    stop = time.monotonic() + SECONDS

    async def one(seed: int) -> None:
        nonlocal done
        rng = random.Random(seed)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                status = await asyncio.wait_for(_get(reader, writer, rng.choice(urls)), 30)
                if status != 200:
                    errors[f"HTTP {status}"] += 1
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as err:
                errors[type(err).__name__] += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latency.append(time.perf_counter() - start)
            done += 1
        writer.close()

    await asyncio.gather(*(one(i) for i in range(CLIENTS)))
    return done, dict(errors), latency


def run() -> None:
    """Time every page type, then load the server; write the 'Dashboard load test' section."""
    place = _place()
    port = _port()
    server = _serve(place, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    start = time.perf_counter()
                    client.get("/api/build").raise_for_status()
                    load_s = time.perf_counter() - start
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            timings: list[Timing] = []
            pages = _pages(client)
            for kind, urls in pages.items():
                answers = {u: client.get(u) for u in urls}
                # an indicator with no ward figures answers 422 to area_type=Ward: leave it out
                urls = [u for u, r in answers.items() if r.status_code == 200]
                pages[kind] = urls
                first = [_server_ms(answers[u]) for u in urls]
                again = [_server_ms(client.get(u)) for u in urls for _ in range(3)]
                timings.append(_timing(f"{kind}: first render", first, f"{len(urls)} pages"))
                timings.append(
                    _timing(
                        f"{kind}: served again",
                        again,
                        "computed each time" if kind.startswith("API") else "page kept per build",
                    )
                )
            every = [u for urls in pages.values() for u in urls]
        done, errors, latency = asyncio.run(_load(port, every))
        latency.sort()
        p95 = latency[int(0.95 * (len(latency) - 1))]
        timings.append(
            Timing(
                f"{CLIENTS} concurrent clients for {SECONDS:.0f} s (client-side latency)",
                latency[0],
                statistics.median(latency),
                done,
                0.0,
                f"{done:,} requests, {done / SECONDS:,.0f}/s, {sum(errors.values())} errors, "
                f"p95 {p95 * 1000:.0f} ms",
            )
        )
        if errors:
            raise SystemExit(
                f"load test: {sum(errors.values())} of {done} requests failed: {errors}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    intro = (
        "`python -m bench web`: the full Leeds build (every active indicator) served by "
        "`uvicorn` in one process on 127.0.0.1. Server times are the app's own "
        "(`Server-Timing` header), in seconds; 'first render' is a page's first request after "
        "the build is loaded (charts and tables computed from the publishable table; per-build "
        "summaries are computed when the build is loaded), 'served again' a repeat. The load test's clients pick pages at random from "
        f"all of the above. Loading the build and making it publishable took {load_s:.1f} s "
        "(once per build). The peak RSS column is not measured here (0)."
    )
    print(write_section("Dashboard load test", intro, timings))
