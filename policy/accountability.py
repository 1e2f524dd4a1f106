"""Art. 7 超时限处理并追究相关责任人的责任: what compliance finds on a recorded breach.

A breach of a time limit stays on record against the person who answered for it after the
step is done; compliance, and only compliance, records one finding on each: the reason given
is accepted, a warning, or a referral for accountability (追责). A finding is final: a second
one on the same breach is refused rather than silently replacing the first.
"""

from __future__ import annotations

from enum import StrEnum

from policy.enums import Role


class Finding(StrEnum):
    """Compliance's finding on one breach (Art. 7)."""

    accepted_reason = "accepted_reason"
    warning = "warning"
    referral = "referral"

    @property
    def label(self) -> str:
        return {
            "accepted_reason": "理由成立，不予追责",
            "warning": "警示提醒",
            "referral": "移交追责",
        }[self.value]


# The longest note kept with a finding.
MAX_FINDING_NOTE = 2000

# Art. 7: compliance supervises the time limits and records the findings.
ROLES_RECORDING_FINDINGS = frozenset({Role.compliance})
# Who may read the register: oversight, and managers for their own department's people.
ROLES_READING_REGISTER = frozenset({Role.compliance, Role.leadership, Role.admin, Role.manager})


def may_record_finding(role: Role) -> bool:
    """Art. 7: only compliance records a finding on a breach."""
    return role in ROLES_RECORDING_FINDINGS


def reads_whole_register(role: Role) -> bool:
    """Compliance, leadership and admin read every department's breaches; a manager only
    their own department's."""
    return role in ROLES_READING_REGISTER and role is not Role.manager
