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

from gazette import paths

BUILTIN_SOURCES = Path(__file__).parent / "sources"


class ConfigError(ValueError):
    """The config file is unreadable or names an unknown setting."""


@dataclass
class Settings:
    home: Path
    source_dirs: list[Path] = field(default_factory=list)
    # Sources that are enabled; empty means "those whose YAML says enabled: true".
    enabled_sources: list[str] = field(default_factory=list)
    user_agent: str | None = None


_KNOWN_KEYS = {"source_dirs", "enabled_sources", "user_agent"}


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
    return settings
