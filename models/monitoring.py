"""The indexes Art. 8 concentration monitoring counts on (``services.monitoring``).

Not imported by ``models`` itself: a flow process imports that package on every resume and needs
none of them; ``models.register_all()`` loads them for migrations and schema checks.
"""

from __future__ import annotations

from sqlalchemy import Index

from models.complaint import Complaint

_complaints = Complaint.__table__

# Each index leads with what a unit is and ends with received_at, so a unit's count in a window
# is one index range; the cells index serves department, category, channel and their pairs.
# Migration 0003 creates them; they are declared here so the models and the schema agree.
MONITORING_INDEXES = (
    Index(
        "ix_complaints_monitor_cells",
        _complaints.c.department_id,
        _complaints.c.category,
        _complaints.c.channel,
        _complaints.c.received_at,
    ),
    Index("ix_complaints_monitor_product", _complaints.c.product, _complaints.c.received_at),
    Index(
        "ix_complaints_monitor_owner",
        _complaints.c.first_inquiry_owner_id,
        _complaints.c.received_at,
    ),
    Index("ix_complaints_monitor_handler", _complaints.c.handler_id, _complaints.c.received_at),
    Index("ix_complaints_monitor_customer", _complaints.c.received_at, _complaints.c.customer_id),
    # Migration 0016: the department, staff member and member institution complained about.
    Index(
        "ix_complaints_monitor_subject_department",
        _complaints.c.subject_department_id,
        _complaints.c.received_at,
    ),
    Index(
        "ix_complaints_monitor_subject_user",
        _complaints.c.subject_user_id,
        _complaints.c.received_at,
    ),
    Index(
        "ix_complaints_monitor_subject_institution",
        _complaints.c.subject_institution,
        _complaints.c.received_at,
    ),
)
