"""The app database: the system of record for complaints (SQLAlchemy 2, typed)."""

from models.complaint import (
    Assignment,
    Complaint,
    ComplaintEvent,
    CustomerFeedback,
    LeadershipReview,
    MajorDecision,
    Resolution,
    Verification,
    WrittenRecord,
)
from models.db import Base, get_engine, make_engine, safe_url, session_scope, utcnow
from models.monitoring import MONITORING_INDEXES  # noqa: F401  (Art. 8 indexes)
from models.operations import (
    ConcentrationAlert,
    Deadline,
    Document,
    Notification,
    ReferenceCounter,
)
from models.people import Customer, DepartmentRow, User
from models.web import ApiToken, LoginAttempt, WebSession  # noqa: F401  (staff web app)

__all__ = [
    "Assignment",
    "Base",
    "Complaint",
    "ComplaintEvent",
    "ConcentrationAlert",
    "Customer",
    "CustomerFeedback",
    "Deadline",
    "DepartmentRow",
    "Document",
    "LeadershipReview",
    "MajorDecision",
    "Notification",
    "ReferenceCounter",
    "Resolution",
    "User",
    "Verification",
    "WrittenRecord",
    "get_engine",
    "make_engine",
    "safe_url",
    "session_scope",
    "utcnow",
]
