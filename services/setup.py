"""Bring a database to a usable state: newest schema and the Art. 9 departments."""

from __future__ import annotations

from models.db import session_scope
from models.migrate import upgrade
from services.directory import seed_departments


def prepare_database(url: str) -> str:
    """Migrate and seed; idempotent. Returns the schema revision."""
    revision = upgrade(url)
    with session_scope(url) as session:
        seed_departments(session)
    return revision
