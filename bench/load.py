"""Load everything at once and check that nothing is lost or sent twice.

Real processes on loopback, as in production: the gateway under
`gunicorn -w 2`, the outbox worker sending through the real twilio client to a
fake Twilio API (which sends status callbacks back), two kiosk writers, a
process queueing notices, and backups and exports running beside them. Senders
post signed inbound SMS (some replayed, as Twilio retries) for a bounded time.

Then it reports inbound handled, replies, the outbox's final states, lock
errors, p50/p99 latency, and checks: every inbound MessageSid stored once,
every outbound message handed to the provider at most once (exactly once for
those that count as sent), nothing left queued or sending.

    .venv/bin/python bench/load.py [--seconds 20] [--senders 8]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sms_gateway.dev_phone import FakeTwilioApi, new_message_sid  # noqa: E402
from shared.db import open_db, rows  # noqa: E402

BIN = Path(sys.executable).parent
AUTH_TOKEN = "load-auth-token"
ACCOUNT_SID = "AC" + "10ad" * 8
TEXTS = ("HJÆLP", "TILBYD Jeg kan hjælpe med indkøb om tirsdagen", "ROS Tak for en god dag",
         "FÆLLESSKABER", "IDE En bænk ved havnen", "DELTAG STRIK", "MINE")
REPLAY_SHARE = 0.05  # Twilio retries a webhook that timed out: the same MessageSid again

KIOSK_WRITER = """
import sys, time
from shared.clock import utcnow
from shared.db import OperationalError, open_db
from shared.services.kiosk import submit_feedback, submit_offer
db_path, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
db = open_db(db_path, migrate=False)
done = errors = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        if done % 2:
            submit_feedback(db, kind="ros", text=f"{name} ros {done}", rating=5, town=None,
                            phone=None, language="da", location=name, now=utcnow())
        else:
            submit_offer(db, description=f"{name} tilbud {done}", category="time", town=None,
                         phone=None, language="da", location=name, now=utcnow())
        done += 1
    except OperationalError:
        errors += 1
    time.sleep(0.01)  # a busy kiosk, not a tight loop
print(done, errors)
"""

NOTICE_WRITER = """
import sys, time
from shared.clock import utcnow
from shared.db import OperationalError, open_db
from shared.messages import queue_message
db_path, seconds = sys.argv[1], float(sys.argv[2])
db = open_db(db_path, migrate=False)
done = errors = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        queue_message(db, phone=f"+452099{done % 10000:04d}", body=f"load notice {done}",
                      now=utcnow(), kind="notice")
        done += 1
    except OperationalError:
        errors += 1
    time.sleep(0.02)
print(done, errors)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the gateway exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the gateway did not answer /healthz")


class Sender(threading.Thread):
    """Post signed inbound SMS until told to stop; keep latencies and statuses."""

    def __init__(self, port: int, url: str, number: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.url, self.stop_event = port, url, stop
        self.phone = f"+452012{number:04d}"
        self.validator = RequestValidator(AUTH_TOKEN)
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.sids: list[str] = []
        self.accepted: set[str] = set()  # answered 200: Twilio will not send them again
        self.replies = 0
        self.random = random.Random(number)

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop_event.is_set():
            if self.sids and self.random.random() < REPLAY_SHARE:
                sid = self.random.choice(self.sids)
            else:
                sid = new_message_sid()
                self.sids.append(sid)
            params = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": self.phone,
                      "To": "+4570000000", "Body": self.random.choice(TEXTS), "NumMedia": "0"}
            body = urllib.parse.urlencode(params)
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Twilio-Signature": self.validator.compute_signature(self.url, params)}
            started = time.perf_counter()
            try:
                connection.request("POST", "/sms", body, headers)
                response = connection.getresponse()
                text = response.read()
            except (OSError, http.client.HTTPException):
                self.statuses["connection error"] += 1
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.latencies.append(time.perf_counter() - started)
            self.statuses[response.status] += 1
            if response.status == 200:
                self.accepted.add(sid)
                self.replies += b"<Message>" in text


def run_helper(script: str, *args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the load runs")
    parser.add_argument("--senders", type=int, default=8, help="concurrent SMS senders")
    parser.add_argument("--drain", type=float, default=60.0,
                        help="how long to wait for the outbox to empty afterwards")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="faelles-load-"))
    db_path = folder / "faelles.db"
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    api = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, callback_delay=0.05).start()
    env = {**os.environ, "FAELLES_DB": str(db_path), "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_FROM": "+4570000000",
           "FAELLES_SMS_TRANSPORT": "twilio", "FAELLES_PUBLIC_URL": public_url,
           "FAELLES_TWILIO_API_URL": api.url, "FAELLES_SEND_RATE": "100",
           "FAELLES_QUIET_HOURS": "00:00-00:00", "PYTHONUNBUFFERED": "1"}
    subprocess.run([str(BIN / "faelles"), "init", "--demo"], env=env, check=True,
                   capture_output=True)
    processes: list[subprocess.Popen] = []
    logs = {name: open(folder / f"{name}.log", "wb") for name in ("gateway", "worker")}
    try:
        gateway = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
             "sms_gateway:create_app()"], env=env, cwd=ROOT, stdout=logs["gateway"],
            stderr=subprocess.STDOUT)
        processes.append(gateway)
        wait_for_health(port, gateway)
        worker = subprocess.Popen([str(BIN / "faelles"), "worker"], env=env, cwd=ROOT,
                                  stdout=logs["worker"], stderr=subprocess.STDOUT)
        processes.append(worker)

        seconds = str(options.seconds)
        writers = [run_helper(KIOSK_WRITER, str(db_path), name, seconds, env=env)
                   for name in ("Munkebo Bibliotek", "Langeskov Bibliotek")]
        writers.append(run_helper(NOTICE_WRITER, str(db_path), seconds, env=env))
        stop = threading.Event()
        senders = [Sender(port, f"{public_url}/sms", n, stop) for n in range(options.senders)]
        for sender in senders:
            sender.start()
        side_jobs = Counter()
        started = time.monotonic()
        while time.monotonic() - started < options.seconds:
            backup = subprocess.run([str(BIN / "faelles"), "backup",
                                     str(folder / f"backup-{side_jobs['backup']}.db")],
                                    env=env, capture_output=True)
            side_jobs["backup" if backup.returncode == 0 else "backup failed"] += 1
            export = subprocess.run([str(BIN / "faelles"), "export", "messages"], env=env,
                                    capture_output=True)
            side_jobs["export" if export.returncode == 0 else "export failed"] += 1
        stop.set()
        for sender in senders:
            sender.join()
        written = {}
        for name, writer in zip(("kiosk 1", "kiosk 2", "notices"), writers):
            out, err = writer.communicate(timeout=60)
            done, errors = (int(n) for n in out.split()) if writer.returncode == 0 else (0, -1)
            written[name] = (done, errors, err.strip().splitlines()[-1:] if err else [])

        db = open_db(db_path, migrate=False)
        deadline = time.monotonic() + options.drain
        while time.monotonic() < deadline:
            busy = rows(db, "SELECT count(*) AS n FROM messages WHERE direction = 'out'"
                            " AND status IN ('queued', 'sending')")[0]["n"]
            if not busy:
                break
            time.sleep(0.5)
        time.sleep(0.5)  # the last status callbacks
        report(db, senders, written, side_jobs, api, options)
        db.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        api.stop()
        for log in logs.values():
            log.close()
        print(f"logs and backups in {folder}")


def report(db, senders, written, side_jobs, api, options) -> None:
    latencies = sorted(l for s in senders for l in s.latencies)
    statuses = sum((s.statuses for s in senders), Counter())
    sids = {sid for s in senders for sid in s.sids}
    accepted = {sid for s in senders for sid in s.accepted}
    inbound = rows(db, "SELECT provider_id, count(*) AS n FROM messages WHERE direction = 'in'"
                       " GROUP BY provider_id")
    stored_twice = [r["provider_id"] for r in inbound if r["n"] > 1]
    missing = accepted - {r["provider_id"] for r in inbound}
    outbox = Counter({r["status"]: r["n"] for r in rows(
        db, "SELECT status, count(*) AS n FROM messages WHERE direction = 'out'"
            " AND kind != 'reply' GROUP BY status")})
    creates = Counter(m["body"] for m in api.received)
    notices = rows(db, "SELECT body, status FROM messages WHERE direction = 'out'"
                       " AND kind = 'notice'")
    twice = [n["body"] for n in notices if creates[n["body"]] > 1]
    handed = {"sent", "delivered", "undelivered"}
    never_handed = [n["body"] for n in notices if n["status"] in handed and not creates[n["body"]]]
    print(f"load for {options.seconds:.0f} s, {options.senders} senders")
    print(f"inbound posted {sum(statuses.values())} ({len(sids)} distinct MessageSids), "
          f"HTTP {dict(sorted(statuses.items(), key=str))}")
    print(f"inbound stored {len(inbound)}; stored twice {len(stored_twice)}; "
          f"answered 200 but not stored {len(missing)}")
    print(f"replies in TwiML {sum(s.replies for s in senders)}")
    if latencies:
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        print(f"webhook latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
              f"{len(latencies) / options.seconds:.0f} req/s")
    for name, (done, errors, last) in written.items():
        print(f"{name}: {done} writes, {errors} lock errors {' '.join(last)}")
    print(f"backups and exports: {dict(side_jobs)}")
    print(f"outbox final states: {dict(outbox)}")
    print(f"provider creates {len(api.received)}; notices created twice {len(twice)}; "
          f"counted sent but never created {len(never_handed)}")
    ok = not stored_twice and not missing and not twice and not never_handed and not (
        outbox.get("queued", 0) + outbox.get("sending", 0))
    print("EXACTLY ONCE: " + ("yes" if ok else "NO"))


if __name__ == "__main__":
    main()
