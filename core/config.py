"""Settings: built-in defaults, overridden by `$GAZETTE_HOME/config.yaml`.

With no configuration at all the monitor watches the embedded replica site, so
that a fresh checkout runs end to end. Pointing it at a real publisher is a
config change (a source YAML in `$GAZETTE_HOME/sources/` or `source_dirs`),
never a code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core import paths
from core.errors import ConfigError

BUILTIN_SOURCES = Path(__file__).parent / "sources"


SMTP_SECURITY = ("none", "starttls", "ssl")


@dataclass
class SmtpSettings:
    """Where digests are sent from (the `smtp:` section of config.yaml).

    The password never sits in a file: `password_env` names the environment
    variable that holds it, read only at the moment of logging in.
    """

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    user: str | None = None
    password_env: str = "GAZETTE_SMTP_PASSWORD"
    sender: str = "宁夏公报监测 <gazette-monitor@localhost>"
    timeout: float = 30.0


@dataclass
class Settings:
    home: Path
    source_dirs: list[Path] = field(default_factory=list)
    # Sources that are enabled; empty means "those whose YAML says enabled: true".
    enabled_sources: list[str] = field(default_factory=list)
    user_agent: str | None = None
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    # Digest links: "https://host/dashboard/documents/{document_id}" (or a base URL, then ?document=).
    dashboard_url: str | None = None
    # Where a List-Unsubscribe link points (the token is appended as ?token=); mailto to the sender if unset.
    unsubscribe_url: str | None = None
    # Environment variable holding the secret that signs unsubscribe tokens (never in a file).
    unsubscribe_secret_env: str = "GAZETTE_UNSUBSCRIBE_SECRET"
    # Local hour (subscriber's time zone) from which daily and weekly digests are due.
    digest_hour: int = 7


_KNOWN_KEYS = {
    "source_dirs",
    "enabled_sources",
    "user_agent",
    "smtp",
    "dashboard_url",
    "unsubscribe_url",
    "unsubscribe_secret_env",
    "digest_hour",
}
_SMTP_KEYS = {"host", "port", "security", "user", "password_env", "sender", "timeout"}


def load_settings(home: Path | None = None) -> Settings:
    home = home or paths.gazette_home()
    settings = Settings(home=home, source_dirs=[BUILTIN_SOURCES])
    user_sources = home / "sources"
    if user_sources.is_dir():
        settings.source_dirs.append(user_sources)
    config_file = home / "config.yaml"
    if not config_file.exists():
        return settings
    try:
        data = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{config_file}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{config_file}: expected a mapping of settings")
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"{config_file}: unknown setting(s) {sorted(unknown)}; known: {sorted(_KNOWN_KEYS)}"
        )
    for extra in data.get("source_dirs", []):
        settings.source_dirs.append((config_file.parent / extra).resolve())
    settings.enabled_sources = list(data.get("enabled_sources", []))
    settings.user_agent = data.get("user_agent")
    settings.smtp = _smtp_settings(data.get("smtp") or {}, config_file)
    for key in ("dashboard_url", "unsubscribe_url", "unsubscribe_secret_env"):
        if data.get(key) is not None:
            setattr(settings, key, str(data[key]))
    if "digest_hour" in data:
        hour = data["digest_hour"]
        if not isinstance(hour, int) or not 0 <= hour <= 23:
            raise ConfigError(f"{config_file}: digest_hour must be an hour 0..23, not {hour!r}")
        settings.digest_hour = hour
    return settings


def _smtp_settings(section: object, config_file: Path) -> SmtpSettings:
    if not isinstance(section, dict):
        raise ConfigError(f"{config_file}: smtp must be a mapping of {sorted(_SMTP_KEYS)}")
    if "password" in section:
        raise ConfigError(
            f"{config_file}: no password in files: name the environment variable that holds it (password_env)"
        )
    unknown = set(section) - _SMTP_KEYS
    if unknown:
        raise ConfigError(
            f"{config_file}: unknown smtp setting(s) {sorted(unknown)}; known: {sorted(_SMTP_KEYS)}"
        )
    smtp = SmtpSettings(**{k: v for k, v in section.items() if v is not None})
    if smtp.security not in SMTP_SECURITY:
        raise ConfigError(
            f"{config_file}: smtp.security must be one of {SMTP_SECURITY}, not {smtp.security!r}"
        )
    if not isinstance(smtp.port, int) or not 0 < smtp.port < 65536:
        raise ConfigError(f"{config_file}: smtp.port must be a port number, not {smtp.port!r}")
    return smtp
