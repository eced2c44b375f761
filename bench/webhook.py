"""Benchmark the SMS webhook under gunicorn against Twilio's quickstart responder.

Both run under `gunicorn -w 2` on loopback in the same run (the gateway with
its own gunicorn.conf.py, the quickstart with gunicorn's defaults); N concurrent
senders post distinct, correctly signed inbound messages from --numbers phone
numbers, each sender with its own share of them. Prints throughput, p50 and p99
latency for each and the ratio of throughputs.

By default each number sends five texts, as people trying Fælles do. With
--numbers 16 each sender is one number sending hundreds of texts in a row: the
per-number limit then holds most of them back, which measures the guarded path.

--disk-ms N makes every fdatasync of the gateway take N ms longer, as on network
block storage (a cloud volume) where a sync takes milliseconds rather than this
machine's fraction of one: the gateway then waits on the disk, not the CPU.

    .venv/bin/python bench/webhook.py [--senders 16] [--requests 4000] [--numbers 800]
                                      [--disk-ms 0]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AUTH_TOKEN = "bench-auth-token"
# Twilio's "Receive and reply to SMS in Python" quickstart, as the floor.
QUICKSTART = '''
from flask import Flask
from twilio.twiml.messaging_response import MessagingResponse

app = Flask(__name__)


@app.route("/sms", methods=["GET", "POST"])
def sms_reply():
    resp = MessagingResponse()
    resp.message("The Robots are coming! Head for the hills!")
    return str(resp)
'''
# The gateway on a slower disk: every fdatasync it runs is followed by a pause.
SLOW_DISK = '''
import os
import time

from sms_gateway import create_app, group_sync

real_fdatasync = os.fdatasync


def slow_fdatasync(fd):
    real_fdatasync(fd)
    time.sleep({seconds})


group_sync.os = type("SlowOs", (), {{"__getattr__": lambda self, name: getattr(os, name),
                                     "fdatasync": staticmethod(slow_fdatasync)}})()
'''
TEXTS = ["HJÆLP", "FÆLLESSKABER", "DELTAG STRIK", "ROS Tak for en dejlig gåtur",
         "TILBYD Jeg kan hjælpe med haven om lørdagen", "2", "MINE", "Hej"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict, chdir: Path,
                   pythonpath: Path) -> subprocess.Popen:
    # BENCH_THREADS=1 runs the gateway as before threaded workers, for comparison.
    threads = ["--threads", os.environ["BENCH_THREADS"]] if "BENCH_THREADS" in os.environ else []
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", os.environ.get("BENCH_WORKERS", "2"), *threads,
         "-b", f"127.0.0.1:{port}", "--chdir", str(chdir), "--pythonpath", str(pythonpath),
         "--log-level", "warning", app],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn {app} did not start: {process.stderr.read().decode()}")


def signed_requests(port: int, senders: int, per_sender: int, run: str,
                    numbers: int | None = None) -> list[list[tuple]]:
    """Return, per sender, its (body, headers) requests, each with its own MessageSid,
    from the sender's share of the numbers in turn."""
    url = f"http://127.0.0.1:{port}/sms"
    validator = RequestValidator(AUTH_TOKEN)
    own = max(1, (numbers or senders) // senders)
    batches = []
    for sender in range(senders):
        batch = []
        for n in range(per_sender):
            phone = f"+4520{sender * own + n % own:06d}"
            # Twilio's sid format (SM and 32 hex digits), which the gateway checks.
            sid = "SM" + hashlib.md5(f"{run}/{sender}/{n}".encode()).hexdigest()
            params = {"MessageSid": sid, "AccountSid": "ACbench",
                      "From": phone, "To": "+4570000000", "Body": TEXTS[n % len(TEXTS)],
                      "NumMedia": "0", "NumSegments": "1"}
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Twilio-Signature": validator.compute_signature(url, params)}
            batch.append((urllib.parse.urlencode(params), headers))
        batches.append(batch)
    return batches


def load(port: int, batches: list[list[tuple]]) -> dict:
    """Send every batch from its own thread at once; return throughput and latencies."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(len(batches) + 1)

    def sender(batch):
        mine, failed = [], []
        start_line.wait()
        for body, headers in batch:
            began = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/sms", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    failed.append(str(response.status))
            except OSError as exc:
                failed.append(type(exc).__name__)
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=sender, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": len(errors), "seconds": elapsed,
            "throughput": len(latencies) / elapsed, "p50_ms": cuts[49] * 1000,
            "p99_ms": cuts[98] * 1000, "error_kinds": sorted(set(errors))[:5]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--requests", type=int, default=4000, help="per server, in all")
    parser.add_argument("--numbers", type=int, default=800, help="distinct phone numbers")
    parser.add_argument("--disk-ms", type=float, default=0.0,
                        help="added to each of the gateway's fdatasyncs")
    args = parser.parse_args()
    per_sender = max(1, args.requests // args.senders)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "quickstart.py").write_text(QUICKSTART)
        gateway = "sms_gateway:create_app()"
        if args.disk_ms:
            (tmp / "slow_disk.py").write_text(SLOW_DISK.format(seconds=args.disk_ms / 1000))
            gateway = "slow_disk:create_app()"
        env = {**os.environ, "FAELLES_DB": str(tmp / "bench.db"),
               "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "FAELLES_SMS_TRANSPORT": "console"}
        subprocess.run([str(BIN / "faelles"), "init", "--demo"], env=env, check=True,
                       capture_output=True)
        results = {}
        for name, app, chdir in (("quickstart", "quickstart:app", tmp),
                                 ("faelles", gateway, ROOT)):
            port = free_port()
            server = start_gunicorn(app, port, env, chdir, pythonpath=tmp)
            try:
                load(port, signed_requests(port, args.senders, 5, f"W{name[:1]}"))  # warm-up
                results[name] = load(port, signed_requests(port, args.senders, per_sender,
                                                           name[:1].upper(), args.numbers))
            finally:
                server.terminate()
                server.wait(timeout=10)
    threads = os.environ.get("BENCH_THREADS", "from gunicorn.conf.py")
    print(f"{args.senders} concurrent senders, {per_sender * args.senders} requests each "
          f"from {args.numbers} numbers, gunicorn -w 2 (gateway threads: {threads}), "
          f"loopback, {os.cpu_count()} cores"
          + (f", each gateway fdatasync {args.disk_ms:g} ms slower" if args.disk_ms else ""))
    print(f"{'':12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in results.items():
        print(f"{name:12}{r['throughput']:9.1f}{r['p50_ms']:9.1f}{r['p99_ms']:9.1f}"
              f"{r['errors']:8d} {' '.join(r['error_kinds'])}")
    ratio = results["faelles"]["throughput"] / results["quickstart"]["throughput"]
    print(f"throughput ratio faelles/quickstart: {ratio:.2f} (target >= 0.6); "
          f"faelles p99 {results['faelles']['p99_ms']:.1f} ms (target < 100)")
    return 1 if any(r["errors"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
