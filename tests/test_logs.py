"""Files the commands write are their owner's only, and the kiosks' log can be rotated."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from faelles.logs import configure_logging, stop_logging

ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def faelles(*args, store: Path):
    # umask 022, as a login shell has it: what systemd's UMask=0077 would hide.
    return subprocess.run([sys.executable, "-m", "faelles", *args], cwd=ROOT, check=True,
                          capture_output=True, text=True, preexec_fn=lambda: os.umask(0o022),
                          env={**os.environ, "FAELLES_DB": str(store)})


def test_init_and_backup_make_files_only_their_owner_can_read(tmp_path):
    store = tmp_path / "new" / "faelles.db"
    faelles("init", "--demo", store=store)
    faelles("backup", str(tmp_path / "copies" / "copy.db"), store=store)
    made = [store, tmp_path / "copies" / "copy.db",
            *[p for p in store.parent.iterdir() if p.name.startswith("faelles.db-")]]
    assert {p.name for p in made} >= {"faelles.db", "copy.db", "faelles.db-writer.lock"}
    assert {p.name: oct(mode(p)) for p in made} == {p.name: "0o600" for p in made}
    assert oct(mode(store.parent)) == oct(mode(tmp_path / "copies")) == "0o700"


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "faelles.log"
    old_umask = os.umask(0o022)
    configure_logging(False, path)
    yield path
    stop_logging()
    os.umask(old_umask)


def test_the_log_is_reopened_by_name_after_it_was_moved_aside(log_file):
    log = logging.getLogger("faelles.test")
    log.info("before the rotation")
    log_file.rename(log_file.with_name("faelles.log.1"))
    log.info("after the rotation")
    assert "before" in log_file.with_name("faelles.log.1").read_text()
    assert "after the rotation" in log_file.read_text()
    assert "before" not in log_file.read_text()
    assert oct(mode(log_file)) == "0o600"


@pytest.mark.skipif(shutil.which("logrotate") is None and not Path("/usr/sbin/logrotate").exists(),
                    reason="logrotate is not installed")
def test_the_logrotate_rule_moves_the_log_aside(log_file, tmp_path):
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    rule = (ROOT / "deploy" / "logrotate" / "faelles").read_text()
    assert "/var/lib/faelles/faelles.log {" in rule
    # The same rule on this test's file, as the user running the test.
    rule = rule.replace("/var/lib/faelles/faelles.log", str(log_file))
    rule = "\n".join(line for line in rule.splitlines()
                     if not line.strip().startswith(("su ", "create ")))
    config = tmp_path / "logrotate.conf"
    config.write_text(rule + "\n")
    logging.getLogger("faelles.test").info("a line to rotate")
    subprocess.run([logrotate, "--force", "--state", str(tmp_path / "state"), str(config)],
                   check=True, capture_output=True, text=True)
    assert "a line to rotate" in log_file.with_name("faelles.log.1").read_text()
    logging.getLogger("faelles.test").info("a line after")
    assert "a line after" in log_file.read_text()
