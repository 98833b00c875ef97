"""Start the real action server and Rasa server on free loopback ports (tests, bench)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot import settings
from bot.paths import CREDENTIALS, ENDPOINTS, MODEL, ROOT

READY_TIMEOUT_S = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path
    url: str
    started_at: float = 0.0
    ready_after_s: float | None = None
    # How it was started, so that it can be restarted the same way.
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server and, if it does not stop within 30 s, kill its process
        group: the Rasa server's forked processes (SANIC_WORKERS) too."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def restart(self) -> None:
        """Stop, then start the same command on the same port (the log goes on)."""
        self.stop()
        self.process = spawn(self.args, self.env, self.log, mode="ab")
        self.started_at = time.monotonic()
        wait_ready(self)


def spawn(args: list[str], env: dict[str, str], log: Path, mode: str = "wb") -> subprocess.Popen:
    with log.open(mode) as handle:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: see Server.stop
        )


def start(
    name: str, args: list[str], env: dict[str, str], log: Path, url: str, ready_path: str
) -> Server:
    process = spawn(args, env, log)
    return Server(name, process, log, url, time.monotonic(), None, args, env, ready_path)


def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log_tail()}")
        try:
            if requests.get(server.url + server.ready_path, timeout=2).ok:
                server.ready_after_s = time.monotonic() - server.started_at
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or (Sanic workers) listening but still loading
        time.sleep(0.5)
    raise RuntimeError(f"{server.name} not ready after {READY_TIMEOUT_S}s:\n{server.log_tail()}")


def server_env(**extra: str) -> dict[str, str]:
    """This environment, each unset setting at its default (bot/settings.py), and ``extra``."""
    env = {**settings.resolved(), **os.environ}
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", **extra)
    return env


def request_max_bytes(env: dict[str, str] | None = None) -> int:
    """The body size cap the servers started from here apply."""
    return int((env or server_env())["SANIC_REQUEST_MAX_SIZE"])


def start_actions(workdir: Path, env: dict[str, str], port: int | None = None) -> Server:
    """The action server as `make run` starts it (scripts/actions.py), on a loopback
    port (not yet ready: see ``wait_ready``). It reads its address, port and token
    from ``env`` (ACTIONS_HOST, ACTIONS_PORT, ACTION_SERVER_TOKEN)."""
    port = port or free_port()
    return start(
        "action server",
        ["scripts.actions"],
        {**env, "ACTIONS_PORT": str(port)},
        workdir / "actions.log",
        f"http://127.0.0.1:{port}",
        "/health",
    )


@dataclass
class Bot:
    """The three processes of `make run`."""

    actions: Server
    rasa: Server
    web: Server
    env: dict[str, str]

    def action_server_headers(self) -> dict[str, str]:
        """The header Rasa sends with every call to the action server (endpoints.yml)."""
        return {"Authorization": f"Bearer {self.env['ACTION_SERVER_TOKEN']}"}

    def stop(self) -> None:
        for server in (self.web, self.rasa, self.actions):
            server.stop()


def start_rasa(
    workdir: Path,
    env: dict[str, str],
    api_token: str | None = None,
    name: str = "rasa server",
    port: int | None = None,
    model: Path = MODEL,
    credentials: Path = CREDENTIALS,
    endpoints: Path = ENDPOINTS,
    launcher: str = "lean",
) -> Server:
    """A Rasa server on a loopback port (not yet ready: see ``wait_ready``).

    ``launcher`` "lean" runs Rasa without TensorFlow, like `make run` (lean/);
    "rasa" runs it as is (needed for models with TensorFlow components)."""
    port = port or free_port()
    return start(
        name,
        [
            launcher, "run",
            "--model", str(model),
            "--endpoints", str(endpoints),
            "--credentials", str(credentials),
            "--interface", "127.0.0.1",
            "--port", str(port),
            *(["--enable-api", "--auth-token", api_token] if api_token else []),
        ],
        env,
        workdir / f"{name.replace(' ', '-')}.log",
        f"http://127.0.0.1:{port}",
        "/webhooks/rest/",
    )  # fmt: skip


def start_bot(
    workdir: Path,
    api_token: str | None = None,
    extra_env: dict[str, str] | None = None,
    model: Path = MODEL,
    **rasa_options: Any,
) -> Bot:
    """Action server, Rasa server (REST and socket.io) and web chat page, like `make run`.

    Everything listens on free loopback ports. With ``api_token`` the Rasa HTTP
    API is enabled behind that token (tests use it to read trackers and parse
    text); `make run` leaves the API off. ``extra_env`` configures channels
    (e.g. Telegram and Slack pointed at fake API servers) and stores (e.g. a
    PostgreSQL tracker store and a Redis lock store). ``rasa_options`` may name
    other ``credentials`` and ``endpoints`` files and the ``launcher`` (the
    benchmark's stock Rasa).
    """
    assert model.exists(), f"{model} is missing: run `make train` (make test does it)"
    actions_port, rasa_port, web_port = free_port(), free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    web_url = f"http://127.0.0.1:{web_port}"
    overrides = {
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "ACTIONS_PORT": str(actions_port),
        # A token of this bot's own, which the tests read from ``Bot.env``
        # (rather than the one var/secrets/ keeps for `make run`).
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(32),
        "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}",
        # Empty: the page's own origins, http://localhost and http://127.0.0.1
        # on WEB_PORT, may open a socket (as with `make run`'s defaults).
        "WEB_CHAT_ORIGINS": "",
        "WEB_PUBLIC_URL": "",
        "RASA_PUBLIC_URL": rasa_url,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(web_port),
    }
    env = server_env(**{**overrides, **(extra_env or {})})
    actions = start_actions(workdir, env, actions_port)
    rasa = start_rasa(workdir, env, api_token, port=rasa_port, model=model, **rasa_options)
    web = start("web server", ["scripts.web"], env, workdir / "web.log", web_url, "/health")
    bot = Bot(actions, rasa, web, env)
    try:
        wait_ready(actions)
        wait_ready(web)
        wait_ready(rasa)
    except Exception:
        bot.stop()
        raise
    return bot
