"""Start the gateway and the outbox worker as background processes for `faelles demo`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from shared.db import create_private

STARTUP_TIMEOUT_S = 20


@dataclass
class Services:
    url: str
    log_dir: Path
    processes: list[subprocess.Popen]


def faelles_command(*args: str) -> list[str]:
    """Return the command line that runs `faelles ARGS` with this interpreter."""
    return [sys.executable, "-m", "faelles", *args]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Wait until GET url answers 200, or raise if the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[3]} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(processes: list[subprocess.Popen]) -> None:
    """Ask each process to stop with SIGTERM, and kill those that do not."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def start_services(*, port: int, log_dir: Path, transport: str = "console",
                   twilio_api_url: str | None = None) -> Iterator[Services]:
    """Run the gateway and the worker in the background for the length of the block.

    twilio_api_url: a Twilio-compatible Messages API (the dev phone's) the worker
    sends through, with status callbacks back to this gateway.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    # The demo speaks Twilio (its phone does), whatever provider the shell names.
    env = {**os.environ, "FAELLES_SMS_TRANSPORT": "console", "FAELLES_SMS_PROVIDER": "twilio",
           "PYTHONUNBUFFERED": "1",
           # The logs are files: no colour codes in them.
           "NO_COLOR": "1", "TERM": "dumb"}
    worker_env = {**env, "FAELLES_SMS_TRANSPORT": transport}
    if twilio_api_url:
        worker_env.update(FAELLES_SMS_TRANSPORT="twilio", FAELLES_TWILIO_API_URL=twilio_api_url)
        # The callbacks are signed for the address the gateway checks them against.
        env["FAELLES_PUBLIC_URL"] = worker_env["FAELLES_PUBLIC_URL"] = url
    processes: list[subprocess.Popen] = []
    try:
        for name, args, service_env in (("gateway", ("serve", "--port", str(port)), env),
                                        ("worker", ("worker",), worker_env)):
            # The worker's log holds the numbers it "sends" to: the owner's only.
            log = open(create_private(log_dir / f"{name}.log"), "ab")
            processes.append(subprocess.Popen(faelles_command(*args), env=service_env, stdout=log,
                                              stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL))
            log.close()
        wait_until_healthy(f"{url}/healthz", processes[0], STARTUP_TIMEOUT_S)
        yield Services(url, log_dir, processes)
    finally:
        stop(processes)
