"""`healthequity serve`: the dashboard for a place's latest build, on this machine."""

from __future__ import annotations

from typing import Annotated

import typer

from healthequity.cli._common import PlaceOption, console, open_place, place_folder


def serve(
    place: PlaceOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    host: Annotated[
        str, typer.Option(help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
) -> None:
    """Serve the dashboard (pages, downloads, JSON API) for the place's latest build."""
    import uvicorn

    from healthequity.dashboard import create_dashboard
    from healthequity.web import Settings

    folder = place_folder(place)
    open_place(folder)  # exits with a clear message when there is no place.toml
    app = create_dashboard(Settings(folder.resolve()))
    try:
        app.state.cache.current()
    except Exception as err:
        console.print(f"[yellow]Warning:[/yellow] {err}")
    console.print(f"Dashboard: http://{host}:{port}/  (API: http://{host}:{port}/docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
