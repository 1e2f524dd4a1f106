"""The command the process worker runs for each flow-run execution: hands the execution to the
warm flow starter when one serves this machine, else starts Prefect's engine itself.

A new Python process pays 1.5-2 s of CPU importing Prefect and the project before its first
task, on every start and every resume. The flow starter (``deployments.flow_starter``) holds
those modules loaded and forks a ready process instead. This launcher is what the worker sees:
it passes its standard streams, environment and working directory to the starter, forwards the
worker's signals to the forked process, and exits as that process did, so the worker's view
(pid, output, exit code, cancellation) is the one it has of ``python -m prefect.engine``.

Only the standard library is imported here: this process starts on every execution.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path

SOCKET_ENV = "COMPLAINTS_FLOW_STARTER_SOCKET"
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
MAX_SOCKET_PATH = 100


def socket_path(data_dir: Path) -> Path:
    """Where the starter of the system using ``data_dir`` listens: in the data folder, or in a
    private folder under the temporary directory when that path is too long for a socket."""
    preferred = data_dir.resolve() / "flow-starter.sock"
    if len(str(preferred)) <= MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"complaints-{os.getuid()}" / f"starter-{digest}.sock"


def cold_start() -> None:
    """What the worker would have run: Prefect's engine in this very process (exec)."""
    os.execv(sys.executable, [sys.executable, "-m", "prefect.engine", *sys.argv[1:]])


def _connect(path: str) -> socket.socket | None:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(path)
    except OSError:
        client.close()
        return None
    return client


def _request(client: socket.socket) -> None:
    payload = json.dumps(
        {"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}
    ).encode()
    socket.send_fds(client, [struct.pack("!I", len(payload))], [0, 1, 2])
    client.sendall(payload)


def _exit_like(status: int) -> None:
    """Exit with the forked process's exit code, or die of the signal that ended it."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number in FORWARDED_SIGNALS:  # the others cannot be caught, nor need resetting
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    sys.exit(os.WEXITSTATUS(status))


def _wait_for_gone(pid: int) -> None:
    """The starter went away while the execution runs on: wait for it as a parent cannot."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)


def main() -> None:
    # A session of its own, as Prefect's workspace supervisor gives an execution when the worker
    # runs its default command: a signal to the worker's process group does not reach it.
    if os.getsid(0) != os.getpid():
        os.setsid()
    path = os.environ.get(SOCKET_ENV)
    client = _connect(path) if path else None
    if client is None:
        cold_start()
        return
    child: list[int] = []
    pending: list[int] = []

    def forward(number: int, _frame: object) -> None:
        if child:
            os.kill(child[0], number)
        else:
            pending.append(number)

    for number in FORWARDED_SIGNALS:
        signal.signal(number, forward)
    try:
        _request(client)
    except OSError:
        client.close()
        cold_start()
        return
    reader = client.makefile("rb")
    for line in reader:
        word, _, value = line.decode().strip().partition(" ")
        if word == "refused":
            # Its code changed since it loaded (an upgrade) or it cannot fork now.
            client.close()
            cold_start()
            return
        if word == "started":
            child.append(int(value))
            for number in pending:
                os.kill(child[0], number)
        elif word == "exited":
            _exit_like(int(value))
    # The starter stopped before the execution ended. The run reports its own state to
    # Prefect; a non-zero code here would make the worker report a crash that did not happen.
    if child:
        _wait_for_gone(child[0])
        sys.exit(0)
    # Stopped between the request and its answer: whether it forked is unknown, so no second
    # execution is started here; the worker reports a crash, which reconciliation re-queues.
    sys.exit(1)


if __name__ == "__main__":
    main()
