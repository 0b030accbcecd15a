"""One writer at a time: the lock file in $GAZETTE_HOME, held across processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.lock import LOCK_FILE, WriterBusy, writer_lock

_HOLDER = """
import sys, time
from pathlib import Path
from warehouse.lock import writer_lock
with writer_lock(Path(sys.argv[1]), holder="monitor run in another process"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold_in_another_process(home: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(home), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_gets_a_clear_message_naming_the_holder(tmp_path: Path) -> None:
    holder = _hold_in_another_process(tmp_path, 30)
    try:
        with pytest.raises(WriterBusy) as busy, writer_lock(tmp_path):
            pass
        message = str(busy.value)
        assert "monitor run in another process" in message and f"pid {holder.pid}" in message
        assert str(tmp_path / LOCK_FILE) in message
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_that_waits_gets_the_lock_when_the_first_one_ends(tmp_path: Path) -> None:
    holder = _hold_in_another_process(tmp_path, 0.5)
    with writer_lock(tmp_path, wait_seconds=30) as path:
        assert "pid" in path.read_text()
    holder.wait()


def test_a_crashed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    holder = _hold_in_another_process(tmp_path, 30)
    holder.kill()
    holder.wait()
    with writer_lock(tmp_path):
        pass


def test_the_lock_is_released_after_the_block_even_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), writer_lock(tmp_path):
        raise RuntimeError("the run failed")
    with writer_lock(tmp_path, wait_seconds=0) as path:  # no waiting allowed: it must be free
        assert path.exists()
