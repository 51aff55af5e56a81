"""Hooks: a lower layer announces what happened; higher layers register what to do about it.

Infrastructure (the outbox) and domains (consent) never import the packages that react to them. Listeners
are connected explicitly at start-up by `api.wiring.install`, never by import side effects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger()

Listener = Callable[..., Any]


class Hook:
    """A named list of listeners, called in registration order inside the caller's unit of work."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Listener] = []

    def connect(self, listener: Listener) -> Listener:
        """Register `listener` once (connecting it again changes nothing)."""
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def emit(self, *args: Any, **kwargs: Any) -> None:
        """Call every listener; an exception propagates so the caller's transaction rolls back whole."""
        for listener in list(self._listeners):
            listener(*args, **kwargs)
