"""Request limits under the production server: gunicorn with ./gunicorn.conf.py, and Flask's.

An unsigned 100 MB body was read and parsed before the 403,
and the worker's memory went from 37 to 229 MB.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
HUNDRED_MB = 100 * 1024 * 1024
CHUNK = b"Body=" + b"x" * (1024 * 1024 - 5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    """Run the gateway as in production (one worker), from the project directory."""
    folder = tmp_path_factory.mktemp("limits")
    port = free_port()
    env = {**os.environ, "FAELLES_DB": str(folder / "faelles.db"),
           "TWILIO_AUTH_TOKEN": "limits-token", "FAELLES_SMS_TRANSPORT": "console"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
         "sms_gateway:create_app()"], cwd=PROJECT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while request(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") != 200:
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        yield {"port": port, "worker": worker_of(server.pid)}
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stderr.close()


def worker_of(master: int) -> int:
    [child] = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(child)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def request(port: int, head: bytes, body_chunks=()) -> int | None:
    """Send head, then stream body_chunks while reading the answer; return its status."""
    try:
        connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    except OSError:
        return None
    with connection:
        connection.sendall(head)

        def stream():
            try:
                for chunk in body_chunks:
                    connection.sendall(chunk)
            except OSError:  # the server answered and closed: it did not want the rest
                pass

        sender = threading.Thread(target=stream, daemon=True)
        sender.start()
        answer = b""
        try:
            while b"\r\n" not in answer:
                data = connection.recv(4096)
                if not data:
                    break
                answer += data
        except OSError:
            pass
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:  # already reset by the server
            pass
        sender.join(timeout=30)
    status_line = answer.split(b"\r\n", 1)[0].split()
    return int(status_line[1]) if len(status_line) > 1 else None


def post_head(length: int | None) -> bytes:
    size = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (f"POST /sms HTTP/1.1\r\nHost: sms.example.dk\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n{size}\r\n\r\n").encode()


def chunked(chunks):
    for chunk in chunks:
        yield b"%x\r\n%s\r\n" % (len(chunk), chunk)
    yield b"0\r\n\r\n"


def test_an_unsigned_100_mb_body_gets_413_and_the_worker_stays_small(gateway):
    before = rss_mb(gateway["worker"])

    status = request(gateway["port"], post_head(HUNDRED_MB), [CHUNK] * 100)

    assert status == 413  # not the 403 after reading and parsing it all
    assert rss_mb(gateway["worker"]) - before < 10
    assert request(gateway["port"], b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == 200


def test_a_chunked_body_of_unknown_length_is_read_only_up_to_the_limit(gateway):
    before = rss_mb(gateway["worker"])

    status = request(gateway["port"], post_head(None), chunked([CHUNK] * 100))

    # No Content-Length to refuse it by: werkzeug reads the chunked stream (which
    # gunicorn marks terminated) only up to MAX_CONTENT_LENGTH, and 64 KiB of it
    # are no signed form, so the signature check refuses it.
    assert status == 403
    assert rss_mb(gateway["worker"]) - before < 10


def test_gunicorn_refuses_a_long_request_line_and_too_many_headers(gateway):
    long_line = b"GET /healthz?" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    many = b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % n for n in range(60)) + b"\r\n"
    big_header = b"GET /healthz HTTP/1.1\r\nX-Big: " + b"y" * 5000 + b"\r\n\r\n"

    assert request(gateway["port"], long_line) == 414
    assert request(gateway["port"], many) == 431  # Request Header Fields Too Large
    assert request(gateway["port"], big_header) == 431
    assert request(gateway["port"], b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == 200


def test_the_config_is_what_gunicorn_reads_by_default():
    from gunicorn.config import Config

    config = Config()
    namespace: dict = {}
    exec((PROJECT / "gunicorn.conf.py").read_text(), namespace)
    for name in ("limit_request_line", "limit_request_fields", "limit_request_field_size",
                 "timeout", "graceful_timeout"):
        config.set(name, namespace[name])
    assert config.limit_request_line == 2048
    assert config.timeout > 15 > 5  # longer than Twilio waits, and than a write waits
    assert "workers" not in namespace  # the production command says -w 2
