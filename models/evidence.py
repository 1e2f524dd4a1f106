"""Evidence attached to a complaint (证据材料).

An evidence file is stored once under the data folder by its SHA-256
(``services.evidence``); a row says which complaint it belongs to, its name as uploaded, its
size and kind, who uploaded it and when. The same file twice on one complaint is one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime
from models.people import User


class Evidence(Base):
    """One file attached to one complaint."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("complaint_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    uploaded_by: Mapped[User] = relationship()
