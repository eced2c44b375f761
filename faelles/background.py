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
def start_services(*, port: int, log_dir: Path, transport: str = "console") -> Iterator[Services]:
    """Run the gateway and the worker in the background for the length of the block."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FAELLES_SMS_TRANSPORT": transport, "PYTHONUNBUFFERED": "1"}
    url = f"http://127.0.0.1:{port}"
    processes: list[subprocess.Popen] = []
    try:
        for name, args in (("gateway", ("serve", "--port", str(port))), ("worker", ("worker",))):
            # The worker's log holds the numbers it "sends" to: the owner's only.
            log = open(create_private(log_dir / f"{name}.log"), "ab")
            processes.append(subprocess.Popen(faelles_command(*args), env=env, stdout=log,
                                              stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL))
            log.close()
        wait_until_healthy(f"{url}/healthz", processes[0], STARTUP_TIMEOUT_S)
        yield Services(url, log_dir, processes)
    finally:
        stop(processes)
