"""requirements.lock matches pyproject.toml, and this environment was installed from it.

`make` installs from the lock so that a fresh machine gets the versions CI tested, not
whatever the index serves that day. These checks fail when someone edits a dependency in
pyproject.toml without `make lock`, or leaves a dependency without an upper bound.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)")
_DIRECT = "gazette-monitor (pyproject.toml)"


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"] + project["optional-dependencies"]["dev"]]


def _locked() -> tuple[dict[str, str], set[str]]:
    """Pinned versions by canonical name, and the names the lock says pyproject asked for."""
    pins: dict[str, str] = {}
    direct: set[str] = set()
    current = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = match.group(2)
        elif current and _DIRECT in line:
            direct.add(current)
    return pins, direct


def test_every_declared_dependency_is_locked_at_a_version_it_allows() -> None:
    pins, _ = _locked()
    wrong = [
        f"{req}: locked {pins.get(canonicalize_name(req.name), 'nowhere')}"
        for req in _declared()
        if pins.get(canonicalize_name(req.name)) is None
        or not req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True)
    ]
    assert not wrong, f"requirements.lock is stale, run `make lock`: {wrong}"


def test_the_lock_was_compiled_from_exactly_these_dependencies() -> None:
    _, direct = _locked()
    declared = {canonicalize_name(req.name) for req in _declared()}
    assert direct == declared, (
        f"run `make lock`: only in pyproject {sorted(declared - direct)}, "
        f"only in the lock {sorted(direct - declared)}"
    )


def test_every_dependency_has_an_upper_bound() -> None:
    unbounded = [
        str(req)
        for req in _declared()
        if not any(spec.operator in ("<", "<=", "==", "~=", "===") for spec in req.specifier)
    ]
    assert not unbounded, f"bound these in pyproject.toml: {unbounded}"


def test_this_environment_was_installed_from_the_lock() -> None:
    pins, _ = _locked()
    differ = []
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            differ.append(f"{name}: locked {version}, not installed")
            continue
        if Version(installed) != Version(version):
            differ.append(f"{name}: locked {version}, installed {installed}")
    assert not differ, f"reinstall from the lock (rm .venv/.installed && make): {differ}"
