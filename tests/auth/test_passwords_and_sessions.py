"""Passwords (argon2id), signed session cookies (HttpOnly, SameSite, Secure under HTTPS)."""

from __future__ import annotations

import pytest

from healthequity.auth.passwords import hash_password, verify_password
from healthequity.auth.sessions import SessionSigner, csrf_matches
from healthequity.errors import InputError
from tests.accountability.api_client import API, SECRET, Client, make_app
from tests.accountability.seed import Seeded


def test_argon2id_hash_verifies_only_the_password() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "correct horse battery stapler")
    assert not verify_password("not a hash", "anything")


def test_short_password_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as err:
        hash_password("short")
    assert (str(err.value), err.value.field) == (
        "password: must be at least 12 characters (got 5)",
        "password",
    )


def test_session_cookie_is_signed_and_tamper_evident() -> None:
    signer = SessionSigner(SECRET)
    data = signer.new(7, "$argon2id$hash")
    value = signer.dumps(data)
    assert signer.loads(value) == data
    # change one character of the signature, well inside it (its last character carries
    # padding bits, so changing it alone can leave the decoded signature as it was)
    i = len(value) - 5
    tampered = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]
    assert signer.loads(tampered) is None
    assert SessionSigner("another-secret-another-secret-0000").loads(value) is None
    assert signer.new().csrf != signer.new().csrf
    assert (
        csrf_matches(data, data.csrf)
        and not csrf_matches(data, "x")
        and not csrf_matches(None, "x")
    )


@pytest.mark.parametrize(
    ("base_url", "secure"), [("http://testserver", False), ("https://testserver", True)]
)
def test_cookie_flags(seeded: Seeded, base_url: str, secure: bool) -> None:
    client = Client(make_app(seeded.db), base_url=base_url)
    response = client.http.post(
        f"{API}/session/login",
        json={"username": "ed", "password": "correct horse battery staple"},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert ("Secure" in cookie) is secure


def test_sign_in_rotates_the_csrf_token_and_sign_out_ends_the_session(seeded: Seeded) -> None:
    client = Client(make_app(seeded.db))
    anonymous_token = client.csrf
    assert client.login("ed") == 200
    assert client.csrf != anonymous_token
    assert client.get("/session")["user"]["username"] == "ed"
    assert client.send("POST", "/session/logout").status_code == 200
    assert client.get("/session")["signed_in"] is False


def test_wrong_password_does_not_say_which_was_wrong(seeded: Seeded) -> None:
    client = Client(make_app(seeded.db))
    for username in ("ed", "nobody"):
        response = client.http.post(
            f"{API}/session/login",
            json={"username": username, "password": "wrong password here"},
            headers={"X-CSRF-Token": client.csrf},
        )
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "wrong username or password"


def test_changing_password_signs_out_other_sessions(seeded: Seeded) -> None:
    app = make_app(seeded.db)
    laptop, phone = Client(app), Client(app)
    assert laptop.login("ed") == 200 and phone.login("ed") == 200
    response = laptop.send(
        "POST",
        "/session/password",
        {
            "current_password": "correct horse battery staple",
            "new_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 200, response.text
    laptop.csrf = response.json()["csrf_token"]
    assert laptop.get("/session")["signed_in"] is True
    assert phone.get("/session")["signed_in"] is False
    assert Client(app).login("ed", "a brand new passphrase") == 200


def test_deactivated_user_is_signed_out(seeded: Seeded) -> None:
    app = make_app(seeded.db)
    ed, ada = Client(app), Client(app)
    assert ed.login("ed") == 200 and ada.login("ada") == 200
    user = next(u for u in ada.get("/users") if u["username"] == "ed")
    response = ada.send(
        "PATCH", f"/users/{user['id']}", {"version": user["version"], "active": False}
    )
    assert response.status_code == 200, response.text
    assert ed.get("/session")["signed_in"] is False
    assert Client(app).login("ed") == 401
