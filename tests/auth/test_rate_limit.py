"""Login rate limiting per username and per client, kept in the database across restarts."""

from __future__ import annotations

import datetime as dt

from healthequity.auth import ratelimit
from healthequity.auth.errors import RateLimited
from healthequity.auth.ratelimit import Limits
from healthequity.store.database import Database
from tests.accountability.api_client import API, Client, make_app
from tests.accountability.seed import Seeded

LIMITS = Limits(per_username=3, per_client=5, window=dt.timedelta(minutes=15))


def attempt(client: Client, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.http.post(
        f"{API}/session/login",
        json={"username": username, "password": password},
        headers={"X-CSRF-Token": client.csrf},
    )
    return response.status_code, response.json()


def test_too_many_failures_lock_the_username_even_after_a_restart(seeded: Seeded) -> None:
    client = Client(make_app(seeded.db, limits=LIMITS))
    assert [attempt(client, "ed", "wrong password!")[0] for _ in range(3)] == [401, 401, 401]
    status, body = attempt(client, "ed", "correct horse battery staple")
    assert status == 429
    assert body["error"]["message"] == "too many failed sign-ins for 'ed'; try again in 15 minutes"
    restarted = Database(seeded.db.engine)  # a new process: only the database remembers
    status, _ = attempt(
        Client(make_app(restarted, limits=LIMITS)), "ed", "correct horse battery staple"
    )
    assert status == 429
    assert attempt(client, "bea", "correct horse battery staple")[0] == 200


def test_too_many_failures_from_one_client_lock_every_username(seeded: Seeded) -> None:
    client = Client(make_app(seeded.db, limits=LIMITS))
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert attempt(client, name, "wrong password!")[0] == 401
    status, body = attempt(client, "bea", "correct horse battery staple")
    assert status == 429
    assert (
        body["error"]["message"]
        == "too many failed sign-ins from this address; try again in 15 minutes"
    )


def test_failures_age_out_of_the_window(seeded: Seeded) -> None:
    start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
    with seeded.db.session() as s:
        for _ in range(3):
            ratelimit.record_attempt(s, "ed", "10.0.0.1", False, start)
    with seeded.db.session() as s:
        try:
            ratelimit.check_allowed(
                s, "ed", "10.0.0.2", now=start + dt.timedelta(minutes=14), limits=LIMITS
            )
        except RateLimited as err:
            assert err.retry_after == 60
        else:  # pragma: no cover
            raise AssertionError("should be rate limited")
        ratelimit.check_allowed(
            s, "ed", "10.0.0.2", now=start + dt.timedelta(minutes=15, seconds=1), limits=LIMITS
        )
