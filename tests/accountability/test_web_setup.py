"""register(app) with its defaults: the place's SQLite database migrated, the session key made
once in the place folder (0600) or taken from the environment, and the templates added once."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthequity.accountability.secret import SecretFileError, session_secret
from healthequity.accountability.web import TEMPLATES, long_date
from healthequity.config import example_place_dir
from healthequity.web.templating import add_template_folder, environment
from tests.accountability.pages_app import make_app


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("HEALTHEQUITY_SECRET_KEY", raising=False)
    monkeypatch.delenv("HEALTHEQUITY_DATABASE_URL", raising=False)
    folder = tmp_path / "place"
    folder.mkdir()
    (folder / "place.toml").write_text((example_place_dir() / "place.toml").read_text())
    return folder


def test_defaults_open_the_place_database_and_make_a_private_key(place: Path) -> None:
    app = make_app(place, None, secret=None)
    assert (place / "healthequity.sqlite").exists()
    key_file = place / "session_secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32
    client = TestClient(app)
    page = client.get("/tracker")
    assert page.status_code == 200
    assert "No recommendations have been imported yet." in page.text
    assert client.get("/api/tracker/themes").json() == []
    make_app(place, None, secret=None)  # a restart keeps the key: sessions survive
    assert key_file.read_text().strip() == key


def test_environment_key_wins_and_a_short_one_is_refused(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTHEQUITY_SECRET_KEY", "k" * 40)
    assert session_secret(place) == "k" * 40
    assert not (place / "session_secret.key").exists()
    monkeypatch.setenv("HEALTHEQUITY_SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="HEALTHEQUITY_SECRET_KEY must be set to a random"):
        session_secret(place)


def test_a_key_others_can_read_is_refused(place: Path) -> None:
    key_file = place / "session_secret.key"
    key_file.write_text("x" * 48)
    os.chmod(key_file, 0o644)
    with pytest.raises(SecretFileError) as err:
        session_secret(place)
    assert str(err.value) == (
        f"{key_file}: the session key may be read by other users (mode 644); "
        f"run `chmod 600 {key_file}` or delete the file to make a new key"
    )
    os.chmod(key_file, 0o600)
    key_file.write_text("too short")
    with pytest.raises(
        SecretFileError, match="the session key is 9 characters; expected at least 32"
    ):
        session_secret(place)


def test_template_folder_is_added_once_after_the_dashboards() -> None:
    env = environment()
    add_template_folder(env, TEMPLATES)
    add_template_folder(env, TEMPLATES)
    loaders = env.loader.loaders  # type: ignore[union-attr]
    assert len(loaders) == 3 and str(TEMPLATES) in loaders[-1].searchpath
    assert env.get_template("base.html").filename.endswith("web/templates/base.html")  # type: ignore[union-attr]
    assert env.get_template("tracker/board.html")


def test_long_date() -> None:
    assert long_date("2026-03-05") == "5 March 2026"
    assert long_date("2026-03-05T09:07:00+00:00") == "5 March 2026 09:07 UTC"
    assert long_date("not a date") == "not a date"
