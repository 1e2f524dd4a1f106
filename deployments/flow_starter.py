"""The warm flow starter: a process that holds Prefect and the project's flows imported and forks
a ready process for each flow-run execution the worker starts.

Every start and every resume of a complaint's run is a new process; importing Prefect and the
project is most of what it costs (1.5-2 s of CPU on this kind of machine), and a complaint
resumes a dozen times. The starter pays the imports once. For each request from the launcher
(``deployments.flow_launch``, the command the worker runs) it forks; the fork takes the
launcher's standard streams, environment and working directory and runs Prefect's engine as
``python -m prefect.engine`` would. The worker keeps seeing the launcher: its pid, output and
exit code.

Safety: the starter loads modules only (no client, no thread, no database connection) and
refuses to fork if a thread appeared; it accepts requests from processes of its own user only,
on a socket in a folder only that user can open. When the project's code changes (an upgrade),
it refuses further requests, so that the launchers start cold on the new code, and, once its
executions have ended, replaces itself with a starter that loads the new code.

    python -m deployments.flow_starter --socket PATH
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import hashlib
import importlib
import json
import os
import random
import runpy
import selectors
import signal
import socket
import struct
import sys
import threading
import traceback
import warnings
from collections.abc import Iterable
from pathlib import Path

import prefect.context

from config.settings import get_settings
from deployments.register import ENTRYPOINTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Packages whose code a flow run executes; a change in any of them makes the starter stale.
CODE_PACKAGES = ("policy", "config", "orchestration", "models", "services", "tasks", "flows")
# Prefect's engine, and what the flows load only when a notice or a form is due: loaded once
# here, they cost an execution nothing.
EXTRA_MODULES = (
    "prefect.engine",
    "prefect.flow_engine",
    "prefect.deployments.steps",
    "tasks.mail",
    "tasks.handling_form",
    "services.handling_form.docx_file",
    "services.steps",
    "services.deadlines",
)


def code_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """The project's code as a flow run would load it: name, size and time of each file."""
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in {".py", ".yaml", ".json", ".j2"} and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def flow_modules() -> list[str]:
    """The modules of the deployments' entrypoints (``flows/x.py:f`` is ``flows.x``)."""
    return [
        entry.split(":")[0].removesuffix(".py").replace("/", ".") for entry in ENTRYPOINTS.values()
    ]


def preload(modules: Iterable[str]) -> None:
    for name in modules:
        importlib.import_module(name)
    # What is loaded now is shared by every fork, page for page, as long as nobody writes to
    # it: the collector would, by walking it.
    gc.collect()
    gc.freeze()


class Starter:
    def __init__(self, path: Path, code_root: Path = PROJECT_ROOT) -> None:
        self.path = path
        self.code_root = code_root
        self.fingerprint = code_fingerprint(code_root)
        self.forked = 0
        self.children: dict[int, socket.socket] = {}
        self.accepting = True
        self.selector = selectors.DefaultSelector()
        self.listener = self._listen()
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        self.stop_requested = 0
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        self.selector.register(self.wake_read, selectors.EVENT_READ, "wake")

    def _listen(self) -> socket.socket:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.parent.name.startswith("complaints-"):
            self.path.parent.chmod(0o700)
        self.path.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_mask = os.umask(0o177)
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(old_mask)
        listener.listen(64)
        self.selector.register(listener, selectors.EVENT_READ, "accept")
        return listener

    def _request_stop(self, *_: object) -> None:
        self.stop_requested += 1

    def _stop_accepting(self) -> None:
        if self.accepting:
            self.accepting = False
            self.selector.unregister(self.listener)
            self.listener.close()
            self.path.unlink(missing_ok=True)

    def serve(self) -> None:
        print(f"flow starter: pid {os.getpid()}, listening on {self.path}", flush=True)
        while True:
            if self.stop_requested:
                self._stop_accepting()
                if self.stop_requested > 1 or not self.children:
                    print(f"flow starter: stopped after {self.forked} executions", flush=True)
                    return
            if not self.accepting and not self.children and not self.stop_requested:
                # Stale: every execution of the old code has ended; load the new code.
                print("flow starter: the code changed; starting again on it", flush=True)
                again = ["-m", "deployments.flow_starter", "--socket", str(self.path)]
                again += ["--code-root", str(self.code_root)]
                os.execv(sys.executable, [sys.executable, *again])
            for key, _ in self.selector.select(timeout=5):
                if key.data == "accept":
                    self._accept()
                else:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self.wake_read, 512)
            self._reap()

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = self.children.pop(pid, None)
            if connection is not None:
                # A launcher that is gone waits for nothing.
                self._send(connection, f"exited {status}")
                connection.close()

    def _accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        connection.settimeout(5)
        received: list[int] = []
        try:
            _, peer_uid, _ = struct.unpack(
                "3i",
                connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")),
            )
            if peer_uid != os.getuid():
                raise PermissionError("another user's process")
            header, received, _, _ = socket.recv_fds(connection, 4, 3)
            (size,) = struct.unpack("!I", header)
            payload = b""
            while len(payload) < size:
                chunk = connection.recv(size - len(payload))
                if not chunk:
                    raise ConnectionError("request cut short")
                payload += chunk
            request = json.loads(payload)
            if len(received) != 3:
                raise ValueError("three standard streams expected")
        except (OSError, ValueError, struct.error) as error:
            print(f"flow starter: request refused: {error}", flush=True)
            for fd in received:
                os.close(fd)
            connection.close()
            return
        refusal = self._refusal()
        if refusal:
            print(f"flow starter: {refusal}; the launcher starts cold", flush=True)
            self._send(connection, f"refused {refusal}")
            connection.close()
            for fd in received:
                os.close(fd)
            return
        pid = os.fork()
        if pid == 0:
            self._become_execution(connection, received, request)
        for fd in received:
            os.close(fd)
        self.children[pid] = connection
        self.forked += 1
        self._send(connection, f"started {pid}")
        print(f"flow starter: execution {self.forked} forked as pid {pid}", flush=True)

    def _refusal(self) -> str | None:
        if code_fingerprint(self.code_root) != self.fingerprint:
            self._stop_accepting()
            return "code changed"
        if threading.active_count() != 1:
            return "a thread is running in the starter"
        return None

    @staticmethod
    def _send(connection: socket.socket, line: str) -> None:
        with contextlib.suppress(OSError):
            connection.sendall(f"{line}\n".encode())

    def _become_execution(
        self, connection: socket.socket, streams: list[int], request: dict[str, object]
    ) -> None:
        """In the fork: become ``python -m prefect.engine`` as the launcher would have run it."""
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
                signal.signal(number, signal.SIG_DFL)
            self.selector.close()
            if self.accepting:
                self.listener.close()
            os.close(self.wake_read)
            os.close(self.wake_write)
            for other in self.children.values():
                other.close()
            connection.close()
            # Its own session, as Prefect's own workspace supervisor gives an execution: stopping
            # the starter (or its process group) leaves the executions running to their end.
            os.setsid()
            for target, fd in enumerate(streams):
                os.dup2(fd, target)
                os.close(fd)
            env = request["env"]
            assert isinstance(env, dict)
            os.environ.clear()
            os.environ.update({str(k): str(v) for k, v in env.items()})
            os.chdir(str(request["cwd"]))
            argv = request["argv"]
            assert isinstance(argv, list)
            random.seed()
            _refresh_settings()
            sys.argv = ["prefect.engine", *map(str, argv)]
            # runpy's note that the engine module was imported before (here: on purpose).
            warnings.filterwarnings("ignore", "'prefect.engine' found in sys.modules")
            runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            try:
                atexit._run_exitfuncs()
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)


def _refresh_settings() -> None:
    """Settings read at import reflect the starter's environment; read them again from the
    execution's (the worker adds the run's id and its job's variables)."""
    prefect.context.refresh_global_settings_context()
    get_settings.cache_clear()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, type=Path)
    parser.add_argument(
        "--code-root",
        type=Path,
        default=PROJECT_ROOT,
        help="the code whose change makes the loaded modules stale (default: this project)",
    )
    args = parser.parse_args(argv)
    os.chdir(PROJECT_ROOT)
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    preload([*EXTRA_MODULES, *flow_modules()])
    Starter(args.socket, args.code_root).serve()


if __name__ == "__main__":
    main()
