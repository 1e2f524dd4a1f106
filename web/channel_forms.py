"""The channel's details on the staff pages: the fields of the intake form and of the complaint
page's forms, read and checked as typed, and the complaint page's panel.

The rules (what each channel requires, who may correct them, the reply to the regulator) are
``services.channels``'; this module reads the form and lays out what is recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from config.settings import Settings
from models.complaint import Complaint
from models.people import User
from policy.channels import FIELDS, fields_of
from policy.enums import Channel
from services.channels import (
    ChannelDetailsInput,
    channel_details_of,
    ensure_may_edit,
    ensure_may_reply,
)
from services.step_errors import StepError
from web.rendering import input_value
from web.validation import FieldError, clean_text, parse_local_datetime
from web.views import channel_details_view

# The fields that take a moment (an <input type=datetime-local>); the others are one line.
MOMENTS = frozenset({"regulator_reply_due", "reception_at"})


def channel_fields() -> list[dict[str, Any]]:
    """Every channel's fields for the templates: name, title, channel, kind, required."""
    return [
        {
            "name": name,
            "label": label,
            "channel": channel.value,
            "moment": name in MOMENTS,
            "required": name in ("transferring_body", "regulator_reply_due", "transferred_by"),
        }
        for name, (label, channel) in FIELDS.items()
    ]


def parse_channel_form(
    form: dict[str, str], channel: Channel, tz: ZoneInfo, errors: dict[str, str]
) -> ChannelDetailsInput:
    """The chosen channel's fields as typed (the others are ignored: they belong to channels
    not chosen); problems collected in ``errors`` beside their fields."""
    values: dict[str, Any] = {}
    for name in fields_of(channel):
        label = FIELDS[name][0]
        try:
            if name in MOMENTS:
                values[name] = parse_local_datetime(
                    form.get(name), field=name, label=label, tz=tz, required=False
                )
            else:
                text = clean_text(
                    form.get(name), field=name, label=label, max_length=200, required=False
                )
                values[name] = text or None
        except FieldError as error:
            errors.setdefault(error.field, error.message)
    return ChannelDetailsInput(**values)


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return input_value(value)
    return str(value)


def channel_panel(
    db: Session,
    complaint: Complaint,
    user: User,
    settings: Settings,
    errors: dict[str, str] | None,
    values: dict[str, str] | None,
) -> dict[str, Any]:
    """The complaint page's panel: the channel's details, the form to correct them and the
    form to record the reply to the regulator, each while this user may (else why not)."""
    details = channel_details_view(db, complaint, user, settings)
    why_not = ""
    try:
        ensure_may_edit(complaint, user)
    except StepError as error:
        why_not = error.message
    row = channel_details_of(db, complaint.id)
    may_reply = False
    if complaint.channel is Channel.regulator_transfer and row is not None and not why_not:
        try:
            ensure_may_reply(complaint, user)
            may_reply = True
        except StepError:
            may_reply = False
    if values is None:
        values = {}
        if row is not None:
            for name in fields_of(complaint.channel):
                if name == "received_by":
                    stored: Any = row.received_by.username if row.received_by else None
                elif name == "sales_manager":
                    stored = row.sales_manager.username if row.sales_manager else None
                else:
                    stored = getattr(row, name)
                values[name] = _value(stored)
    return {
        "channel_info": details,
        "channel_form": not why_not and complaint.channel is not Channel.phone,
        "channel_why_not": why_not,
        "channel_edit_fields": [
            field for field in channel_fields() if field["channel"] == complaint.channel.value
        ],
        "regulator_reply_form": may_reply,
        "channel_errors": errors or {},
        "channel_values": values,
    }
