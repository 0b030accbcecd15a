"""Which sources a run polls, bound to their variables, with every configuration problem found."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from core.config import Settings
from core.errors import UserInputError
from extractors.listing import SourceConfig, SourceConfigError, load_source, load_sources


def select_sources(
    settings: Settings, wanted: list[str] | None, variables: dict[str, str] | None
) -> tuple[list[SourceConfig], list[str]]:
    """The sources to poll, bound to `variables` (then the environment), and the config problems found.

    Named sources are polled even when disabled (an operator asked for them);
    otherwise the enabled ones: `enabled_sources` of config.yaml, else the YAMLs' own flag.
    A problem is never silent: the run that meets one reports it and fails.
    """
    problems: list[str] = []
    known: dict[str, SourceConfig] = {}
    for directory in settings.source_dirs:
        try:
            for source in load_sources(directory, variables, on_error=lambda exc: problems.append(str(exc))):
                known[source.id] = source
        except SourceConfigError as exc:
            problems.append(str(exc))
    if settings.user_agent:
        known = {name: with_user_agent(source, settings.user_agent) for name, source in known.items()}
    if wanted:
        names = wanted
    elif settings.enabled_sources:
        names = settings.enabled_sources
    else:
        return [source for source in known.values() if source.enabled], problems
    problems += [f"unknown source {name!r} (known: {sorted(known)})" for name in names if name not in known]
    return [known[name] for name in names if name in known], problems


def with_user_agent(source: SourceConfig, user_agent: str) -> SourceConfig:
    """config.yaml's `user_agent` for a source whose YAML names none of its own (the source's wins)."""
    if (source.raw.get("fetch") or {}).get("user_agent"):
        return source
    return replace(source, fetch=replace(source.fetch, user_agent=user_agent))


def parse_variables(pairs: list[str] | None) -> dict[str, str]:
    """`--var NAME=VALUE` options as the `${NAME}` values of the source configs."""
    variables: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UserInputError(f"--var wants NAME=VALUE, got {pair!r}")
        variables[name] = value
    return variables


def find_source(settings: Settings, name: str, variables: dict[str, str] | None) -> SourceConfig:
    """One source by id (from the configured source folders) or by the path of its YAML file.

    Raises SourceConfigError with the file's own problem when the id's file is invalid.
    """
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        source = load_source(path, variables)
    else:
        chosen, problems = select_sources(settings, [name], variables)
        if not chosen:
            own = [problem for problem in problems if f"{name}.yaml:" in problem or f"{name}.yml:" in problem]
            raise SourceConfigError(own[0] if own else problems[-1])  # else: "unknown source ..."
        source = chosen[0]
    return with_user_agent(source, settings.user_agent) if settings.user_agent else source
