"""The refusals of the services that act on a complaint, each with a Chinese sentence for staff
and the HTTP status every door answers with. ``services.steps`` raises them for the human
steps, ``services.contacts`` for the contacts with the customer.
"""

from __future__ import annotations


class StepError(Exception):
    """Base of the refusals below; ``message`` is a Chinese sentence for staff."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StepConflict(StepError):
    status_code = 409


class StepForbidden(StepError):
    status_code = 403


class StepInputError(StepError):
    status_code = 422


class StepNotFound(StepError):
    """The record acted on (a request for a later reply time, say) does not exist."""

    status_code = 404
