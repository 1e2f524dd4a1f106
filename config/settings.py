"""One settings object for the whole system (environment prefix ``COMPLAINTS_``).

Durations accept ``90s``, ``15m``, ``24h``, ``3d`` or plain seconds, so that tests and
demonstrations can run a 24-hour deadline in seconds (``COMPLAINTS_RECORD_DEADLINE=5s``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from policy.evidence import DEFAULT_TYPES, FILE_TYPES

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> object:
    """Read ``24h``-style durations; anything else is left to pydantic (ISO 8601, seconds)."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return timedelta(seconds=float(match[1]) * _UNIT_SECONDS[match[2]])
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite under data_dir"
    )
    timezone: str = "Asia/Shanghai"

    # Art. 4(1)/(2): the written record is due 24 clock hours after receipt.
    record_deadline: Duration = timedelta(hours=24)
    # Art. 2(1): warn the responsible person when this share of the time has passed.
    deadline_warning_fraction: float = Field(default=0.75, gt=0, lt=1)
    # Art. 4(3): leadership studies a major case within this time.
    leadership_review_deadline: Duration = timedelta(days=3)
    # Art. 7: every other wait has a limit too (policy/wait_clocks.py says who answers for it).
    assignment_deadline: Duration = timedelta(days=1)
    major_decision_deadline: Duration = timedelta(days=1)
    leadership_instruction_deadline: Duration = timedelta(days=2)
    confirmation_deadline: Duration = timedelta(days=5)
    feedback_deadline: Duration = timedelta(days=5)
    reopened_handling_deadline: Duration = timedelta(days=10)
    # Process version 3 (policy/closure.py): the customer's rejection of the result after this
    # many reopened rounds goes to leadership, who decide another round or closure within
    # leadership_decision_deadline; closing as unreachable takes this many failed contact
    # attempts on as many different days.
    reopened_rounds_before_leadership: int = Field(default=2, ge=0, le=20)
    leadership_decision_deadline: Duration = timedelta(days=2)
    unreachable_attempts: int = Field(default=3, ge=1, le=20)
    # Art. 2(4): default promised reply time proposed at intake.
    reply_days: int = Field(default=15, ge=1, le=60)
    reply_working_days: bool = True
    # Art. 2(4), 7: a later reply time, approved by the requester's superior, lies within the
    # default reply time after receipt, or this many days for a case marked complex, and never
    # past reply_max_days after receipt (policy/extensions.py; 60 is also the hard cap).
    extension_max_days: int = Field(default=30, ge=1, le=60)
    reply_max_days: int = Field(default=60, ge=1, le=60)
    major_amount_threshold: Decimal = Decimal("1000000")
    # Art. 2(4): the customer hears of progress at least every this many working days while
    # the complaint is open (a notice, or a contact-due item when they gave no email).
    progress_every_workdays: int = Field(default=5, ge=1, le=60)

    # Art. 2(5), Art. 4: an archived complaint is kept whole this many years after its
    # closure; the daily retention run then removes its personal data (policy/retention.py).
    retention_years: int = Field(default=5, ge=1, le=30)
    retention_cron: str = "30 2 * * *"

    # Evidence attached to a complaint (policy/evidence.py): the largest file accepted, and
    # the kinds accepted, by extension (each also checked by its first bytes; only kinds the
    # system can check may be listed: pdf, png, jpg, jpeg, mp3, m4a, wav, amr, docx, txt).
    evidence_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    evidence_types: str = ",".join(DEFAULT_TYPES)

    # Art. 8 concentration monitoring: when it runs, the windows compared, and when a unit is
    # flagged (Poisson upper tail under monitor_alpha and at least monitor_min_count complaints).
    monitor_cron: str = "0 8 * * *"
    monitor_window_days: int = Field(default=30, ge=1, le=366)
    monitor_baseline_days: int = Field(default=180, ge=1, le=3660)
    monitor_alpha: float = Field(default=0.01, gt=0, lt=1)
    monitor_min_count: int = Field(default=3, ge=1)
    # Working days after the report date by which an alert's owner records its disposition;
    # an alert still without one after that goes to leadership.
    monitor_disposition_days: int = Field(default=5, ge=1, le=60)
    # Connections the counting reads with at once; the database does the counting, so this is
    # how many of its cores one report uses (bench/monitor.py: 2 readers take 55% of 1's time).
    monitor_readers: int = Field(default=2, ge=1, le=8)

    # Signs the sign-in form's CSRF token (before a session exists). Unset, each process draws
    # its own: fine for one web process; with several, or across restarts, set one shared key.
    secret_key: SecretStr | None = None

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_use_tls: bool = False
    smtp_timeout: float = 10.0
    # A notification is tried 1 + mail_retries times, the waits growing from mail_retry_delay.
    mail_retries: int = Field(default=4, ge=0, le=20)
    mail_retry_delay: Duration = timedelta(seconds=30)
    mail_from: str = "complaints@scfae.example"
    # Where the local SMTP sink of `complaints up` listens when no smtp_host is set.
    smtp_sink_port: int = 8025

    # Searches (by reference or phone) one user may make per window: enough for the desk, far
    # too few to guess a number digit by digit (Art. 2(5)).
    search_limit: int = Field(default=30, ge=1)
    search_window: Duration = timedelta(minutes=10)

    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto the web app believes (comma-separated
    # addresses or networks, e.g. "10.0.0.5,192.168.1.0/24"; "" for none). The client address
    # decides sign-in throttling, so a header from anyone else is ignored. Default: a reverse
    # proxy on the same host.
    trusted_proxies: str = "127.0.0.1,::1"
    # Reconciliation re-queues a run left in Pending or Submitting (its worker died while
    # starting it), or still Scheduled this long after its start time, once per such episode.
    # Longer than a flow process takes to start on a busy machine; short enough to matter.
    stuck_run_after: Duration = Field(default=timedelta(minutes=2), ge=timedelta(seconds=1))

    # Art. 7: how often the deadline sweep looks for limits past their warning or due time.
    deadline_sweep_seconds: int = Field(default=60, ge=5, le=3600)
    # Prefect housekeeping (daily, local time): the runs of complaints archived longer ago than
    # prefect_retention_days, and finished runs of the system's scheduled flows older than
    # that, are removed from the Prefect server (never from the app database); the deadline
    # sweep's runs (one a minute) after prefect_sweep_retention_days. `complaints up` sets
    # Prefect's own event retention from prefect_event_retention_days (at most
    # prefect_retention_days): events are most of what Prefect stores per complaint.
    housekeeping_cron: str = "30 3 * * *"
    prefect_retention_days: int = Field(default=90, ge=1, le=3660)
    prefect_sweep_retention_days: int = Field(default=2, ge=1, le=3660)
    prefect_event_retention_days: int = Field(default=7, ge=1, le=3660)

    # Where `complaints up` runs the Prefect server and UI (on 127.0.0.1).
    prefect_port: int = Field(default=4200, ge=1, le=65535)
    # `complaints up` keeps the Prefect server's runs in a PostgreSQL cluster of its own under
    # the data folder when PostgreSQL's server programs are installed ("auto"), else in SQLite
    # ("off": always SQLite). A database the operator configured for Prefect always wins.
    prefect_local_postgres: Literal["auto", "off"] = "auto"
    # Links from the web app to flow runs; default: the UI that `complaints up` starts.
    prefect_ui_url: str = ""

    @model_validator(mode="after")
    def _prefect_ui_on_the_prefect_port(self) -> Settings:
        if not self.prefect_ui_url:
            self.prefect_ui_url = f"http://127.0.0.1:{self.prefect_port}"
        return self

    @field_validator("evidence_types")
    @classmethod
    def _evidence_types_known(cls, value: str) -> str:
        unknown = [item for item in _split(value) if item not in FILE_TYPES]
        if unknown:
            raise ValueError(
                f"evidence_types: {', '.join(unknown)} cannot be checked; "
                f"known kinds: {', '.join(FILE_TYPES)}"
            )
        return value

    @property
    def evidence_type_list(self) -> tuple[str, ...]:
        return tuple(_split(self.evidence_types))

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [item.strip() for item in self.trusted_proxies.split(",") if item.strip()]

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'complaints.db').resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _split(value: str) -> list[str]:
    return [item.strip().lower().removeprefix(".") for item in value.split(",") if item.strip()]


def duration_label(span: timedelta) -> str:
    """A configured time limit in Chinese, as the regulation writes it: ``24小时``, ``3天``,
    ``36小时``, ``1小时30分钟``, ``45分钟``."""
    minutes = round(span.total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    if rest:
        return f"{hours}小时{rest}分钟" if hours else f"{rest}分钟"
    if hours >= 48 and hours % 24 == 0:
        return f"{hours // 24}天"
    return f"{hours}小时"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
