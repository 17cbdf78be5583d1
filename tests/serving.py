"""A running `spinerules serve` for the tests: a subprocess on 127.0.0.1 and an httpx client."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`spinerules serve` running in a subprocess; stopped by `close`."""

    def __init__(self, *args: str, log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "spinerules", "serve", *args, "--port", str(self.port)]
        if log is not None:
            command += ["--log", str(log)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.client = httpx.Client(base_url=self.url, timeout=30)
        deadline = time.monotonic() + 60
        while True:  # bounded: the server answers within a minute or the test fails
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited: {self.process.stderr.read()}")  # type: ignore[union-attr]
            try:
                if self.client.get("/cds-services").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.close()
                raise AssertionError("the service did not answer within 60 s")
            time.sleep(0.1)

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
