"""The app database: the system of record for complaints (SQLAlchemy 2, typed).

The web app's tables (``models.web``), the contacts made with customers (``models.contact_log``),
the requests for a later reply time (``models.extensions``), compliance's findings on
breaches (``models.accountability``), the evidence attached to complaints (``models.evidence``), the
monthly reports' archive (``models.reports``), early closures and leadership's decisions after
reopened rounds (``models.closure``), the channels' details (``models.channels``) and the
monitoring indexes (``models.monitoring``) are not imported here: a flow process imports this
package on every resume and needs none of them (~10 ms).
`register_all()` loads them for migrations and schema checks.
"""

from models.complaint import (
    Assignment,
    Complaint,
    ComplaintEvent,
    CustomerFeedback,
    IntakeRequest,
    LeadershipInstruction,
    LeadershipReview,
    MajorDecision,
    Resolution,
    Verification,
    WrittenRecord,
)
from models.db import Base, get_engine, make_engine, safe_url, session_scope, utcnow
from models.operations import (
    AlertFollowUp,
    ConcentrationAlert,
    ConcentrationReport,
    Deadline,
    Document,
    Notification,
    ReferenceCounter,
)
from models.people import Contact, Customer, DepartmentRow, User


def register_all() -> None:
    """Put every table and index of the schema on ``Base.metadata``."""
    import models.accountability
    import models.channels
    import models.closure
    import models.contact_log
    import models.evidence
    import models.extensions
    import models.monitoring
    import models.reports
    import models.web  # noqa: F401


__all__ = [
    "AlertFollowUp",
    "Assignment",
    "Base",
    "Complaint",
    "ComplaintEvent",
    "ConcentrationAlert",
    "ConcentrationReport",
    "Contact",
    "Customer",
    "CustomerFeedback",
    "Deadline",
    "DepartmentRow",
    "Document",
    "IntakeRequest",
    "LeadershipInstruction",
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
    "register_all",
    "safe_url",
    "session_scope",
    "utcnow",
]
