"""Who is acting and what they may do: viewers read; editors change the actions of their
organisations; admins change everything. Reading needs no sign-in; every change does."""

from __future__ import annotations

from dataclasses import dataclass, field

from healthequity.auth.errors import NotSignedIn, PermissionDenied
from healthequity.auth.models import Role, User


@dataclass(frozen=True)
class Actor:
    """A signed-in user (or the command line) as the services see them."""

    username: str
    display_name: str
    role: Role
    user_id: int | None = None
    organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        """True for admins and the command line."""
        return self.role is Role.ADMIN


#: The command line (``healthequity tracker import``): acts as an admin, audited as "cli".
CLI_ACTOR = Actor(username="cli", display_name="command line", role=Role.ADMIN)


def actor_for(user: User) -> Actor:
    """The actor of a stored user."""
    return Actor(
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        user_id=user.id,
        organisation_ids=frozenset(o.id for o in user.organisations),
    )


def signed_in(actor: Actor | None, what: str) -> Actor:
    """The actor, or NotSignedIn: every change needs a signed-in user."""
    if actor is None:
        raise NotSignedIn(f"sign in to {what}")
    return actor


def require_admin(actor: Actor | None, what: str) -> Actor:
    """Only admins may ``what`` (e.g. 'edit recommendations')."""
    actor = signed_in(actor, what)
    if not actor.is_admin:
        raise PermissionDenied(f"only an admin may {what}; {actor.username} is {actor.role}")
    return actor


def require_editor(actor: Actor | None, what: str) -> Actor:
    """Editors and admins only (the organisation is checked separately)."""
    actor = signed_in(actor, what)
    if actor.role is Role.VIEWER:
        raise PermissionDenied(f"{actor.username} is a viewer and may not {what}")
    return actor


def can_edit_for(actor: Actor | None, organisation_id: int) -> bool:
    """True if ``actor`` may change what ``organisation_id`` owns."""
    if actor is None:
        return False
    if actor.is_admin:
        return True
    return actor.role is Role.EDITOR and organisation_id in actor.organisation_ids


def require_edit_for(
    actor: Actor | None, organisation_id: int, organisation_name: str, what: str
) -> Actor:
    """Editors may only ``what`` for their own organisations (admins for any)."""
    actor = signed_in(actor, what)
    if can_edit_for(actor, organisation_id):
        return actor
    if actor.role is Role.VIEWER:
        raise PermissionDenied(f"{actor.username} is a viewer and may not {what}")
    raise PermissionDenied(
        f"{actor.username} may not {what}: it belongs to {organisation_name}, "
        "which is not one of their organisations"
    )
