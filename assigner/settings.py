"""Settings: config/assigner.toml, then a file named by ASSIGNER_CONFIG, then ASSIGNER_* variables."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assigner.broker.command_keys import load_keys
from assigner.domain.errors import InvalidInput
from assigner.domain.legal_clock import NoWorkingTime, due_at
from assigner.domain.model import Channel
from assigner.domain.reports import BY_HAND_BASELINE
from assigner.domain.working_hours import HoursBook, WorkingHours
from assigner.resources import shipped
from assigner.schemas.validation_errors import describe_error


class HoursSettings(BaseModel):
    """One office's working hours as written in the settings."""

    timezone: str = "Asia/Ho_Chi_Minh"
    start: time = time(7, 30)
    end: time = time(17, 0)
    weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    holidays: list[date] = Field(default_factory=list)
    # The working periods of each ISO weekday (e.g. a lunch break), instead of start, end and weekdays.
    periods: dict[int, list[tuple[time, time]]] | None = None
    # The legal clock (Law on Customs 2014, Article 23(2)): working hours to complete a document check
    # (yellow) and a physical inspection (red), from when the office had the complete dossier.
    check_deadline_working_hours: float = Field(2.0, gt=0, le=1000)
    inspection_deadline_working_hours: float = Field(8.0, gt=0, le=1000)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone '{value}'") from error
        return value

    @field_validator("weekdays")
    @classmethod
    def _iso_weekdays(cls, value: list[int]) -> list[int]:
        if any(not 1 <= day <= 7 for day in value):
            raise ValueError("weekdays are ISO weekdays, 1 (Monday) to 7 (Sunday)")
        return value

    @field_validator("periods")
    @classmethod
    def _periods_in_order(cls, value: dict[int, list[tuple[time, time]]] | None) -> Any:
        for day, periods in (value or {}).items():
            if not 1 <= day <= 7:
                raise ValueError(f"periods: {day} is no ISO weekday (1 = Monday to 7 = Sunday)")
            ordered = sorted(periods)
            for start, end in ordered:
                if not start < end:
                    raise ValueError(f"periods of weekday {day}: {start:%H:%M} to {end:%H:%M} ends before it starts")
            for (_, end), (start, _) in zip(ordered, ordered[1:]):
                if start < end:
                    raise ValueError(f"periods of weekday {day} overlap at {start:%H:%M}")
        return value

    @model_validator(mode="after")
    def _some_working_time(self) -> HoursSettings:
        hours = self.to_domain()
        if not hours.works_some_day():
            raise ValueError("working hours with no working time in the week: the legal clock could never run")
        longest = timedelta(hours=max(self.check_deadline_working_hours, self.inspection_deadline_working_hours))
        try:
            due_at(hours, datetime(2026, 1, 1, tzinfo=hours.zone), longest)
        except NoWorkingTime as error:
            raise ValueError(f"the legal clock cannot count {longest} of these working hours: {error}") from error
        return self

    def to_domain(self) -> WorkingHours:
        """The domain value for these hours."""
        periods = None
        if self.periods is not None:  # given, even empty: the periods are the week
            periods = tuple(
                (day, (start, end)) for day, day_periods in sorted(self.periods.items()) for start, end in day_periods
            )
        return WorkingHours(
            self.timezone,
            self.start,
            self.end,
            frozenset(self.weekdays),
            frozenset(self.holidays),
            periods,
            self.check_deadline_working_hours,
            self.inspection_deadline_working_hours,
        )


BROKER_SCHEMES = ("amqp", "amqps", "pyamqp")


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("assigner", appauthor=False))


class Settings(BaseSettings):
    """Everything assigner can be told; see config/assigner.toml for the defaults."""

    model_config = SettingsConfigDict(env_prefix="ASSIGNER_", env_nested_delimiter="__", extra="forbid")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    broker_url: str | None = None
    batch_size: int = Field(500, ge=1, le=10_000)
    # Consumer processes of one `assigner worker`; 0: one per CPU it may run on (one on the embedded broker).
    worker_concurrency: int = Field(0, ge=0, le=256)
    # Declarations forwarded by unit to this many partition queues, one process assigning each (assigner/broker/
    # partitions.py); 0 (the default): every process assigns from assigner.declarations. The same on every host.
    declaration_partitions: int = Field(0, ge=0, le=64)
    batch_wait_ms: int = Field(0, ge=0, le=10_000)
    # A message body larger than this is dead-lettered unread, never stored; a batch closes once it holds
    # batch_max_bytes, so a worker never holds more than that (plus one message) in memory.
    max_message_bytes: int = Field(1_048_576, ge=1024)
    batch_max_bytes: int = Field(16 * 1_048_576, ge=1024)
    # A message whose handling fails this many times (for any reason but the database or the broker being
    # away) is dead-lettered with "failed N times: <error>", so that no defect can hold a queue.
    message_max_failures: int = Field(3, ge=1, le=100)
    # The AMQP users (user_id) allowed to send declarations; empty: anyone who may publish to the queue.
    declaration_senders: list[str] = Field(default_factory=list)
    queue_type: Literal["classic", "quorum"] = "classic"
    # How often (s) each worker looks for open declarations past their legal due time (declaration.overdue).
    overdue_check_seconds: float = Field(15.0, ge=0.1, le=3600)
    # The share of a unit's declarations a supervisor may reassign by hand before the report flags it and the
    # alert fires (the pilot's 15.4 %, Official Letter 9689).
    by_hand_baseline: float = Field(BY_HAND_BASELINE, ge=0, le=1)
    # The console asks a supervisor to confirm an absence that leaves a unit with fewer officers able to take a
    # turn than this (with one or two, every declaration is a foregone conclusion).
    absence_warning_below: int = Field(3, ge=1, le=100)
    broker_heartbeat: int = Field(30, ge=0, le=3600)
    events_queue: str | None = None
    # RabbitMQ's management API (http://user:password@host:15672), for the unacknowledged messages health
    # and metrics count; unset: port 15672 of the broker's host, with the broker's credentials.
    broker_management_url: str | None = None
    # Supervisors' command keys (embedded broker): a TOML file, and/or ASSIGNER_COMMAND_KEYS as JSON.
    command_keys_file: Path | None = None
    command_keys: dict[str, SecretStr] = Field(default_factory=dict)
    command_max_age_hours: float = Field(24, gt=0)
    supervisor: str | None = None  # who `assigner command` issues commands as, when --by is not given
    auto_channels: list[Channel] = Field(default_factory=lambda: [Channel.YELLOW])
    log_format: Literal["auto", "json", "console"] = "auto"
    # The worker serves Prometheus metrics on this port when set (`assigner worker --metrics-port`).
    metrics_port: int | None = Field(None, ge=1, le=65535)
    metrics_address: str = "0.0.0.0"
    # The supervisors' console (`assigner console`).
    console_host: str = "127.0.0.1"
    console_port: int = Field(8080, ge=1, le=65535)
    console_session_minutes: int = Field(480, ge=5, le=7 * 24 * 60)  # from sign-in, whatever is done
    console_idle_minutes: int = Field(30, ge=1, le=7 * 24 * 60)  # without a request of the supervisor's
    console_max_sessions: int = Field(1000, ge=1, le=1_000_000)  # kept in memory; the oldest ends first
    console_secret: SecretStr | None = None  # signs the session cookies; unset: a new one each start
    console_answer_seconds: float = Field(10.0, gt=0, le=120)
    # Cookies are Secure (HTTPS only) unless this is set, for plain HTTP on a loopback address (the demo).
    console_insecure_cookies: bool = False
    working_hours: HoursSettings = Field(default_factory=HoursSettings)
    # Per-office overrides: only the keys given; the rest (holidays too) come from working_hours.
    offices: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = [shipped("config") / "assigner.toml"]
        if os.environ.get("ASSIGNER_CONFIG"):
            extra = Path(os.environ["ASSIGNER_CONFIG"])
            if not extra.is_file():
                raise InvalidInput(f"ASSIGNER_CONFIG: no settings file at {extra}")
            files.append(extra)
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=files))

    @field_validator("broker_url")
    @classmethod
    def _a_broker_url(cls, value: str | None) -> str | None:
        if value and value.partition("://")[0].lower() not in BROKER_SCHEMES:
            raise ValueError(
                f"'{value.partition('://')[0]}://' is not a RabbitMQ URL: give "
                "amqp://user:password@host:5672/vhost, or leave it unset for the embedded broker"
            )
        return value or None

    @field_validator("database_url")
    @classmethod
    def _a_database_url(cls, value: str | None) -> str | None:
        scheme = (value or "").partition("://")[0].lower()
        if scheme in ("postgres", "postgresql+psycopg2", "postgresql+asyncpg"):
            raise ValueError(f"'{scheme}://' is not supported: write postgresql+psycopg:// (psycopg 3)")
        if value and scheme.partition("+")[0] not in ("postgresql", "sqlite"):
            raise ValueError(
                f"'{scheme}://' is not supported: assigner runs on PostgreSQL "
                "(postgresql+psycopg://user@host/db) or SQLite (sqlite:///path/assigner.db)"
            )
        return value or None

    @model_validator(mode="after")
    def _office_hours_are_valid(self) -> Settings:
        for office in self.offices:
            self.office_hours(office)
        return self

    def missing_database(self) -> Path | None:
        """The home's SQLite file when no database URL is given and the file does not exist (a mistyped
        ASSIGNER_HOME, or `assigner db upgrade` never run); None otherwise."""
        if self.database_url:
            return None
        path = self.home / "assigner.db"
        return None if path.exists() else path

    def resolved_database_url(self) -> str:
        """The database to use: ASSIGNER_DATABASE_URL, or an SQLite file in the home folder."""
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'assigner.db'}"

    def hours_book(self) -> HoursBook:
        """Working hours per office, for the after-hours label."""
        by_office = {office: self.office_hours(office).to_domain() for office in self.offices}
        return HoursBook(self.working_hours.to_domain(), by_office)

    def office_hours(self, office: str) -> HoursSettings:
        """An office's working hours: its overrides on top of the default working hours."""
        overrides = self.offices.get(office, {})
        inherited = self.working_hours.model_dump()
        if "periods" not in overrides and {"start", "end", "weekdays"} & set(overrides):
            inherited["periods"] = None  # the office's own week, not the default's periods
        return HoursSettings.model_validate({**inherited, **overrides})

    def supervisor_keys(self) -> dict[str, str]:
        """The supervisors' command keys: the keys file (default ASSIGNER_HOME/command-keys.toml), then
        ASSIGNER_COMMAND_KEYS."""
        file = self.command_keys_file or self.home / "command-keys.toml"
        return load_keys(file, {officer: key.get_secret_value() for officer, key in self.command_keys.items()})

    def default_channels(self) -> frozenset[Channel]:
        """The channels a new unit assigns automatically."""
        return frozenset(self.auto_channels)


def describe_settings_error(error: Exception) -> str:
    """One line saying which setting is wrong and how: a value that is no JSON where JSON is expected, an
    unknown key in a settings file, or a value out of its range."""
    errors = getattr(error, "errors", None)
    if not callable(errors):  # pydantic-settings' SettingsError: an ASSIGNER_* value it could not decode
        found = re.search(r'field "(\w+)"', str(error))
        name = f"ASSIGNER_{found.group(1).upper()}" if found else "a setting"
        return (
            f"{name} is not valid JSON: a list or table setting is written as JSON, "
            'e.g. ASSIGNER_AUTO_CHANNELS=\'["yellow"]\' or ASSIGNER_COMMAND_KEYS=\'{"sup.a": "KEY"}\''
        )
    return describe_error(error, _setting_problem, nowhere="settings")


def _setting_problem(where: str, item: dict[str, Any]) -> str:
    if item["type"] == "extra_forbidden":
        return f"unknown setting '{where}' (a settings file may hold only the keys of config/assigner.toml)"
    return f"{where}: {item['msg'].removeprefix('Value error, ')}"
