"""Every writer takes the lock (issue 17, item 9): `gazette digest --send` against a monitor.

Real processes, a real SMTP server (aiosmtpd) that holds the digest in the middle of its DATA
for as long as the test wants: a slow send. A monitor started meanwhile must skip cleanly,
naming the digest as the holder, and the digest must still be delivered, once.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
import sample_loads as samples
from aiosmtpd.controller import Controller

from notify.subscribers import add_subscriber, validate_spec
from warehouse.connect import open_warehouse
from warehouse.load import load_issue

pytestmark = pytest.mark.slow  # a Prefect flow run (ephemeral API) and a held SMTP transaction
GAZETTE = Path(sys.executable).parent / "gazette"


class SlowInbox:
    """Accepts mail, but holds each DATA until `release` is set; `receiving` says one arrived."""

    def __init__(self) -> None:
        self.receiving = threading.Event()
        self.release = threading.Event()
        self.delivered: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.receiving.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        self.delivered.append(envelope.content)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def home(tmp_path: Path) -> tuple[Path, int]:
    """A data directory with changes owed to one subscriber, and an SMTP server configured."""
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    try:
        load_issue(con, *samples.issue_2020_business(), today=date(2024, 2, 20))
        add_subscriber(
            con,
            validate_spec({"email": "wang@example.org", "keywords": ["营商环境"], "frequency": "immediate"}),
            backfill=True,
        )
    finally:
        con.close()
    port = _free_port()
    (tmp_path / "config.yaml").write_text(
        # a long SMTP timeout: the held DATA must outlast the monitor's start-up
        f"smtp: {{host: 127.0.0.1, port: {port}, timeout: 900, sender: monitor@gazette.example.org}}\n",
        encoding="utf-8",
    )
    return tmp_path, port


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GAZETTE_HOME": str(home),
        "GAZETTE_UNSUBSCRIBE_SECRET": "test-secret-not-for-production",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "COLUMNS": "400",
    }


def test_a_monitor_started_during_a_slow_digest_send_skips_cleanly(home: tuple[Path, int]) -> None:
    data, port = home
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    digest = subprocess.Popen(
        [str(GAZETTE), "digest", "--send"],
        env=_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert inbox.receiving.wait(180), "the digest never reached the SMTP server"
        monitor = subprocess.run(
            [str(GAZETTE), "monitor", "--once", "--no-publish", "--no-notify"],
            env=_env(data),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        inbox.release.set()
        out, err = digest.communicate(timeout=60)
        controller.stop()
    assert monitor.returncode == 0, monitor.stdout + monitor.stderr
    said = " ".join(monitor.stdout.split())  # Rich wraps long lines at the terminal's width
    assert said.startswith("skipped:") and "(gazette digest --send, pid" in said
    assert "Traceback" not in monitor.stdout + monitor.stderr
    assert "Conflicting lock" not in monitor.stdout + monitor.stderr
    assert digest.returncode == 0, out + err
    assert "sent" in out and len(inbox.delivered) == 1


def test_a_digest_send_while_a_flow_writes_is_one_line_naming_the_holder(home: tuple[Path, int]) -> None:
    data, _ = home
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from warehouse.lock import writer_lock\n"
            "with writer_lock(Path(sys.argv[1]), holder='monitor run test'):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(data),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = subprocess.run(
            [str(GAZETTE), "digest", "--send"], env=_env(data), capture_output=True, text=True, timeout=60
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    said = " ".join(result.stderr.split())  # Rich wraps long lines at the terminal's width
    assert said.startswith("error: another run is writing") and "(monitor run test, pid" in said
    assert "Traceback" not in result.stderr
