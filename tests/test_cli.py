"""Tests for faelles.cli: the `faelles` commands against a store in tmp_path, and their docs."""

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from faelles.cli import main
from shared.clock import utcnow
from shared.contacts import find_contact
from shared.coordinators import list_coordinators, verify_pin
from shared.db import open_db
from shared.demo_data import CONTACTS, DEMO_COORDINATOR
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
    communities = json.loads(faelles("export", "communities", "--format", "json").output)
    assert len(communities) >= 12
    assert all(c["code"] for c in communities)
    lines = faelles("export", "communities", "--format", "csv").output.splitlines()
    assert lines[0].split(",")[0] == "code"
    assert len(lines) == len(communities) + 1


def test_export_offers_as_csv_has_a_header(faelles):
    faelles("init", "--demo")
    as_json = json.loads(faelles("export", "offers").output)
    rows = list(csv.DictReader(io.StringIO(faelles("export", "offers", "--format", "csv").output)))
    assert {"id", "phone", "category", "description", "status"} <= set(rows[0])
    assert [r["id"] for r in rows] == [str(o["id"]) for o in as_json]


def test_export_csv_of_nothing_still_has_a_header(faelles):
    faelles("init")
    header = faelles("export", "offers", "--format", "csv").output.splitlines()[0]
    assert header.split(",")[:2] == ["id", "phone"]


def test_export_rejects_an_unknown_kind(faelles):
    result = faelles("export", "contacts", ok=False)
    assert result.exit_code == 2
    assert "contacts" in result.output


def test_coordinator_add_with_matching_pins(faelles, opened):
    result = faelles("coordinator", "add", "Birthe", input="1234\n1234\n")
    assert "Birthe" in result.output
    [added] = list_coordinators(opened())
    assert (added["name"], added["role"]) == ("Birthe", "coordinator")


@pytest.mark.parametrize("pins", ["1234\n4321\n", "1234\n", "12\n12\n", ""])
def test_coordinator_add_refuses_and_creates_none(faelles, opened, pins):
    result = faelles("coordinator", "add", "Birthe", input=pins, ok=False)
    assert result.exit_code == 1
    assert "Error" in result.output
    assert list_coordinators(opened()) == []


def test_coordinator_add_refuses_a_second_with_the_same_name(faelles, opened):
    faelles("coordinator", "add", "Birthe", "--role", "admin", input="1234\n1234\n")
    result = faelles("coordinator", "add", "Birthe", input="5678\n5678\n", ok=False)
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
