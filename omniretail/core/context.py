"""Who is acting, from where: set once per request (or job), read by audit and timelines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    label: str = "system"
    ip_address: str | None = None
    user_agent: str = ""
    device: str = ""


SYSTEM = Actor()
_current: ContextVar[Actor] = ContextVar("omniretail_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def actor_from_user(user: Any, **extra: Any) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(**extra)
    return Actor(user_id=user.pk, label=user.get_username(), **extra)


def bind_user(user: Any, device: str = "") -> None:
    """Re-bind the acting user once authentication (e.g. a bearer token) has identified it;
    the request middleware restores the outer value when the request ends."""
    actor = _current.get()
    _current.set(
        Actor(
            user_id=user.pk,
            label=user.get_username(),
            ip_address=actor.ip_address,
            user_agent=actor.user_agent,
            device=device or actor.device,
        )
    )
