"""The whole SMS side as real processes on loopback: gateway, worker and dev phone."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from twilio.rest import Client

from shared import meetings
from shared.clock import utcnow
from shared.communities import create_community
from shared.consent import may_text
from shared.db import immediate, open_db, row, rows
from shared.messages import queue_message
from sms_gateway.dev_phone import FakeTwilioApi, inbound_params, sign_and_post, twiml_messages
from sms_gateway.transports import RedirectingHttpClient

PHONE = "+4520112233"  # not in the demo data
AUTH_TOKEN = "e2e-auth-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def faelles(*args: str) -> list[str]:
    return [sys.executable, "-m", "faelles", *args]


class Screen:
    """Read a process's output lines in a thread so the test can wait for one."""

    def __init__(self, process: subprocess.Popen):
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(process.stdout,), daemon=True).start()

    def _pump(self, stream):
        for line in iter(stream.readline, ""):
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, fragment: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if fragment in line:
                return line
        raise AssertionError(f"{fragment!r} never appeared; saw:\n" + "\n".join(self.seen))


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def system(tmp_path):
    """Start the gateway, the worker (Twilio transport) and the dev phone; stop them after."""
    yield from run_system(tmp_path, "twilio")


@pytest.fixture
def gatewayapi_system(tmp_path):
    """The same with FAELLES_SMS_PROVIDER=gatewayapi: the phone speaks GatewayAPI."""
    yield from run_system(tmp_path, "gatewayapi")


def run_system(tmp_path, provider: str, *, worker: bool = True):
    gateway_port, api_port = free_port(), free_port()
    env = {**os.environ, "FAELLES_DB": str(tmp_path / "e2e.db"), "PYTHONUNBUFFERED": "1",
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "e2e0" * 8,
           "TWILIO_FROM": "+4570000000", "FAELLES_SMS_TRANSPORT": "twilio",
           "FAELLES_PUBLIC_URL": f"http://127.0.0.1:{gateway_port}",
           "FAELLES_TWILIO_API_URL": f"http://127.0.0.1:{api_port}",
           "FAELLES_SEND_RATE": "20", "FAELLES_QUIET_HOURS": "00:00-00:00"}
    webhook = "/sms"
    if provider == "gatewayapi":
        webhook = "/gatewayapi/sms"
        env.update(FAELLES_SMS_PROVIDER="gatewayapi", GATEWAYAPI_TOKEN="e2e-gatewayapi-token",
                   GATEWAYAPI_WEBHOOK_SECRET="e2e-webhook-secret-0123456789abcdef",
                   GATEWAYAPI_SENDER="4570000000",
                   FAELLES_GATEWAYAPI_URL=f"http://127.0.0.1:{api_port}")
        for name in ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_FROM",
                     "FAELLES_TWILIO_API_URL"):
            del env[name]
    subprocess.run(faelles("init", "--demo"), env=env, check=True, capture_output=True)
    processes = []

    def start(*args, **kwargs):
        kwargs.setdefault("env", env)
        process = subprocess.Popen(faelles(*args), text=True, **kwargs)
        processes.append(process)
        return process

    def start_worker(**changes: str) -> tuple[subprocess.Popen, Path]:
        """Start one more worker with these settings changed; return it and its log file."""
        log = tmp_path / f"worker-{len(processes)}.log"
        with log.open("w") as output:
            process = start("worker", env={**env, **changes}, stdout=output,
                            stderr=subprocess.STDOUT)
        return process, log

    try:
        phone = start("phone", PHONE, "--url", f"http://127.0.0.1:{gateway_port}{webhook}",
                      "--api-port", str(api_port), "--provider", provider,
                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        screen = Screen(phone)
        screen.wait_for("Messages API on")
        start("serve", "--port", str(gateway_port), stdout=subprocess.DEVNULL,
              stderr=subprocess.DEVNULL)
        wait_for_port(gateway_port)
        worker = (start("worker", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                  if worker else None)
        yield {"env": env, "phone": phone, "screen": screen, "worker": worker,
               "start_worker": start_worker, "db_path": env["FAELLES_DB"]}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()


def text(system, body: str) -> None:
    system["phone"].stdin.write(body + "\n")
    system["phone"].stdin.flush()


def export(system, kind: str) -> list[dict]:
    result = subprocess.run(faelles("export", kind), env=system["env"], check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout)


def test_a_citizen_offers_joins_and_praises_by_sms(system):
    screen = system["screen"]
    text(system, "TILBYD Jeg kan reparere cykler")
    screen.wait_for("Dit tilbud er gemt")
    text(system, "DELTAG STRIK")
    screen.wait_for("Velkommen til Strikkecafé")
    text(system, "ROS Tak for en god gåtur")
    screen.wait_for("Tak for rosen")

    offers = [o for o in export(system, "offers") if o["phone"] == PHONE]
    assert [(o["description"], o["channel"], o["status"]) for o in offers] == [
        ("Jeg kan reparere cykler", "sms", "pending")]
    members = [(m["code"], m["channel"]) for m in export(system, "members")
               if m["phone"] == PHONE]
    assert members == [("STRIK", "sms")]
    feedback = [(f["kind"], f["text"]) for f in export(system, "feedback")
                if f["phone"] == PHONE]
    assert feedback == [("ros", "Tak for en god gåtur")]


def test_by_gatewayapi_a_citizen_texts_and_replies_come_through_the_outbox(gatewayapi_system):
    screen = gatewayapi_system["screen"]
    text(gatewayapi_system, "TILBYD Jeg kan reparere cykler")
    screen.wait_for("Dit tilbud er gemt")
    text(gatewayapi_system, "SPROG UK")
    screen.wait_for("українською")
    text(gatewayapi_system, "STOP")
    screen.wait_for("START")  # the STOP confirmation still goes, in Ukrainian
    text(gatewayapi_system, "MINE")  # opted out: no answer
    text(gatewayapi_system, "START")
    screen.wait_for("З поверненням")

    offers = [o for o in export(gatewayapi_system, "offers") if o["phone"] == PHONE]
    assert [(o["description"], o["channel"]) for o in offers] == [
        ("Jeg kan reparere cykler", "sms")]
    db = open_db(gatewayapi_system["db_path"])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            replies = rows(db, "SELECT status, provider_id FROM messages WHERE phone = ?"
                               " AND direction = 'out' ORDER BY id", (PHONE,))
            if len(replies) == 4 and all(r["status"] == "delivered" for r in replies):
                break
            time.sleep(0.1)
        # One reply to each text but MINE, each sent once and reported delivered.
        assert [r["status"] for r in replies] == ["delivered"] * 4
        assert all(r["provider_id"].startswith("gwapi-mt-") for r in replies)
        inbound = rows(db, "SELECT provider_id FROM messages WHERE phone = ? AND direction = 'in'",
                       (PHONE,))
        assert len(inbound) == 5 and all(m["provider_id"].startswith("gwapi-mo-")
                                         for m in inbound)
    finally:
        db.close()


def test_by_gatewayapi_a_queued_message_reaches_the_phone_and_is_reported(gatewayapi_system):
    db = open_db(gatewayapi_system["db_path"])
    try:
        message_id = queue_message(db, phone=PHONE, body="Hej fra Fælles: vi ses i aften",
                                   now=utcnow())
        gatewayapi_system["screen"].wait_for("Hej fra Fælles: vi ses i aften")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = row(db, "SELECT status, provider_id FROM messages WHERE id = ?",
                         (message_id,))
            if status["status"] == "delivered":
                break
            time.sleep(0.1)
        assert status["status"] == "delivered"
        assert status["provider_id"].startswith("gwapi-mt-")
    finally:
        db.close()


def test_a_queued_message_reaches_the_phone_and_its_status_comes_back(system):
    db = open_db(system["db_path"])
    try:
        message_id = queue_message(db, phone=PHONE, body="Hej fra Fælles: vi ses i aften",
                                   now=utcnow())
        system["screen"].wait_for("Hej fra Fælles: vi ses i aften")
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            status = row(db, "SELECT status, provider_id FROM messages WHERE id = ?",
                         (message_id,))
            if status["status"] == "delivered":
                break
            time.sleep(0.1)
        assert status["status"] == "delivered"
        assert status["provider_id"].startswith("SM")
    finally:
        db.close()


# -- a coordinator in a real terminal decides on an offer texted by a real phone ---------

def tmux_missing() -> bool:
    import shutil

    return shutil.which("tmux") is None


@pytest.mark.skipif(tmux_missing(), reason="tmux is not installed: apt-get install tmux")
def test_a_coordinator_approves_an_sms_offer_in_a_real_terminal(system, request):
    from terminal import Terminal

    from shared.db import rows
    from shared.i18n import translator
    from shared.replies import Reply, render_reply

    da = translator("da").gettext
    env = system["env"]
    for name in ("Anna", "Bent"):
        subprocess.run(faelles("coordinator", "add", name), env=env, input="123456\n123456\n",
                       check=True, capture_output=True, text=True)
    screen = system["screen"]
    text(system, "OFFER I can fix bikes on Saturdays")
    screen.wait_for("Your offer is saved")
    db = open_db(system["db_path"])
    request.addfinalizer(db.close)  # closed even when the test fails half-way
    offer = row(db, "SELECT o.id FROM offers o JOIN contacts c ON c.id = o.contact_id"
                    " WHERE c.phone = ?", (PHONE,))

    terminal = Terminal()
    try:
        terminal.start(faelles("kiosk", "--coordinator"), (80, 24),
                       env={k: env[k] for k in ("FAELLES_DB", "FAELLES_SMS_TRANSPORT")})
        terminal.wait_for(da("Who are you?"))
        terminal.send("Enter")  # open the name list: both coordinators are in it
        terminal.wait_for(lambda shown: "Anna" in shown and "Bent" in shown)
        terminal.type("Bent")  # typing in an open list jumps to the name
        terminal.send("Enter")
        terminal.wait_for(lambda shown: "Anna" not in shown)
        terminal.type("123456")
        terminal.send("Enter")
        terminal.wait_for(da("Coordinator: {name}").format(name="Bent"))
        # (Columns are fitted to the width, so the text may be cut: look for its start.)
        terminal.wait_for("I can fix")
        # The newest offer is the last row; the details follow the cursor.
        for _ in range(8):
            terminal.send("Down")
        terminal.wait_for(da("Offer no. {id}").format(id=offer["id"]))
        terminal.send("a")
        shown = terminal.wait_for(da("Approve offer no. {id}?").format(id=offer["id"]))
        # The dialog shows the SMS in the citizen's language before anything is sent.
        assert "Good news: your offer no." in shown
        assert row(db, "SELECT count(*) AS n FROM messages WHERE phone = ? AND kind = 'notice'",
                   (PHONE,))["n"] == 0
        terminal.send("Enter")
        approved = render_reply(Reply("offer_approved", {"id": offer["id"]}), "en")
        screen.wait_for(approved[:40])  # the worker sent it; the phone got it
        terminal.send("7")  # the audit log tab
        terminal.wait_for(da("offer approved"))
    finally:
        terminal.stop()
    bent = row(db, "SELECT id FROM coordinators WHERE name = 'Bent'")["id"]
    audit = rows(db, "SELECT * FROM audit WHERE action = 'offer_approve'")
    assert [(a["record_id"], a["coordinator_id"]) for a in audit] == [(offer["id"], bent)]
    [notice] = rows(db, "SELECT * FROM messages WHERE phone = ? AND kind = 'notice'", (PHONE,))
    assert notice["body"] == approved
    db.close()


@pytest.mark.skipif(tmux_missing(), reason="tmux is not installed: apt-get install tmux")
def test_an_arabic_story_reaches_the_inbox_and_is_answered_by_sms(system, request):
    from terminal import Terminal

    from shared.db import rows
    from shared.i18n import translator
    from shared.replies import Reply, render_reply

    da = translator("da").gettext
    env = system["env"]
    subprocess.run(faelles("coordinator", "add", "Anna"), env=env, input="123456\n123456\n",
                   check=True, capture_output=True, text=True)
    screen = system["screen"]
    story = "مرحبا، وصلت إلى كيرتيمينده مع عائلتي. أين يمكن لأطفالي أن يلعبوا كرة القدم؟"
    text(system, story)
    kept = render_reply(Reply("unsorted_kept"), "ar")
    screen.wait_for(kept[:30])  # the first reply is Arabic, and says a person will read it
    db = open_db(system["db_path"])
    request.addfinalizer(db.close)
    [item] = rows(db, "SELECT u.* FROM unsorted u JOIN contacts c ON c.id = u.contact_id"
                      " WHERE c.phone = ?", (PHONE,))
    assert (item["text"], item["language"], item["status"]) == (story, "ar", "new")

    answer = "Ring til Kerteminde Bibliotek på 65 15 15 15."
    terminal = Terminal()
    try:
        terminal.start(faelles("kiosk", "--coordinator"), (80, 24),
                       env={k: env[k] for k in ("FAELLES_DB", "FAELLES_SMS_TRANSPORT")})
        terminal.wait_for(da("Who are you?"))
        terminal.send("Enter")
        terminal.wait_for(lambda shown: "Anna" in shown)
        terminal.type("Anna")  # typing in an open list jumps to the name
        terminal.send("Enter")
        terminal.wait_for(lambda shown: da("Who are you?") not in shown)
        terminal.type("123456")
        terminal.send("Enter")
        terminal.wait_for(da("Coordinator: {name}").format(name="Anna"))
        terminal.send("3")  # the inbox tab
        # Its details show the first text (the columns may be cut to the width).
        terminal.wait_for(da("Unsorted message no. {id}").split("{")[0])
        # Oldest first: the demo's three texts, then this one.
        for _ in range(4):
            terminal.send("Down")
        terminal.wait_for(da("Unsorted message no. {id}").format(id=item["id"]))
        terminal.send("r")
        terminal.wait_for(da("Answer message no. {id}").format(id=item["id"]))
        terminal.type(answer)
        terminal.send("C-s")
        sent = render_reply(Reply("feedback_answer", {"answer": answer}), "ar")
        screen.wait_for(answer)  # the worker sent it; the phone got it
    finally:
        terminal.stop()
    [notice] = rows(db, "SELECT * FROM messages WHERE phone = ? AND kind = 'notice'", (PHONE,))
    assert notice["body"] == sent
    assert rows(db, "SELECT status FROM unsorted WHERE id = ?", (item["id"],)) == [
        {"status": "answered"}]
    db.close()


def test_the_demo_with_the_phone_delivers_what_the_worker_sends(tmp_path):
    store = tmp_path / "demo" / "faelles.db"
    env = {**os.environ, "FAELLES_DB": str(store), "PYTHONUNBUFFERED": "1",
           "FAELLES_QUIET_HOURS": "00:00-00:00", "FAELLES_SEND_RATE": "20"}
    for name in ("TWILIO_AUTH_TOKEN", "FAELLES_SMS_TRANSPORT", "FAELLES_TWILIO_API_URL",
                 "FAELLES_PUBLIC_URL"):
        env.pop(name, None)
    subprocess.run(faelles("init", "--demo"), env=env, check=True, capture_output=True)
    db = open_db(store)
    try:
        queue_message(db, phone=PHONE, body="Godt nyt: dit tilbud er godkendt.", now=utcnow())
    finally:
        db.close()
    demo = subprocess.Popen(
        faelles("demo", "--phone", "--phone-number", PHONE, "--port", str(free_port()),
                "--api-port", str(free_port())),
        env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    try:
        screen = Screen(demo)
        # The worker may deliver before the phone's banner is printed: wait for
        # the delivery, then look back for the banner.
        screen.wait_for("← Godt nyt: dit tilbud er godkendt.", timeout=40)
        assert (store.parent / "demo.pid").read_text().strip() == str(demo.pid)
        demo.stdin.write("HJÆLP\n")
        demo.stdin.flush()
        screen.wait_for("← Fælles - skriv")
        assert any("The dev phone" in line for line in screen.seen)
        demo.stdin.write("/quit\n")
        demo.stdin.flush()
        assert demo.wait(timeout=30) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        demo.stdin.close()
        demo.stdout.close()
    assert not (store.parent / "demo.pid").exists()
    gateway_log = (store.parent / "gateway.log").read_text()
    assert "POST /sms" in gateway_log and "\x1b" not in gateway_log
    db = open_db(store)
    try:
        sent = row(db, "SELECT status FROM messages WHERE body LIKE 'Godt nyt%'")
    finally:
        db.close()
    assert sent["status"] in ("sent", "delivered")


# -- a meeting reminder goes once, however often the worker is killed and started ----------

REMINDED = ("+4520554401", "+4520554402")
OPTED_OUT = "+4520554403"  # a member who texted STOP


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.05)


def text_from(system, phone: str, body: str) -> list[str]:
    """Text the gateway from another number, signed as Twilio signs; return the replies."""
    env = system["env"]
    params = inbound_params(phone, env["TWILIO_FROM"], body, env["TWILIO_ACCOUNT_SID"])
    status, answer = sign_and_post(env["FAELLES_PUBLIC_URL"] + "/sms", params, AUTH_TOKEN)
    assert status == 200, answer
    return twiml_messages(answer)


def kill(worker: subprocess.Popen) -> None:
    """Kill the worker where it stands, as a power cut or the OOM killer would."""
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL


def reminders(db) -> list[dict]:
    return rows(db, "SELECT * FROM messages WHERE kind = 'reminder' ORDER BY phone")


def outbox_settled(db) -> bool:
    """Tell whether the outbox holds nothing a worker has still to send or settle."""
    return row(db, "SELECT count(*) AS n FROM messages WHERE direction = 'out'"
                   " AND status IN ('queued', 'sending', 'uncertain')")["n"] == 0


def received_by_phone(system, phone: str) -> list[str]:
    """Return what the phone's Messages API took for this number, as Twilio lists it."""
    http_client = RedirectingHttpClient(system["env"]["FAELLES_TWILIO_API_URL"])
    try:
        client = Client(system["env"]["TWILIO_ACCOUNT_SID"], AUTH_TOKEN,
                        http_client=http_client)
        return [m.body for m in client.messages.list(to=phone)]
    finally:
        http_client.session.close()


@pytest.fixture
def idle_system(tmp_path):
    """The gateway and the dev phone with no worker: the test starts (and kills) its own."""
    yield from run_system(tmp_path, "twilio", worker=False)


@pytest.fixture
def meeting_soon(idle_system, request):
    """Make a community of three who joined by SMS, one then texting STOP, meeting in two hours.

    Return the open store.
    """
    db = open_db(idle_system["db_path"])
    request.addfinalizer(db.close)
    now = utcnow()
    create_community(db, code="BRIDGE", town="Kerteminde", now=now,
                     texts={"da": {"name": "Bridgeklubben"}})
    for phone in (*REMINDED, OPTED_OUT):
        assert any("Bridgeklubben" in reply for reply in text_from(idle_system, phone,
                                                                  "DELTAG BRIDGE"))
    text_from(idle_system, OPTED_OUT, "STOP")
    assert not may_text(db, OPTED_OUT)
    # Members are reminded at 10:00 Copenhagen time the day before. A meeting two
    # hours from now is on a day that began at most two hours ago, so that 10:00
    # was at least twelve hours ago, and the meeting has not begun: whenever the
    # test runs, the reminder is due at the worker's first chores and stays due
    # for two hours, far longer than the test takes.
    starts_at = now + timedelta(hours=2)
    assert meetings.reminder_time(starts_at) < now
    with immediate(db):
        meetings.set_meeting(db, "BRIDGE", starts_at=starts_at, weekly=False,
                             place="Biblioteket", now=now)
    assert reminders(db) == []  # no worker yet: nothing is queued
    return db


def test_a_worker_killed_and_started_again_reminds_each_member_once(idle_system, meeting_soon):
    db = meeting_soon
    first, _ = idle_system["start_worker"]()
    wait_until(lambda: [(m["phone"], m["status"]) for m in reminders(db)]
               == [(phone, "delivered") for phone in REMINDED],
               "the first worker's reminders delivered")
    kill(first)

    # Queued while no worker runs, so only the next one can send it. A worker's
    # first round does the chores (reminders among them) before it sends
    # anything, and a round whose chores fail sends nothing: once this reaches
    # the phone, the new worker has been through its chores.
    marker = "Fælles: the worker is back"
    queue_message(db, phone=PHONE, body=marker, now=utcnow())
    second, second_log = idle_system["start_worker"]()
    wait_until(lambda: "worker started" in second_log.read_text(), "the second worker started")
    idle_system["screen"].wait_for(marker, timeout=60)
    # Anything the chores queued goes out after the marker: wait for the outbox
    # to empty before counting what reached the phone.
    wait_until(lambda: outbox_settled(db), "the outbox sent everything")

    everyone = (*REMINDED, OPTED_OUT)
    in_outbox = {phone: [m["body"] for m in reminders(db) if m["phone"] == phone]
                 for phone in everyone}
    on_phone = {phone: received_by_phone(idle_system, phone) for phone in everyone}
    assert ([len(in_outbox[p]) for p in everyone], [len(on_phone[p]) for p in everyone]) == (
        [1, 1, 0], [1, 1, 0])
    assert on_phone == in_outbox
    assert second.poll() is None, second_log.read_text()


def test_a_worker_killed_while_the_provider_holds_a_reminder_sends_it_once(idle_system,
                                                                          meeting_soon):
    db = meeting_soon
    env = idle_system["env"]
    # A provider that takes the first message but answers only when the test
    # lets it: the worker is killed inside that call, the reminder in the
    # provider's hands and 'sending' in ours, the other still queued. (Were the
    # test so slow that the worker's call gave up first, the reminder would be
    # 'uncertain' and the other sent: the same doubt, settled the same way.)
    with FakeTwilioApi(env["TWILIO_ACCOUNT_SID"], AUTH_TOKEN, answer_late=1) as provider:
        provider_url = {"FAELLES_TWILIO_API_URL": provider.url}
        first, _ = idle_system["start_worker"](**provider_url)
        wait_until(lambda: len(provider.received) == 1, "the provider took a reminder")
        kill(first)
        [held] = [m for m in reminders(db) if m["phone"] == provider.received[0]["to"]]
        assert held["status"] in ("sending", "uncertain")

        second, second_log = idle_system["start_worker"](**provider_url)
        # Only the new worker can settle the held reminder (the provider sends no
        # status callback for it until the test ends), and it asks the provider
        # about it after its chores in the same round: once settled, the chores
        # have run.
        wait_until(lambda: outbox_settled(db), "the second worker settled and sent the rest",
                   timeout=90)
        assert second.poll() is None, second_log.read_text()

    # One call each reached the provider: the held reminder was found there, not sent again.
    assert (sorted(m["to"] for m in provider.received), [m["phone"] for m in reminders(db)]) == (
        list(REMINDED), list(REMINDED))
    settled = row(db, "SELECT * FROM messages WHERE id = ?", (held["id"],))
    assert (settled["status"], settled["provider_id"], settled["attempts"]) == (
        "sent", provider.received[0]["sid"], 1)
