"""The web dashboard: server-rendered pages, downloads and a JSON API over the latest build."""

from healthequity.web.app import create_app
from healthequity.web.settings import Settings

__all__ = ["Settings", "create_app"]
