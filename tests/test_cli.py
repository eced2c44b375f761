"""Tests for faelles.cli: the `faelles` commands against a store in tmp_path, and their docs."""

import csv
import fcntl
import io
import json
import logging
import os
import pty
import re
import select
import shutil
import shlex
import stat
import struct
import subprocess
import sys
import termios
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from faelles.cli import main
from faelles.demo_pin import read_demo_pin, save_demo_pin
from kiosk.web import kiosk_command
from shared.clock import utcnow
from shared.contacts import find_contact
from shared.coordinators import list_coordinators, verify_pin
from shared.db import open_db
from shared.demo_data import CONTACTS, DEMO_COORDINATOR, NEEDS
from shared.exports import EXPORT_KINDS
from shared.feedback import record_feedback
from shared.offers import change_offer_status, record_offer

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """Point the CLI at a fresh database and English output; return the path."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("FAELLES_DB", str(path))
    monkeypatch.setenv("FAELLES_LOCALE", "en")
    monkeypatch.delenv("FAELLES_RETENTION_DAYS", raising=False)
    return path


@pytest.fixture
def faelles(store):
    """Run `faelles ARGS` and return the result."""
    runner = CliRunner()

    def run(*args, input=None, ok=True):
        result = runner.invoke(main, list(args), input=input)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def opened(store):
    """Open the store the CLI writes, closing it afterwards."""
    databases = []

    def open_it():
        databases.append(open_db(store))
        return databases[-1]

    yield open_it
    for db in databases:
        db.close()


def test_init_creates_the_database(faelles, store):
    result = faelles("init")
    assert store.exists()
    assert str(store) in result.output
    assert "PIN" not in result.output


def test_init_demo_prints_a_working_pin_once(faelles, opened):
    first = faelles("init", "--demo").output
    pins = re.findall(r"\bPIN (\d{4,8})\b", first)
    assert len(pins) == 1, first
    second = faelles("init", "--demo").output
    assert "PIN" not in second and "already loaded" in second
    db = opened()
    stored = db.execute("SELECT pin_hash FROM coordinators WHERE name = ?",
                        (DEMO_COORDINATOR,)).fetchone()[0]
    assert verify_pin(pins[0], stored)


def test_export_communities_as_json(faelles):
    faelles("init", "--demo")
    communities = json.loads(faelles("export", "communities", "--format", "json").stdout)
    assert len(communities) >= 12
    assert all(c["code"] for c in communities)
    lines = faelles("export", "communities", "--format", "csv").stdout.splitlines()
    assert lines[0].split(",")[0] == "code"
    assert len(lines) == len(communities) + 1


def test_export_offers_as_csv_has_a_header(faelles):
    faelles("init", "--demo")
    as_json = json.loads(faelles("export", "offers").stdout)
    rows = list(csv.DictReader(io.StringIO(faelles("export", "offers", "--format", "csv").stdout)))
    assert {"id", "phone", "category", "description", "status"} <= set(rows[0])
    assert [r["id"] for r in rows] == [str(o["id"]) for o in as_json]


def test_export_csv_of_nothing_still_has_a_header(faelles):
    faelles("init")
    header = faelles("export", "offers", "--format", "csv").stdout.splitlines()[0]
    assert header.split(",")[:2] == ["id", "phone"]


def test_export_needs_and_introductions_as_json(faelles):
    faelles("init", "--demo")
    needs = json.loads(faelles("export", "needs", "--format", "json").stdout)
    assert len(needs) == len(NEEDS)
    assert {(n["phone"], n["when"]) for n in needs} == {(n["phone"], n["when"]) for n in NEEDS}
    header = faelles("export", "introductions", "--format", "csv").stdout.splitlines()[0]
    assert {"need_id", "offer_id", "need_phone", "offer_phone"} <= set(header.split(","))


def test_every_export_kind_is_in_the_readme():
    [line] = [line for line in README.read_text(encoding="utf-8").splitlines()
              if line.startswith("| `faelles export KIND")]
    assert all(re.search(rf"\b{kind}\b", line) for kind in EXPORT_KINDS), line


def test_export_rejects_an_unknown_kind(faelles):
    result = faelles("export", "contacts", ok=False)
    assert result.exit_code == 2
    assert "contacts" in result.output


# Cells a spreadsheet would run: OWASP's starting characters.
FORMULAS = ["=1+1", "+4520112233", "-2+3", "@SUM(A1:A2)", '=HYPERLINK("http://x";"klik")']


@pytest.fixture
def formulas(faelles, opened):
    """A store whose offers and feedback (from a number) all begin like a formula."""
    faelles("init")
    db = opened()
    contact = db.execute("INSERT INTO contacts (phone, first_seen, last_seen)"
                         " VALUES ('+4520112233', 'x', 'x')").lastrowid
    now = utcnow()
    for text in FORMULAS:
        record_offer(db, contact_id=contact, description=text, channel="sms", now=now)
        record_feedback(db, kind="ide", text=text, contact_id=contact, channel="sms", now=now)
    return db


@pytest.mark.parametrize("kind, column", [("offers", "description"), ("feedback", "text")])
def test_export_csv_neutralises_cells_a_spreadsheet_would_run(faelles, formulas, kind, column):
    written = list(csv.DictReader(io.StringIO(faelles("export", kind, "--format",
                                                      "csv").stdout)))
    assert [r[column] for r in written] == ["'" + text for text in FORMULAS]
    assert {r["phone"] for r in written} == {"'+4520112233"}
    assert all(not value.startswith(("=", "+", "-", "@")) for r in written for value in r.values())
    # JSON is data, not a spreadsheet: it stays exact.
    as_json = json.loads(faelles("export", kind).stdout)
    assert [r[column] for r in as_json] == FORMULAS


def test_export_xlsx_to_a_private_file_of_typed_text(faelles, formulas, tmp_path):
    path = tmp_path / "feedback.xlsx"
    result = faelles("export", "feedback", "--format", "xlsx", "--output", str(path))
    assert str(path) in result.stderr and result.stdout == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sheet = load_workbook(path).active
    header, *lines = [list(row) for row in sheet.iter_rows()]
    assert [c.value for c in header][:3] == ["id", "phone", "kind"]
    values = [c for row in lines for c in row if c.value is not None]
    assert values and all(isinstance(c.value, str) and c.data_type == "s" for c in values)
    column = [c.value for c in header].index("text")
    assert [row[column].value for row in lines] == FORMULAS  # texts, not formulas
    assert {row[1].value for row in lines} == {"+4520112233"}


def test_export_xlsx_to_standard_output_as_bytes(faelles, formulas):
    data = faelles("export", "offers", "--format", "xlsx").stdout_bytes
    assert data.startswith(b"PK")
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][:4] == [
        "1", "+4520112233", None, "=1+1"]


def test_export_json_and_csv_can_go_to_a_file_too(faelles, formulas, tmp_path):
    for fmt in ("json", "csv"):
        path = tmp_path / f"offers.{fmt}"
        printed = faelles("export", "offers", "--format", fmt).stdout
        faelles("export", "offers", "--format", fmt, "-o", str(path))
        assert path.read_text(encoding="utf-8") == printed


def test_export_to_a_folder_that_is_not_there_fails_plainly(faelles, tmp_path):
    faelles("init")
    result = faelles("export", "offers", "-o", str(tmp_path / "none" / "x.json"), ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_export_xlsx_is_not_written_to_a_terminal(store):
    open_db(store).close()
    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "FAELLES_DB": str(store), "FAELLES_LOCALE": "en"}
    child = subprocess.run([str(README.parent / ".venv/bin/faelles"), "export", "offers",
                            "--format", "xlsx"], stdout=child_fd, stderr=subprocess.PIPE,
                           env=env, timeout=60)
    os.close(child_fd)
    try:
        on_screen = os.read(main_fd, 65536)
    except OSError:  # EIO: the terminal's other end is closed and nothing was written
        on_screen = b""
    finally:
        os.close(main_fd)
    assert child.returncode == 2
    assert b"--output" in child.stderr and b"PK" not in on_screen


def test_coordinator_add_with_matching_pins(faelles, opened):
    result = faelles("coordinator", "add", "Birthe", input="135791\n135791\n")
    assert "Birthe" in result.output
    [added] = list_coordinators(opened())
    assert (added["name"], added["role"]) == ("Birthe", "coordinator")


@pytest.mark.parametrize("pins", ["135791\n197531\n", "135791\n", "1234\n1234\n", "12\n12\n",
                                  ""])
def test_coordinator_add_refuses_and_creates_none(faelles, opened, pins):
    result = faelles("coordinator", "add", "Birthe", input=pins, ok=False)
    assert result.exit_code == 1
    assert "Error" in result.output
    assert list_coordinators(opened()) == []


def test_coordinator_add_hashes_at_owasps_scrypt_cost(tmp_path):
    # A real process: the tests' own hashes are made cheap.
    store = tmp_path / "owasp.db"
    env = {**os.environ, "FAELLES_DB": str(store)}
    subprocess.run([sys.executable, "-m", "faelles", "coordinator", "add", "Birthe"],
                   input="135791\n135791\n", text=True, env=env, check=True,
                   capture_output=True, cwd=Path(__file__).resolve().parent.parent)
    db = open_db(store)
    try:
        stored = db.execute("SELECT pin_hash FROM coordinators").fetchone()[0]
    finally:
        db.close()
    assert stored.startswith("scrypt$131072$8$1$")


def test_coordinator_add_refuses_a_second_with_the_same_name(faelles, opened):
    faelles("coordinator", "add", "Birthe", "--role", "admin", input="135791\n135791\n")
    result = faelles("coordinator", "add", "Birthe", input="567890\n567890\n", ok=False)
    assert result.exit_code == 1
    assert [c["role"] for c in list_coordinators(opened())] == ["admin"]


def test_erase_with_yes(faelles, opened):
    faelles("init", "--demo")
    phone = CONTACTS[0]["phone"]
    result = faelles("erase", phone, "--yes")
    assert "contacts 1" in result.output
    db = opened()
    assert find_contact(db, phone) is None
    assert find_contact(db, CONTACTS[1]["phone"]) is not None
    assert db.execute("SELECT action FROM audit ORDER BY id DESC").fetchone()[0] == "erase_contact"


def test_erase_asks_first(faelles, opened):
    faelles("init", "--demo")
    phone = CONTACTS[0]["phone"]
    result = faelles("erase", phone, input="n\n", ok=False)
    assert result.exit_code == 1
    assert find_contact(opened(), phone) is not None


def test_erase_an_unknown_number_fails(faelles):
    faelles("init")
    result = faelles("erase", "+4599999999", "--yes", ok=False)
    assert result.exit_code == 1
    assert "Error" in result.output


def test_backup_writes_a_copy(faelles, opened, tmp_path):
    faelles("init", "--demo")
    target = tmp_path / "backups" / "copy.db"
    result = faelles("backup", str(target))
    assert str(target) in result.output
    original, copy = opened(), open_db(target, migrate=False)
    try:
        for table in ("communities", "contacts", "offers", "coordinators"):
            sql = f"SELECT * FROM {table} ORDER BY id"
            assert copy.execute(sql).fetchall() == original.execute(sql).fetchall()
    finally:
        copy.close()


def test_purge_removes_old_finished_records(faelles, opened):
    faelles("init")
    db = opened()
    long_ago = utcnow() - timedelta(days=400)
    old = record_offer(db, description="Gammelt", channel="kiosk", now=long_ago)
    change_offer_status(db, old, "withdrawn", now=long_ago)
    waiting = record_offer(db, description="Venter", channel="kiosk", now=long_ago)
    result = faelles("purge")
    assert "365" in result.output
    assert [r[0] for r in db.execute("SELECT id FROM offers")] == [waiting]


def test_purge_refuses_a_retention_below_one_day(faelles, monkeypatch):
    monkeypatch.setenv("FAELLES_RETENTION_DAYS", "0")
    assert faelles("purge", ok=False).exit_code != 0


# --- the docs: every command has help and is in the README ---------------------------------


def commands(group=main, prefix=("faelles",)):
    """Yield (words, command) for every command and subcommand under group."""
    for name, command in sorted(group.commands.items()):
        words = (*prefix, name)
        yield words, command
        if isinstance(command, click.Group):
            yield from commands(command, words)


COMMANDS = [pytest.param(words, command, id=" ".join(words)) for words, command in commands()]


def test_there_are_commands():
    names = {" ".join(words) for words, _ in commands()}
    assert {"faelles init", "faelles export", "faelles coordinator add", "faelles erase",
            "faelles purge", "faelles backup"} <= names


@pytest.mark.parametrize(("words", "command"), COMMANDS)
def test_every_command_has_help(words, command):
    assert (command.help or "").strip(), " ".join(words)
    result = CliRunner().invoke(main, [*words[1:], "--help"])
    assert result.exit_code == 0
    first_line = command.help.strip().splitlines()[0]
    assert first_line in " ".join(result.output.split())  # click wraps the help


@pytest.mark.parametrize(("words", "command"), COMMANDS)
def test_every_command_is_in_the_readme(words, command):
    assert README.exists(), "README.md is missing"
    mention = re.compile(rf"`{re.escape(' '.join(words))}(?![\w-])")
    assert mention.search(README.read_text(encoding="utf-8"))


# --- what a TUI command does with its logs and the demo PIN ----------------------------------


@pytest.fixture
def fake_kiosk(monkeypatch):
    """Replace the kiosk with one that logs while it "runs"; return the options it was given."""
    import kiosk

    given = []

    def make_kiosk(db_path, **options):
        given.append(options)
        return SimpleNamespace(run=lambda: logging.getLogger("faelles.kiosk").warning("drawing"))

    monkeypatch.setattr(kiosk, "make_kiosk", make_kiosk)
    return given


@pytest.fixture
def fake_services(monkeypatch):
    """Let `faelles demo` start no gateway or worker."""
    from faelles import background

    @contextmanager
    def start_services(*, port, log_dir, transport="console"):
        yield background.Services(f"http://127.0.0.1:{port}", log_dir, [])

    monkeypatch.setattr(background, "start_services", start_services)


def test_kiosk_logs_to_a_file_beside_the_database_not_the_terminal(faelles, store, fake_kiosk):
    faelles("init")
    result = faelles("kiosk", "--location", "Munkebo Bibliotek")
    assert (result.stdout, result.stderr) == ("", "")
    logged = (store.parent / "faelles.log").read_text(encoding="utf-8")
    assert "faelles INFO kiosk at Munkebo Bibliotek" in logged
    assert "faelles.kiosk WARNING drawing" in logged
    assert "demo_pin" not in fake_kiosk[0]


def test_commands_without_a_tui_still_log_to_stderr(faelles, store):
    result = faelles("init")
    assert "faelles INFO database" in result.stderr
    assert not (store.parent / "faelles.log").exists()


def test_the_log_file_is_let_go_when_the_command_ends(faelles, fake_kiosk):
    faelles("kiosk")
    assert not [h for h in logging.getLogger().handlers if hasattr(h, "faelles_previous_level")]


def test_demo_logs_to_a_file_and_gives_the_kiosk_its_new_pin(faelles, store, fake_kiosk,
                                                             fake_services, opened):
    result = faelles("demo", "--port", "5050")
    assert "INFO" not in result.output and result.stderr == ""
    logged = (store.parent / "faelles.log").read_text(encoding="utf-8")
    assert "faelles INFO database" in logged and "drawing" in logged
    pin_file = store.parent / "demo-pin"
    pin = pin_file.read_text().strip()
    assert stat.S_IMODE(pin_file.stat().st_mode) == 0o600
    assert fake_kiosk[0]["demo_pin"] == pin
    assert re.findall(r"\bPIN (\d{6})\b", result.output) == [pin, pin]
    assert "http://127.0.0.1:5050" in result.output
    # The reminder is the last thing printed, after the kiosk has given the terminal back.
    assert pin in result.output.splitlines()[-1]
    stored = opened().execute("SELECT pin_hash FROM coordinators WHERE name = ?",
                              (DEMO_COORDINATOR,)).fetchone()[0]
    assert verify_pin(pin, stored)


def test_demo_again_reads_the_kept_pin(faelles, store, fake_kiosk, fake_services):
    faelles("demo")
    pin = (store.parent / "demo-pin").read_text().strip()
    second = faelles("demo")
    assert "already loaded" in second.output
    assert fake_kiosk[1]["demo_pin"] == pin
    assert pin in second.output.splitlines()[-1]


def test_demo_shows_no_pin_it_cannot_vouch_for(faelles, store, fake_kiosk, fake_services):
    faelles("init", "--demo")  # its PIN was printed once and kept nowhere
    (store.parent / "demo-pin").write_text("123456\n")  # and this one is not it
    result = faelles("demo")
    assert fake_kiosk[0]["demo_pin"] is None
    assert "faelles coordinator add NAME" in result.output.splitlines()[-1]


def test_a_kept_pin_is_private_even_over_an_older_file(tmp_path):
    path = tmp_path / "var" / "demo-pin"
    path.parent.mkdir()
    path.write_text("old\n")
    path.chmod(0o644)
    save_demo_pin(path, "123456")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_demo_pin(path) == "123456"
    assert read_demo_pin(tmp_path / "none") is None


def test_init_demo_keeps_no_pin_file(faelles, store):
    faelles("init", "--demo")
    assert not (store.parent / "demo-pin").exists()


def test_a_browser_kiosk_child_logs_to_the_file_not_its_terminal(store):
    # textual-serve runs this command once per browser, on a terminal it streams to the page.
    open_db(store).close()
    command = shlex.split(kiosk_command("Langeskov Bibliotek"))
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "FAELLES_DB": str(store), "TERM": "xterm-256color",
           "FAELLES_LOCALE": "da"}
    child = subprocess.Popen(command, stdin=child_fd, stdout=child_fd, stderr=child_fd,
                             env=env, cwd=README.parent, start_new_session=True)
    os.close(child_fd)
    log_file, screen = store.parent / "faelles.log", b""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and child.poll() is None:
            ready, _, _ = select.select([main_fd], [], [], 0.1)
            if ready:
                screen += os.read(main_fd, 65536)
            logged = log_file.exists() and "kiosk at" in log_file.read_text()
            if (logged and len(screen) > 2000) or b" INFO " in screen:  # drawn, or spoilt
                break
        assert child.poll() is None, screen.decode(errors="replace")
        assert "kiosk at Langeskov Bibliotek" in log_file.read_text()
        assert b" INFO " not in screen and b"faelles" not in screen
    finally:
        child.kill()
        child.wait()
        os.close(main_fd)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(("args", "port"), [((), "5000"), (("PORT=5050",), "5050")])
def test_make_run_takes_a_port(args, port):
    # --no-print-directory: under `make test` this make is a sub-make, which would
    # otherwise add "Entering/Leaving directory" lines.
    result = subprocess.run(["make", "--no-print-directory", "-n", "run", *args],
                            cwd=README.parent, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith(f"faelles demo --port {port}")


@pytest.mark.parametrize("command", [["kiosk", "--web", "--port", "0"], ["serve", "--port", "0"],
                                     ["worker"], ["kiosk"]])
def test_outside_a_checkout_a_service_will_not_make_an_empty_store(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if k != "FAELLES_DB"}
    result = subprocess.run([sys.executable, "-m", "faelles", *command], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    where = str(tmp_path.resolve() / "var" / "faelles.db")
    assert f"No store at {where}" in result.stderr and "FAELLES_DB" in result.stderr
    assert "faelles init" in result.stderr
    assert not (tmp_path / "var").exists()


def test_init_makes_the_store_there_and_logs_where(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FAELLES_DB"}
    result = subprocess.run([sys.executable, "-m", "faelles", "init"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert str(tmp_path.resolve() / "var" / "faelles.db") in result.stderr
    assert (tmp_path / "var" / "faelles.db").exists()


def test_backup_rewrites_the_erasure_ledger_from_the_store_and_the_file(faelles, opened,
                                                                        store, tmp_path):
    from shared.erasures import ledger_file, read_file

    faelles("init", "--demo")
    faelles("erase", CONTACTS[0]["phone"], "--yes")
    ledger = ledger_file(store)
    [erased], _ = read_file(ledger)
    # An erasure only the file knows (the store was restored since), a line cut short.
    ledger.write_text('{"hash": "aa", "erased_at": "2026-01-01T00:00:00+00:00", '
                      '"key_fingerprint": "bb"}\n{"hash": "cc", "erased')
    result = faelles("backup", str(tmp_path / "copy.db"))
    assert f"Erasures recorded: 2, kept in {ledger}" in result.output
    kept, unreadable = read_file(ledger)
    assert [e.hash for e in kept] == ["aa", erased.hash] and unreadable == 0
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600


def test_restore_with_no_backup_there_fails_plainly(faelles, tmp_path):
    faelles("init")
    result = faelles("restore", str(tmp_path / "none.db"), "--yes", ok=False)
    assert result.exit_code == 2 and "Traceback" not in result.output
