"""The tracker in a real browser (Debian's chromium, headless, through Playwright): an editor
signs in, posts an update with a status change, and it shows on the public pages and in the
audit trail; an editor adds an action and a milestone through the forms; axe-core finds no
serious or critical problem on any tracker page, form or refused form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from healthequity.auth import passwords
from healthequity.store.database import Database
from healthequity.web.data import BuildCache
from tests.accountability.pages_app import build_cache, make_app, place_folder
from tests.accountability.seed import PASSWORD, seed
from tests.browser import axe_problems, served

__all__ = ["build_cache", "place_folder"]

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/tracker",
    "/tracker/recommendations/1",
    "/tracker/actions/1",
    "/tracker/attention",
    "/tracker/audit",
    "/tracker/sign-in",
    "/tracker/actions/999",  # the error page
]
ADMIN_PAGES = [
    "/tracker/actions/1",  # with the update form
    "/tracker/my-actions",
    "/tracker/admin/users",
    "/tracker/admin/users/1",
    "/tracker/admin/organisations",
    "/tracker/recommendations/1/actions/new",
    "/tracker/actions/1/edit",
    "/tracker/actions/1/milestones/new",
    "/tracker/recommendations/1/edit",
]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, place_folder: Path, build_cache: BuildCache
) -> Iterator[str]:
    """The dashboard with the tracker on a seeded SQLite database, served by uvicorn."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
        db = Database.from_url(f"sqlite:///{tmp_path_factory.mktemp('tracker') / 'app.sqlite'}")
        db.upgrade()
        seed(db)
        app = make_app(place_folder, db, build_cache)
        with served(app) as url:
            yield url
        db.dispose()


class Tab:
    """A browser context and page that records script errors and failed requests."""

    def __init__(self, browser, server: str) -> None:  # type: ignore[no-untyped-def]
        self.context = browser.new_context(base_url=server)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append("request failed: " + r.url))
        self.page.on(
            "response",
            lambda r: self.errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )

    def sign_in(self, username: str, next_path: str) -> None:
        self.page.goto(f"/tracker/sign-in?next={next_path}")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"**{next_path}")

    def axe(self) -> list[str]:
        return axe_problems(self.page)


@pytest.fixture
def tabs(browser, server: str) -> Iterator[list[Tab]]:  # type: ignore[no-untyped-def]
    made: list[Tab] = []

    def new() -> Tab:
        tab = Tab(browser, server)
        made.append(tab)
        return tab

    yield new  # type: ignore[misc]
    for tab in made:
        tab.context.close()


def test_editor_posts_an_update_that_the_public_and_the_audit_trail_show(tabs) -> None:  # type: ignore[no-untyped-def]
    editor = tabs()
    editor.sign_in("ed", "/tracker/actions/1")
    page = editor.page
    assert "Signed in as Ed Ashworth (editor)" in page.inner_text("header")
    text = "Draft report agreed with partners; publication moved to May."
    page.fill("#text", text)
    page.select_option("#status-change", "at risk")
    page.get_by_role("button", name="Post update").click()
    page.wait_for_url("**/tracker/actions/1?posted=*")
    assert "Your update was posted." in page.inner_text("#posted")
    assert "At risk" in page.inner_text("#status")
    assert editor.errors == []

    public = tabs()
    public.page.goto("/tracker/recommendations/1")
    timeline = public.page.inner_text(".he-timeline")
    assert text in timeline and "Ed Ashworth" in timeline
    assert "Sign in" in public.page.inner_text("header")
    public.page.goto("/tracker/actions/1")
    assert public.page.locator("#update-form").count() == 0
    assert text in public.page.inner_text(".he-timeline")
    public.page.get_by_role("link", name="The whole audit trail").click()
    public.page.wait_for_url("**/tracker/audit")
    trail = public.page.inner_text("#audit")
    assert text in trail
    assert "update action 1" in trail and "not started" in trail and "at risk" in trail
    assert public.errors == []

    with editor.page.expect_navigation():
        editor.page.locator("#sign-out").click()
    assert "/tracker/actions/1" in editor.page.url
    assert "Sign in" in editor.page.inner_text("header")
    assert editor.page.locator("#update-form").count() == 0


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_serious_accessibility_problems(tabs, path: str) -> None:  # type: ignore[no-untyped-def]
    tab = tabs()
    tab.page.goto(path)
    assert tab.axe() == []


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_signed_in_pages_have_no_serious_accessibility_problems(tabs, path: str) -> None:  # type: ignore[no-untyped-def]
    tab = tabs()
    tab.sign_in("ada", path)
    assert tab.axe() == []
    assert tab.errors == []


def test_conflict_and_error_forms_have_no_serious_accessibility_problems(tabs) -> None:  # type: ignore[no-untyped-def]
    tab = tabs()
    tab.sign_in("ada", "/tracker/actions/1")
    page = tab.page
    page.fill("#text", "Written on a stale page")
    page.eval_on_selector("input[name=version]", "e => e.value = '0'")  # as if opened long ago
    page.get_by_role("button", name="Post update").click()
    page.wait_for_selector("#conflict")
    assert "you had version 0" in page.inner_text("#conflict")
    assert page.input_value("#text") == "Written on a stale page"
    assert tab.axe() == []
    page.fill("#text", "")
    page.get_by_role("button", name="Post update").click()
    page.wait_for_selector("#error-summary")
    assert tab.axe() == []


def test_editor_adds_an_action_and_a_milestone_through_the_forms(tabs) -> None:  # type: ignore[no-untyped-def]
    editor = tabs()
    editor.sign_in("ed", "/tracker/recommendations/1")
    page = editor.page
    page.get_by_role("button", name="Add an action").click()
    page.wait_for_url("**/tracker/recommendations/1/actions/new")
    title = "Health equity training for every board member"
    page.fill("#description", "Two sessions a year.")
    page.get_by_role("button", name="Add the action").click()  # no title: refused
    page.wait_for_selector("#error-summary")
    assert "title: must not be empty" in page.inner_text("#error-summary")
    assert page.input_value("#description") == "Two sessions a year."
    assert editor.axe() == []  # the refused form
    page.get_by_role("link", name="title: must not be empty").click()
    assert page.evaluate("document.activeElement.id") == "title"
    page.fill("#title", title)
    page.fill("#owner_name", "Priya Shah")
    page.get_by_label("NHS West Yorkshire ICB").check()
    page.fill("#start_date", "2026-05-01")
    page.fill("#due_date", "2027-03-31")
    page.select_option("#status", "on track")
    page.get_by_text("1. Give every child the best start in life").click()  # open the principle
    page.get_by_label("Infant mortality rate").check()
    page.get_by_role("button", name="Add the action").click()
    page.wait_for_url("**/tracker/actions/*?saved=added")
    assert "The action was added." in page.inner_text("#saved")
    details = page.inner_text("#details")
    assert "Leeds City Council (Priya Shah)" in details and "NHS West Yorkshire ICB" in details
    assert "On track" in page.inner_text("#status")
    assert page.locator('[data-indicator="infant_mortality"]').count() == 1
    action_url = page.url.split("?")[0]

    page.get_by_role("link", name="Add a milestone").click()
    page.wait_for_url("**/milestones/new")
    page.fill("#title", "Programme agreed by the board")
    page.fill("#due_date", "2026-09-30")
    page.get_by_role("button", name="Add the milestone").click()
    page.wait_for_url("**?saved=milestone-added*")
    assert "The milestone was added." in page.inner_text("#saved")
    assert "Programme agreed by the board" in page.inner_text("#milestones")
    page.get_by_role("link", name="Change milestone Programme agreed by the board").click()
    page.wait_for_url("**/tracker/milestones/*/edit")
    assert page.input_value("#title") == "Programme agreed by the board"
    assert editor.axe() == []
    page.fill("#completed_on", "2026-04-14")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**?saved=milestone-changed*")
    assert "Done" in page.inner_text("#milestones")
    assert page.url.startswith(action_url)
    page.get_by_role("button", name="Edit this action").click()
    page.wait_for_url("**/edit")
    assert page.input_value("#title") == title
    page.fill("#title", "Written on a stale form")
    page.eval_on_selector("input[name=version]", "e => e.value = '0'")  # as if opened long ago
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector("#conflict")
    assert "you had version 0" in page.inner_text("#conflict")
    assert page.input_value("#title") == "Written on a stale form"
    assert title in page.inner_text("#saved-now")
    assert editor.axe() == []  # the conflict
    refused = [e for e in editor.errors if not e.startswith(("422: ", "409: "))]
    assert refused == []

    public = tabs()
    public.page.goto("/tracker/recommendations/1")
    assert title in public.page.inner_text("#actions")
    public.page.goto("/tracker/audit")
    trail = public.page.inner_text("#audit")
    assert title in trail and "Programme agreed by the board" in trail
    assert "completed on" in trail
