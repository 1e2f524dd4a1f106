"""Column types shared by the tables."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def enum_type(enum: type[StrEnum]) -> Enum:
    """A closed set stored as its string value, checked by the database on both backends."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
