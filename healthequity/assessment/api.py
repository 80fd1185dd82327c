"""The assessment JSON API (``/api/assessments``), after the tracker's: reading published
assessments needs no sign-in, everything else does; every change carries the session's CSRF
token (header ``X-CSRF-Token`` or field ``csrf_token``; ``GET /api/assessments/session`` gives
one). Errors have the tracker's one shape ``{"error": {"status", "code", "message", "field"?}}``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session

from healthequity.accountability import users
from healthequity.accountability.api import (
    _to_response,
    csrf_checked_route,
    error_response,
    version_of,
)
from healthequity.assessment import batch, export, reporting, serialise, services, workflow
from healthequity.assessment.page_context import Context, context, shown_evidence
from healthequity.auth.errors import SignInFailed
from healthequity.auth.permissions import Actor, require_admin
from healthequity.auth.sessions import cookie_settings
from healthequity.errors import InputError

PREFIX = "/api/assessments"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def to_error(err: Exception) -> JSONResponse | None:
    """The JSON error for one of our exceptions (None: not ours)."""
    if isinstance(err, services.NotEditable | workflow.TransitionRefused):
        return error_response(409, "not_allowed_now", str(err))
    if isinstance(err, batch.BatchRejected):
        return error_response(422, "rejected", str(err), problems=err.problems)
    return _to_response(err)


AssessmentRoute = csrf_checked_route(
    lambda request: context(request).session_of(request),
    to_error,
    f"{PREFIX}/session",
    uploads=True,
)


router = APIRouter(prefix=PREFIX, tags=["assessments"], route_class=AssessmentRoute)


@contextmanager
def transaction(request: Request) -> Iterator[tuple[Session, Actor | None, Context]]:
    """One transaction, the signed-in actor and the context."""
    ctx = context(request)
    with ctx.database.session() as session:
        yield session, ctx.actor(session, request), ctx


def _payload_of(request: Request) -> dict[str, Any]:
    return dict(getattr(request.state, "payload", {}))


# --- session -------------------------------------------------------------------------------


@router.get("/session")
def get_session(request: Request, response: Response) -> dict[str, Any]:
    """Who is signed in, and the CSRF token to send with every change."""
    ctx = context(request)
    data = ctx.session_of(request)
    with ctx.database.session() as session:
        user = ctx.user(session, request)
        if data is None or (data.user_id is not None and user is None):
            data = ctx.signer.new()
            response.set_cookie(
                value=ctx.signer.dumps(data), **cookie_settings(https=request.url.scheme == "https")
            )
        sponsor = services.sponsor_of(session, ctx.actor(session, request))
        return {
            "signed_in": user is not None,
            "username": user.username if user else None,
            "sponsor": sponsor.job_title if sponsor else None,
            "csrf_token": data.csrf,
        }


@router.post("/session/login")
def login(request: Request, response: Response) -> dict[str, Any]:
    """Sign in with username and password (rate limited per username and per client)."""
    data = _payload_of(request)
    ctx = context(request)
    client = request.client.host if request.client else "unknown"
    with ctx.database.session() as session:
        user = users.authenticate(
            session, str(data.get("username") or ""), str(data.get("password") or ""), client
        )
        if user is not None:
            new = ctx.signer.new(user.id, user.password_hash)
            response.set_cookie(
                value=ctx.signer.dumps(new), **cookie_settings(https=request.url.scheme == "https")
            )
            result = {"username": user.username, "csrf_token": new.csrf}
    if user is None:
        raise SignInFailed("wrong username or password")
    return result


# --- assessments ---------------------------------------------------------------------------


@router.get("")
def list_all(
    request: Request, status: str | None = None, organisation: str | None = None
) -> list[dict[str, Any]]:
    """Assessments, newest first (the public: published ones only)."""
    with transaction(request) as (session, actor, ctx):
        found = services.list_assessments(session, actor, status=status, organisation=organisation)
        return [serialise.to_dict(a, today=ctx.today()) for a in found]


@router.post("", status_code=201)
def create(request: Request) -> dict[str, Any]:
    """Start a draft (editors of its organisation, admins)."""
    data = _payload_of(request)
    with transaction(request) as (session, actor, ctx):
        a = services.create_assessment(session, actor, data, today=ctx.today())
        return serialise.to_dict(a, today=ctx.today())


@router.get("/reviews-due")
def reviews_due(request: Request) -> list[dict[str, Any]]:
    """Published assessments whose review date has come."""
    with transaction(request) as (session, _actor, ctx):
        found = services.reviews_due(session, ctx.today())
        return [serialise.to_dict(a, today=ctx.today()) for a in found]


@router.get("/report")
def report(request: Request, year: int | None = None) -> dict[str, Any]:
    """Counts across decisions: assessed, by organisation and principle, impacts, reviews due."""
    with transaction(request) as (session, actor, ctx):
        services.ensure_reader(actor, "read the assessment report")
        return reporting.summary(session, ctx.today(), year=year)


@router.get("/template.xlsx")
def template() -> FileResponse:
    """The spreadsheet template for a batch of assessments."""
    return FileResponse(batch.TEMPLATE, filename="assessment_template.xlsx")


@router.post("/import", status_code=201)
async def import_batch(request: Request) -> dict[str, Any]:
    """Import a filled-in template (multipart field ``file``): every row, or none."""
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InputError("file: attach the filled-in template (.xlsx)", field="file")
    name = Path(upload.filename or "upload.xlsx").name
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(await upload.read())
        with transaction(request) as (session, actor, ctx):
            made = batch.import_workbook(session, actor, path, today=ctx.today())
            return {"imported": [a.id for a in made]}


@router.get("/sponsors")
def sponsors(request: Request) -> list[dict[str, Any]]:
    """The senior sponsors who may sign assessments off."""
    with transaction(request) as (session, actor, _ctx):
        services.ensure_reader(actor, "list sponsors")
        return [
            {"username": s.user.username, "name": s.user.display_name, "job_title": s.job_title}
            for s in services.list_sponsors(session)
        ]


@router.post("/sponsors", status_code=201)
def add_sponsor(request: Request) -> dict[str, Any]:
    """Name a senior sponsor (admins): username and job_title."""
    data = _payload_of(request)
    with transaction(request) as (session, actor, _ctx):
        require_admin(actor, "name senior sponsors")
        s = services.grant_sponsor(
            session, actor, str(data.get("username") or ""), str(data.get("job_title") or "")
        )
        return {"username": s.user.username, "job_title": s.job_title}


@router.get("/{assessment_id}")
def get_one(request: Request, assessment_id: int) -> dict[str, Any]:
    """One assessment, whole (the public: a published one)."""
    with transaction(request) as (session, actor, ctx):
        a = services.get_assessment(session, assessment_id, actor)
        return serialise.to_dict(a, today=ctx.today())


@router.patch("/{assessment_id}")
def patch(request: Request, assessment_id: int) -> dict[str, Any]:
    """Change a draft; send the ``version`` you read (a stale one gets 409)."""
    data = _payload_of(request)
    with transaction(request) as (session, actor, ctx):
        version = version_of(data)
        a = services.update_assessment(
            session, actor, assessment_id, version, data, today=ctx.today()
        )
        return serialise.to_dict(a, today=ctx.today())


@router.get("/{assessment_id}/evidence")
def evidence(request: Request, assessment_id: int) -> dict[str, Any]:
    """The evidence for the areas affected: frozen at submission, else from the latest build."""
    with transaction(request) as (session, actor, _ctx):
        a = services.get_assessment(session, assessment_id, actor)
        found, why = shown_evidence(request, a)
        return {"evidence": found, "items": serialise.to_dict(a)["evidence_items"], "note": why}


@router.post("/{assessment_id}/evidence", status_code=201)
def add_evidence(request: Request, assessment_id: int) -> dict[str, Any]:
    """Add an evidence item (title, source, summary, url) to a draft."""
    data = _payload_of(request)
    with transaction(request) as (session, actor, _ctx):
        item = services.add_evidence_item(session, actor, assessment_id, data)
        return {"id": item.id, "title": item.title}


@router.post("/{assessment_id}/moves/{move}")
def move(request: Request, assessment_id: int, move: str) -> dict[str, Any]:
    """A workflow move: submit, withdraw, return, sign_off, publish, review, reopen (send
    ``version``; ``note``, ``findings``, ``review_date`` where they apply)."""
    data = _payload_of(request)
    with transaction(request) as (session, actor, ctx):
        version = version_of(data)
        frozen = None
        if move == "submit":
            a = services.get_assessment(session, assessment_id, actor)
            frozen, _ = shown_evidence(request, a)
        a = workflow.transition(
            session,
            actor,
            assessment_id,
            move,
            version,
            today=ctx.today(),
            values=data,
            evidence=frozen,
        )
        return serialise.to_dict(a, today=ctx.today())


@router.get("/{assessment_id}/versions")
def versions(request: Request, assessment_id: int) -> list[dict[str, Any]]:
    """Every kept version, oldest first (signed-in users)."""
    with transaction(request) as (session, actor, _ctx):
        services.ensure_reader(actor, "read an assessment's versions")
        services.get_assessment(session, assessment_id, actor)
        return [
            {
                "number": v.number,
                "at": v.at.isoformat(),
                "actor": v.actor,
                "change": v.change,
                "status": v.status,
                "snapshot": v.snapshot,
            }
            for v in services.versions(session, assessment_id)
        ]


@router.get("/{assessment_id}/export.json")
def export_json(request: Request, assessment_id: int) -> Response:
    """The assessment as a JSON file."""
    with transaction(request) as (session, actor, ctx):
        a = services.get_assessment(session, assessment_id, actor)
        body = export.to_json(a, today=ctx.today())
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="assessment-{assessment_id}.json"'},
    )


@router.get("/{assessment_id}/export.pdf")
def export_pdf(request: Request, assessment_id: int) -> Response:
    """The assessment as a PDF."""
    with transaction(request) as (session, actor, ctx):
        a = services.get_assessment(session, assessment_id, actor)
        found, _ = shown_evidence(request, a)
        body = export.to_pdf(a, today=ctx.today(), evidence=found)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="assessment-{assessment_id}.pdf"'},
    )
