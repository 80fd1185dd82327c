"""The assessment's pages in the dashboard look (NHS.UK frontend): the list, a form per HEAT
stage, the record with its evidence panel and workflow buttons, the public summary, reviews due,
reporting across decisions, and sign-in. Every form carries the session's CSRF token; a refused
form is shown again with the user's input and the problem named."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from healthequity.accountability import audit, users
from healthequity.accountability.errors import Conflict, NotFound
from healthequity.accountability.models import Action, Recommendation
from healthequity.assessment import evidence as evidence_module
from healthequity.assessment import reporting, serialise, services, workflow
from healthequity.assessment.area_map import area_map, overlay_svg
from healthequity.assessment.geo import ward_choices
from healthequity.assessment.models import Assessment
from healthequity.assessment.page_context import Context, context, live_evidence, shown_evidence
from healthequity.assessment.vocab import (
    DIMENSIONS,
    KINDS,
    POPULATION_GROUPS,
    RATINGS,
    STAGE_KEYS,
    STAGES,
)
from healthequity.auth.errors import AccessError, CsrfError, NotSignedIn, RateLimited
from healthequity.auth.models import Organisation
from healthequity.auth.permissions import Actor, can_edit_for
from healthequity.auth.sessions import CSRF_FIELD, SessionData, cookie_settings, csrf_matches
from healthequity.errors import HealthEquityError, InputError
from healthequity.indicators.principles import PRINCIPLES
from healthequity.web.templating import environment

TEMPLATES = Path(__file__).parent / "templates"
_env = environment()
_env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), _env.loader])  # type: ignore[list-item]
templates = Jinja2Templates(env=_env)


class PageRoute(APIRoute):
    """A form without the session's CSRF token gets the error page (403), not a crash."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except CsrfError as err:
                return error_page(request, 403, str(err), None)

        return route


router = APIRouter(prefix="/assessments", include_in_schema=False, route_class=PageRoute)


# --- plumbing ------------------------------------------------------------------------------


def _session_data(request: Request) -> tuple[SessionData, bool]:
    """The request's session, or a fresh anonymous one (True: set its cookie)."""
    ctx = context(request)
    data = ctx.session_of(request)
    if data is None:
        return ctx.signer.new(), True
    return data, False


def _set_cookie(request: Request, response: Response, data: SessionData) -> None:
    ctx = context(request)
    https = request.url.scheme == "https"
    response.set_cookie(value=ctx.signer.dumps(data), **cookie_settings(https=https))


def render(
    request: Request,
    name: str,
    values: dict[str, Any],
    *,
    status: int = 200,
    actor: Actor | None = None,
) -> HTMLResponse:
    """A page with the session's CSRF token, the signed-in user and the build's provenance."""
    data, fresh = _session_data(request)
    provenance = None
    cache = getattr(request.app.state, "cache", None)
    if cache is not None:
        try:
            provenance = cache.current().provenance
        except HealthEquityError:
            provenance = None
    full = {
        "provenance": provenance,
        "settings": request.app.state.settings,
        "csrf_token": data.csrf,
        "actor": actor,
        "nav": "assessments",
        "today": context(request).today(),
        **values,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status)
    if fresh:
        _set_cookie(request, response, data)
    return response


def error_page(request: Request, status: int, message: str, actor: Actor | None) -> HTMLResponse:
    """The dashboard's error page, with our message."""
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "title": "Error"},
        status=status,
        actor=actor,
    )


@contextmanager
def transaction(request: Request) -> Iterator[tuple[Session, Actor | None, Context]]:
    """One transaction, the signed-in actor and the context."""
    ctx = context(request)
    with ctx.database.session() as session:
        yield session, ctx.actor(session, request), ctx


async def checked_form(request: Request) -> FormData:
    """The posted form, refused unless it carries the session's CSRF token."""
    form = await request.form()
    if not csrf_matches(context(request).session_of(request), str(form.get(CSRF_FIELD) or "")):
        raise CsrfError("the form has expired or did not come from this site: reload the page")
    return form


def _split(text: Any) -> list[str]:
    return [p.strip() for p in str(text or "").replace("\n", ";").split(";") if p.strip()]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _sign_in_redirect(request: Request) -> RedirectResponse:
    return _redirect(f"/assessments/sign-in?next={request.url.path}")


# --- sign-in -------------------------------------------------------------------------------


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/assessments") -> HTMLResponse:
    """The sign-in form."""
    return render(request, "assessment/sign_in.html", {"title": "Sign in", "next": next})


@router.post("/sign-in", response_model=None)
async def sign_in(request: Request) -> Response:
    """Sign in (rate limited); back to where the user was going."""
    form = await checked_form(request)
    ctx = context(request)
    username = str(form.get("username") or "")
    target = str(form.get("next") or "/assessments")
    if not target.startswith("/") or target.startswith("//"):
        target = "/assessments"
    client = request.client.host if request.client else "unknown"
    message = "Wrong username or password"
    user = None
    try:
        with ctx.database.session() as session:
            user = users.authenticate(session, username, str(form.get("password") or ""), client)
            if user is not None:
                fresh = ctx.signer.new(user.id, user.password_hash)
    except RateLimited as err:
        message = str(err)
    if user is None:
        values = {"title": "Sign in", "next": target, "username": username, "error": message}
        return render(request, "assessment/sign_in.html", values, status=401)
    response = _redirect(target)
    _set_cookie(request, response, fresh)
    return response


@router.post("/sign-out", response_model=None)
async def sign_out(request: Request) -> Response:
    """Sign out: a new anonymous session."""
    await checked_form(request)
    response = _redirect("/assessments")
    _set_cookie(request, response, context(request).signer.new())
    return response


# --- the map the area is drawn on -----------------------------------------------------------


@router.get("/area-map/{layer}.svg", response_model=None)
def area_map_layer(request: Request, layer: str) -> Response:
    """A boundary layer (LSOAs) in the form map's frame, fetched when the user shows it."""
    try:
        svg = overlay_svg(layer)
    except InputError as err:
        return error_page(request, 404, err.message, None)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


# --- lists, reviews, report ----------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, status: str = "", organisation: str = "") -> HTMLResponse:
    """Every assessment (the public: published ones), with the reviews that are due."""
    with transaction(request) as (session, actor, ctx):
        try:
            found = services.list_assessments(
                session, actor, status=status or None, organisation=organisation or None
            )
        except InputError as err:
            return error_page(request, 422, err.message, actor)
        due = services.reviews_due(session, ctx.today())
        return render(
            request,
            "assessment/list.html",
            {
                "title": "Equity impact assessments",
                "assessments": found,
                "due": due,
                "status": status,
                "organisation": organisation,
                "organisations": session.scalars(
                    select(Organisation).order_by(Organisation.name)
                ).all(),
            },
            actor=actor,
        )


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request) -> HTMLResponse:
    """Published assessments whose review is due or overdue."""
    with transaction(request) as (session, actor, ctx):
        due = services.reviews_due(session, ctx.today())
        return render(
            request,
            "assessment/reviews.html",
            {"title": "Reviews due", "due": due},
            actor=actor,
        )


@router.get("/report", response_class=HTMLResponse, response_model=None)
def report_page(request: Request, year: str = "") -> Response:
    """Reporting across decisions."""
    with transaction(request) as (session, actor, ctx):
        if actor is None:
            return _sign_in_redirect(request)
        chosen = int(year) if year.isdigit() else None
        data = reporting.summary(session, ctx.today(), year=chosen)
        return render(
            request,
            "assessment/report.html",
            {"title": "Assessments across decisions", "report": data, "year": year},
            actor=actor,
        )


# --- create and edit -----------------------------------------------------------------------


def _form_values(stage: str, form: FormData) -> dict[str, Any]:
    """The assessment fields a stage's form sets."""
    if stage == "prepare":
        geojson = ""
        upload = form.get("area_file")
        if isinstance(upload, UploadFile) and upload.filename:
            geojson = upload.file.read().decode("utf-8", errors="replace")
        geojson = geojson or str(form.get("area_geojson") or "").strip()
        return {
            "title": form.get("title"),
            "kind": form.get("kind"),
            "organisation": form.get("organisation"),
            "owner_name": form.get("owner_name"),
            "description": form.get("description"),
            "principles": form.getlist("principles"),
            "areas": [*form.getlist("wards"), *_split(form.get("other_areas"))],
            "area_geojson": geojson or None,
            "population_groups": [*form.getlist("groups"), *_split(form.get("other_groups"))],
        }
    if stage == "assess":
        return {
            "impacts": {
                d.key: {
                    "rating": form.get(f"impact_{d.key}") or "",
                    "rationale": form.get(f"rationale_{d.key}") or "",
                }
                for d in DIMENSIONS
            }
        }
    if stage == "refine":
        rows = sorted(
            {int(k.rsplit("_", 1)[1]) for k in form if k.startswith("mitigation_action_")}
        )
        return {
            "mitigations": [
                {
                    "action": form.get(f"mitigation_action_{n}") or "",
                    "scaled_by_need": form.get(f"mitigation_scaled_{n}") or "",
                    "owner": form.get(f"mitigation_owner_{n}") or "",
                }
                for n in rows
            ],
            "proportionate_universalism": form.get("proportionate_universalism") or "",
            "recommendations": form.getlist("recommendations"),
            "actions": form.getlist("actions"),
        }
    return {
        "monitoring": [
            {
                "indicator_id": ident,
                "breakdown": form.get(f"breakdown_{ident}") or "",
                "baseline": form.get(f"baseline_{ident}") or "",
            }
            for ident in form.getlist("monitor")
        ],
        "review_date": form.get("review_date") or "",
    }


def _form_context(
    request: Request, session: Session, actor: Actor, a: Assessment | None, stage: str
) -> dict[str, Any]:
    orgs = session.scalars(select(Organisation).order_by(Organisation.name)).all()
    own = [o for o in orgs if can_edit_for(actor, o.id)]
    found, why = (None, None) if a is None else live_evidence(request, a)
    catalogue = []
    if stage == "review":
        from healthequity.accountability.validation import catalogue as load

        catalogue = sorted(((d.id, d.name) for d in load()), key=lambda p: p[1])
    return {
        "assessment": a,
        "record": serialise.to_dict(a) if a is not None else None,
        "stage": stage,
        "stages": STAGES,
        "kinds": KINDS,
        "ratings": RATINGS,
        "dimensions": DIMENSIONS,
        "principles": PRINCIPLES,
        "groups": POPULATION_GROUPS,
        "wards": ward_choices(),
        "area_map": area_map() if stage == "prepare" else None,
        "organisations": own,
        "evidence": found,
        "evidence_note": why,
        "recommendations": session.scalars(
            select(Recommendation).order_by(Recommendation.number)
        ).all(),
        "tracker_actions": session.scalars(select(Action).order_by(Action.id)).all(),
        "catalogue": catalogue,
    }


@router.get("/new", response_class=HTMLResponse, response_model=None)
def new_page(request: Request) -> Response:
    """Start an assessment: the prepare stage."""
    with transaction(request) as (session, actor, _ctx):
        if actor is None:
            return _sign_in_redirect(request)
        values = _form_context(request, session, actor, None, "prepare")
        values.update({"title": "New equity impact assessment", "given": {}})
        return render(request, "assessment/form.html", values, actor=actor)


@router.post("/new", response_model=None)
async def create(request: Request) -> Response:
    """Create the draft, then go on to the assess stage."""
    form = await checked_form(request)
    values = _form_values("prepare", form)
    ctx = context(request)
    try:
        with ctx.database.session() as session:
            actor = ctx.actor(session, request)
            if actor is None:
                return _sign_in_redirect(request)
            a = services.create_assessment(session, actor, values, today=ctx.today())
            ident = a.id
    except (InputError, AccessError) as err:
        with transaction(request) as (session, actor, _ctx):
            if actor is None:
                return _sign_in_redirect(request)
            page = _form_context(request, session, actor, None, "prepare")
            page.update(
                {"title": "New equity impact assessment", "given": dict(form), "error": err}
            )
            page["given_lists"] = _lists(form)
            return render(request, "assessment/form.html", page, status=422, actor=actor)
    return _redirect(f"/assessments/{ident}/edit/assess")


def _lists(form: FormData) -> dict[str, list[str]]:
    return {k: [str(v) for v in form.getlist(k)] for k in form}


@router.get("/{assessment_id}/edit/{stage}", response_class=HTMLResponse, response_model=None)
def edit_page(request: Request, assessment_id: int, stage: str) -> Response:
    """One stage's form for a draft."""
    with transaction(request) as (session, actor, _ctx):
        if actor is None:
            return _sign_in_redirect(request)
        if stage not in STAGE_KEYS:
            return error_page(request, 404, f"no stage {stage!r}", actor)
        try:
            a = services.get_assessment(session, assessment_id, actor)
        except NotFound as err:
            return error_page(request, 404, str(err), actor)
        values = _form_context(request, session, actor, a, stage)
        values.update({"title": f"{a.title}: {dict((s[0], s[1]) for s in STAGES)[stage]}"})
        return render(request, "assessment/form.html", values, actor=actor)


@router.post("/{assessment_id}/edit/{stage}", response_model=None)
async def edit(request: Request, assessment_id: int, stage: str) -> Response:
    """Save a stage, then go on to the next (or the record after the last)."""
    if stage not in STAGE_KEYS:
        return _redirect(f"/assessments/{assessment_id}")
    form = await checked_form(request)
    values = _form_values(stage, form)
    ctx = context(request)
    try:
        with ctx.database.session() as session:
            actor = ctx.actor(session, request)
            if actor is None:
                return _sign_in_redirect(request)
            if stage == "review":
                a = services.get_assessment(session, assessment_id, actor)
                found, _ = live_evidence(request, a)
                for item in values["monitoring"]:
                    if not str(item["baseline"]).strip():
                        item["baseline"] = evidence_module.baseline_text(
                            found, item["indicator_id"]
                        )
            version = int(str(form.get("version") or 0)) or None
            services.update_assessment(
                session, actor, assessment_id, version, values, today=ctx.today()
            )
    except (InputError, AccessError, Conflict, services.NotEditable, NotFound) as err:
        with transaction(request) as (session, actor, _ctx):
            if actor is None:
                return _sign_in_redirect(request)
            try:
                a = services.get_assessment(session, assessment_id, actor)
            except NotFound as missing:
                return error_page(request, 404, str(missing), actor)
            page = _form_context(request, session, actor, a, stage)
            page.update(
                {"title": a.title, "given": dict(form), "given_lists": _lists(form), "error": err}
            )
            return render(request, "assessment/form.html", page, status=422, actor=actor)
    following = STAGE_KEYS.index(stage) + 1
    if following < len(STAGE_KEYS):
        return _redirect(f"/assessments/{assessment_id}/edit/{STAGE_KEYS[following]}")
    return _redirect(f"/assessments/{assessment_id}")


@router.post("/{assessment_id}/evidence", response_model=None)
async def add_evidence(request: Request, assessment_id: int) -> Response:
    """Add the user's own evidence item, back to the assess stage."""
    form = await checked_form(request)
    ctx = context(request)
    values = {k: form.get(k) or "" for k in ("title", "source", "summary", "url")}
    try:
        with ctx.database.session() as session:
            actor = ctx.actor(session, request)
            services.add_evidence_item(session, actor, assessment_id, values)
    except (InputError, AccessError, services.NotEditable, NotFound) as err:
        with transaction(request) as (session, actor, _ctx):
            return error_page(request, 422, str(err), actor)
    return _redirect(f"/assessments/{assessment_id}/edit/assess#evidence")


# --- the record, workflow, public summary ---------------------------------------------------


@router.get("/{assessment_id}", response_class=HTMLResponse, response_model=None)
def view_page(request: Request, assessment_id: int) -> Response:
    """The whole record: stages, evidence, workflow, versions and audit trail."""
    with transaction(request) as (session, actor, ctx):
        try:
            a = services.get_assessment(session, assessment_id, actor)
        except NotFound as err:
            return error_page(request, 404, str(err), actor)
        except NotSignedIn:
            return _sign_in_redirect(request)
        if actor is None:
            return _redirect(f"/assessments/{assessment_id}/summary")
        found, why = shown_evidence(request, a)
        moves = [m for m in workflow.allowed_moves(a) if workflow.can_move(session, actor, a, m)]
        return render(
            request,
            "assessment/view.html",
            {
                "title": a.title,
                "assessment": a,
                "record": serialise.to_dict(a, today=ctx.today()),
                "evidence": found,
                "evidence_note": why,
                "dimensions": DIMENSIONS,
                "principles": PRINCIPLES,
                "moves": moves,
                "problems": workflow.completeness(a, ctx.today()) if a.status == "draft" else [],
                "editable": a.status == "draft" and can_edit_for(actor, a.organisation_id),
                "stages": STAGES,
                "versions": services.versions(session, a.id),
                "trail": audit.entries(session, entity="assessment", entity_id=a.id, limit=100),
            },
            actor=actor,
        )


@router.post("/{assessment_id}/moves/{move}", response_model=None)
async def move(request: Request, assessment_id: int, move: str) -> Response:
    """A workflow move from the record's buttons."""
    form = await checked_form(request)
    ctx = context(request)
    try:
        with ctx.database.session() as session:
            actor = ctx.actor(session, request)
            if actor is None:
                return _sign_in_redirect(request)
            frozen = None
            if move == "submit":
                a = services.get_assessment(session, assessment_id, actor)
                frozen, _ = live_evidence(request, a)
            version = int(str(form.get("version") or 0)) or None
            workflow.transition(
                session,
                actor,
                assessment_id,
                move,
                version,
                today=ctx.today(),
                values={k: form.get(k) for k in ("note", "findings", "review_date") if k in form},
                evidence=frozen,
            )
    except (InputError, AccessError, Conflict, workflow.TransitionRefused, NotFound) as err:
        with transaction(request) as (session, actor, _ctx):
            message = err.message if isinstance(err, InputError) else str(err)
            return error_page(request, 409 if isinstance(err, Conflict) else 422, message, actor)
    return _redirect(f"/assessments/{assessment_id}")


@router.get("/{assessment_id}/summary", response_class=HTMLResponse, response_model=None)
def summary_page(request: Request, assessment_id: int) -> Response:
    """The public summary of a published assessment."""
    with transaction(request) as (session, actor, ctx):
        a = session.get(Assessment, assessment_id)
        if a is None or a.status not in services.PUBLIC:
            return error_page(
                request, 404, f"no published assessment with id {assessment_id}", actor
            )
        return render(
            request,
            "assessment/summary.html",
            {
                "title": a.title,
                "assessment": a,
                "record": serialise.to_dict(a, today=ctx.today()),
                "evidence": serialise.evidence(a),
                "dimensions": DIMENSIONS,
                "principles": PRINCIPLES,
            },
            actor=actor,
        )
