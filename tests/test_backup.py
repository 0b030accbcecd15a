"""Backup and restore (issue 17, item 11), as an operator does it: real `gazette` processes, the
replica site over HTTP, a real SMTP server (aiosmtpd).

A monitor run ingests the site and mails a subscriber; `gazette backup` is taken; the warehouse
is then damaged. Every command says so in one line naming the restore command; `gazette restore`
puts the backup back, and the next monitor run re-creates nothing and sends no email twice.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

pytestmark = pytest.mark.slow  # three monitor runs on the ephemeral Prefect API
GAZETTE = Path(sys.executable).parent / "gazette"
COUNTED = ("documents", "versions", "events", "sightings", "outbox", "digests", "subscribers")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}


def test_restore_then_a_monitor_run_recreates_nothing_and_sends_no_email_twice(
    replica_site, tmp_path: Path
) -> None:
    home, backup_dir = tmp_path / "home", tmp_path / "elsewhere" / "backup-1"
    home.mkdir()
    port = _free_port()
    (home / "config.yaml").write_text(
        f"smtp: {{host: 127.0.0.1, port: {port}, sender: monitor@gazette.example.org}}\n", encoding="utf-8"
    )
    env = {
        **os.environ,
        "GAZETTE_HOME": str(home),
        "GAZETTE_UNSUBSCRIBE_SECRET": "test-secret-not-for-production",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "COLUMNS": "400",
    }

    def gazette(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(GAZETTE), *args], env=env, capture_output=True, text=True, timeout=600, check=False
        )

    monitor = ("monitor", "--once", "--no-publish", "--var", f"REPLICA_URL={replica_site.base_url}")
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        added = gazette(
            "subscribers", "add", "wang@example.org", "-k", "营商环境", "--frequency", "immediate"
        )
        assert added.returncode == 0, added.stderr
        first = gazette(*monitor)
        assert first.returncode == 0, first.stdout + first.stderr
        assert len(inbox.messages) == 1
        warehouse = home / "warehouse.duckdb"
        before = _counts(warehouse)
        assert before["documents"] > 0 and before["digests"] == 1

        made = gazette("backup", str(backup_dir))
        assert made.returncode == 0, made.stderr
        assert "backup written to" in made.stdout and (backup_dir / "manifest.json").exists()

        # the disk damages the warehouse: every command says so in one line, naming the restore
        data = warehouse.read_bytes()
        warehouse.write_bytes(data[:4096] + b"\0" * (len(data) - 4096))
        for args in (monitor, ("digest", "--send"), ("subscribers", "list")):
            damaged = gazette(*args)
            said = " ".join(damaged.stderr.split())
            assert damaged.returncode == 1, args
            assert "is damaged" in said and "gazette restore BACKUP_DIR" in said, (args, damaged.stderr)
            assert "Traceback" not in damaged.stdout + damaged.stderr

        restored = gazette("restore", str(backup_dir))
        assert restored.returncode == 0, restored.stderr
        assert [p.name for p in home.glob("warehouse.duckdb.replaced-*")]  # the damaged file is kept
        assert _counts(warehouse) == before

        again = gazette(*monitor)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "0 ingested" in again.stdout
    finally:
        controller.stop()
    assert _counts(warehouse) == before  # nothing re-created
    assert len(inbox.messages) == 1  # and no email sent twice
