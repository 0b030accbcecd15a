"""config.yaml is validated when read: a wrong value is one line naming the file, the key and the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings, SmtpSettings, load_settings
from core.errors import ConfigError

GAZETTE = str(Path(sys.executable).with_name("gazette"))


def _load(tmp_path: Path, text: str) -> Settings:
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path)


def test_a_single_source_name_is_a_list_of_that_name_not_of_its_letters(tmp_path: Path) -> None:
    assert _load(tmp_path, "enabled_sources: replica\n").enabled_sources == ["replica"]
    assert _load(tmp_path, "enabled_sources: [replica, ningxia]\n").enabled_sources == ["replica", "ningxia"]
    with pytest.raises(
        ConfigError, match=r"enabled_sources: not a source id \(got 'replica, ningxia'\); write a list"
    ):
        _load(tmp_path, "enabled_sources: replica, ningxia\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'smtp: {timeout: "thirty"}',
            "smtp.timeout: Input should be a valid number (got 'thirty'); write a number of seconds",
        ),
        (
            'smtp: {port: "587"}',
            "smtp.port: Input should be a valid integer (got '587'); write a port number",
        ),
        ("smtp: {port: 70000}", "smtp.port: Input should be less than or equal to 65535"),
        ("smtp: {security: tls}", "smtp.security: Input should be 'none', 'starttls' or 'ssl' (got 'tls')"),
        (
            "digest_hour: 24",
            "digest_hour: Input should be less than or equal to 23 (got 24); write an hour 0..23",
        ),
        (
            "smtp: {hots: smtp.example.org}",
            "smtp.hots: unknown setting; known in smtp: host, password_env, port",
        ),
        ("colour: blue", "colour: unknown setting; known: dashboard_url, digest_hour, enabled_sources"),
        ("unsubscribe_token_days: 0", "unsubscribe_token_days: Input should be greater than or equal to 1"),
    ],
)
def test_a_wrong_value_names_the_file_the_key_and_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, text + "\n")
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'config.yaml'}: ") and expected in message
    assert "\n" not in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, 'digest_hour: -1\nsmtp: {timeout: "thirty"}\n')
    assert "digest_hour:" in str(refused.value) and "smtp.timeout:" in str(refused.value)


def test_values_that_are_right_are_kept_and_source_dirs_are_relative_to_the_file(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "source_dirs: extra-sources\n"
        "smtp: {host: smtp.example.org, port: 587, security: starttls, timeout: 2.5}\n"
        "unsubscribe_token_days: 30\n",
    )
    assert settings.source_dirs[-1] == tmp_path / "extra-sources"
    assert settings.smtp == SmtpSettings(host="smtp.example.org", port=587, security="starttls", timeout=2.5)
    assert settings.unsubscribe_token_days == 30
    assert load_settings(tmp_path / "nowhere").enabled_sources == []  # no file: the defaults


def test_the_command_prints_one_line_and_exits_2_on_a_wrong_config(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text('smtp: {timeout: "thirty"}\n', encoding="utf-8")
    done = subprocess.run(
        [GAZETTE, "info"], env={**os.environ, "GAZETTE_HOME": str(tmp_path)}, capture_output=True, text=True
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'config.yaml'}: smtp.timeout: Input should be a valid number (got 'thirty'); "
        "write a number of seconds, e.g. 30"
    ]


def test_output_to_a_pipe_is_not_wrapped(tmp_path: Path) -> None:
    home = tmp_path / ("a-data-directory-with-a-long-name-" * 3)
    done = subprocess.run(
        [GAZETTE, "info"], env={**os.environ, "GAZETTE_HOME": str(home)}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert f"warehouse (written by flows):    {home / 'warehouse.duckdb'}\n" in done.stdout
