"""Settings: built-in defaults, overridden by `$GAZETTE_HOME/config.yaml`, validated by pydantic.

With no configuration at all the monitor watches the embedded replica site, so
that a fresh checkout runs end to end. Pointing it at a real publisher is a
config change (a source YAML in `$GAZETTE_HOME/sources/` or `source_dirs`),
never a code change.

A wrong value is refused when the file is read, never half-applied: the error
names the file, the key and what would be right (`smtp.timeout: "thirty"` is
not a number of seconds). `enabled_sources` and `source_dirs` take a list; a
single name written without brackets (`enabled_sources: replica`) is read as a
list of that one name, never as the list of its characters.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError, field_validator
from pydantic_core import ErrorDetails

from core import paths
from core.errors import ConfigError

BUILTIN_SOURCES = Path(__file__).parent / "sources"


SMTP_SECURITY = ("none", "starttls", "ssl")
UNSUBSCRIBE_TOKEN_DAYS = 90  # how long an unsubscribe link works: a quarter's digests (notify/tokens.py)
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# What a right value looks like, per key: the second half of every error message.
FIXES = {
    "source_dirs": "a list of folders of source YAMLs, relative to config.yaml, e.g. [sources-extra]",
    "enabled_sources": "a list of source ids, e.g. [replica, ningxia] (see `gazette sources`)",
    "user_agent": "the User-Agent text sent to publishers",
    "smtp": "a mapping with host, port, security, user, password_env, sender, timeout",
    "smtp.host": "the SMTP server's host name",
    "smtp.port": "a port number 1..65535, e.g. 587",
    "smtp.security": "one of none, starttls, ssl",
    "smtp.user": "the login name, or leave it out for no login",
    "smtp.password_env": "the NAME of the environment variable holding the password",
    "smtp.sender": 'the From address, e.g. "宁夏公报监测 <gazette-monitor@example.org>"',
    "smtp.timeout": "a number of seconds, e.g. 30",
    "dashboard_url": "https://host/document?id={document_id} (or the dashboard's base URL)",
    "unsubscribe_url": "the URL of the unsubscribe page (?token= is appended)",
    "unsubscribe_secret_env": "the NAME of the environment variable holding the signing secret",
    "unsubscribe_token_days": "a number of days 1..3650, e.g. 90",
    "digest_hour": "an hour 0..23",
}


def _one_or_many(value: Any) -> Any:
    """`key: name` means a list of that one name (YAML users leave the brackets out)."""
    return [value] if isinstance(value, str) else value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=False)


class SmtpSettings(_Section):
    """Where digests are sent from (the `smtp:` section of config.yaml).

    The password never sits in a file: `password_env` names the environment
    variable that holds it, read only at the moment of logging in.
    """

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    user: str | None = None
    password_env: str = "GAZETTE_SMTP_PASSWORD"
    sender: str = "宁夏公报监测 <gazette-monitor@localhost>"
    timeout: float = Field(default=30.0, gt=0)


class Settings(_Section):
    home: Annotated[Path, Field(strict=False)]
    source_dirs: Annotated[list[Annotated[Path, Strict(False)]], BeforeValidator(_one_or_many)] = Field(
        default_factory=list, strict=False
    )
    # Sources that are enabled; empty means "those whose YAML says enabled: true".
    enabled_sources: Annotated[list[str], BeforeValidator(_one_or_many)] = Field(default_factory=list)
    user_agent: str | None = None
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    # Digest links: "https://host/document?id={document_id}", or the dashboard's base URL.
    dashboard_url: str | None = None
    # Where a List-Unsubscribe link points (the token is appended as ?token=); mailto to the sender if unset.
    unsubscribe_url: str | None = None
    # Environment variable holding the secret that signs unsubscribe tokens (never in a file).
    unsubscribe_secret_env: str = "GAZETTE_UNSUBSCRIBE_SECRET"
    # How long an unsubscribe link keeps working (notify/tokens.py).
    unsubscribe_token_days: int = Field(default=UNSUBSCRIBE_TOKEN_DAYS, ge=1, le=3650)
    # Local hour (subscriber's time zone) from which daily and weekly digests are due.
    digest_hour: int = Field(default=7, ge=0, le=23)

    @field_validator("enabled_sources")
    @classmethod
    def _source_ids(cls, names: list[str]) -> list[str]:
        for name in names:
            if not _SOURCE_ID.match(name):
                raise ValueError("not a source id")
        return names


def _describe(error: ErrorDetails) -> str:
    """One problem of a ValidationError as `key: what is wrong (got X); fix`."""
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    key = ".".join(loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        section = ".".join(loc[:-1])
        known = sorted(set((SmtpSettings if section == "smtp" else Settings).model_fields) - {"home"})
        return f"{key}: unknown setting; known{' in ' + section if section else ''}: {', '.join(known)}"
    message = error["msg"].removeprefix("Value error, ")
    got = f" (got {error['input']!r})" if not isinstance(error.get("input"), dict | list) else ""
    fix = FIXES.get(key)
    return f"{key}: {message}{got}; write {fix}" if fix else f"{key}: {message}{got}"


def load_settings(home: Path | None = None) -> Settings:
    """The settings of `home` ($GAZETTE_HOME): defaults, then its config.yaml; ConfigError if wrong."""
    home = home or paths.gazette_home()
    source_dirs = [BUILTIN_SOURCES]
    if (home / "sources").is_dir():
        source_dirs.append(home / "sources")
    config_file = home / "config.yaml"
    if not config_file.exists():
        return Settings(home=home, source_dirs=source_dirs)
    try:
        data = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{config_file}: cannot read: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{config_file}: expected a mapping of settings (key: value lines)")
    smtp = data.get("smtp")
    if isinstance(smtp, dict) and "password" in smtp:
        raise ConfigError(
            f"{config_file}: smtp.password: no password in files: "
            "name the environment variable that holds it (password_env)"
        )
    if isinstance(smtp, dict):  # `key:` with no value means the default, as before
        data["smtp"] = {key: value for key, value in smtp.items() if value is not None}
    if "home" in data:
        raise ConfigError(f"{config_file}: home: set GAZETTE_HOME in the environment, not in the file")
    try:
        settings = Settings.model_validate({**data, "home": home})
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ConfigError(f"{config_file}: {problems}") from None
    settings.source_dirs = source_dirs + [
        (config_file.parent / extra).resolve() for extra in settings.source_dirs
    ]
    return settings
