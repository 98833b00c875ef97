"""Security basics: Rasa's HTTP API is off in `make run` unless RASA_API_TOKEN is set,
and when on, it refuses requests without the token.

The socket.io origin check (WEB_CHAT_ORIGINS) is tested in tests/test_webchat.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import helpers
from tools.support.processes import free_port, request_max_bytes

READY_TIMEOUT_S = 240


def api_requests(base: str, sender: str) -> list[tuple[str, str, dict | None]]:
    """(method, url, json body) of a few API endpoints that need the token."""
    return [
        ("GET", f"{base}/conversations/{sender}/tracker", None),
        ("POST", f"{base}/model/parse", {"text": "hello"}),
        ("GET", f"{base}/status", None),
    ]


def test_the_api_refuses_a_missing_or_wrong_token(bot):
    sender = "security-probe"
    for method, url, body in api_requests(bot.rasa.url, sender):
        for params in ({}, {"token": "wrong-" + bot.token}, {"token": ""}):
            reply = requests.request(method, url, params=params, json=body, timeout=30)
            assert reply.status_code in (401, 403), (method, url, params, reply.status_code)
        # The same request with the token works, so the refusals are about the token.
        reply = requests.request(method, url, params={"token": bot.token}, json=body, timeout=30)
        assert reply.status_code == 200, (method, url, reply.text)


class MakeRun:
    """`make run` on free loopback ports, with the defaults of a fresh clone."""

    def __init__(self, workdir: Path) -> None:
        self.rasa_port, self.actions_port, self.web_port = free_port(), free_port(), free_port()
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RASA_", "SANIC_"))}
        env.update(
            RASA_PORT=str(self.rasa_port),
            ACTIONS_PORT=str(self.actions_port),
            WEB_PORT=str(self.web_port),
            WEB_HOST="127.0.0.1",
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
            TRACKER_STORE_URL=f"sqlite:///{workdir / 'tracker.db'}",
            RASA_PUBLIC_URL=self.rasa_url,
            WEB_CHAT_ORIGINS=f"http://127.0.0.1:{self.web_port}",
        )
        self.log = workdir / "make-run.log"
        with self.log.open("wb") as log:
            # ENV_FILE=/dev/null: a developer's .env must not change what is tested.
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "run", "ENV_FILE=/dev/null"],
                cwd=helpers.ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        urls = [
            f"{self.rasa_url}/webhooks/rest/",
            f"http://127.0.0.1:{self.actions_port}/health",
            f"http://127.0.0.1:{self.web_port}/health",
        ]
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if all(requests.get(url, timeout=2).ok for url in urls):
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or (Sanic workers) listening but still loading
            time.sleep(0.5)
        raise RuntimeError(f"make run not ready:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        """Like Ctrl-C: the whole process group gets the signal; run.sh stops the servers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeRun]:
    assert shutil.which("make")
    server = MakeRun(tmp_path_factory.mktemp("make-run"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_make_run_serves_the_webhook_but_not_the_api(make_run, seed):
    question, answer = seed[2]
    webhook = make_run.rasa_url + "/webhooks/rest/webhook"
    reply = requests.post(webhook, json={"sender": "make-run", "message": question}, timeout=60)
    assert reply.status_code == 200
    assert [m["text"] for m in reply.json()][0] == answer
    for method, url, body in api_requests(make_run.rasa_url, "make-run"):
        reply = requests.request(method, url, params={"token": "anything"}, json=body, timeout=30)
        assert reply.status_code in (404, 405), (method, url, reply.status_code)
    assert "Rasa HTTP API off" in make_run.log.read_text(errors="replace")


def test_make_run_caps_the_request_body(make_run):
    webhook = make_run.rasa_url + "/webhooks/rest/webhook"
    headers = {"Content-Type": "application/json"}
    over = b'{"sender": "make-run", "message": "' + b"x" * request_max_bytes() + b'"}'
    assert requests.post(webhook, data=over, headers=headers, timeout=60).status_code == 413


@pytest.mark.parametrize("token", [None, "", "s3cret token"])
def test_run_sh_turns_the_api_on_only_with_a_token(tmp_path, token):
    """scripts/run.sh with a stand-in python that records its arguments and exits."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(helpers.ROOT / "scripts" / "run.sh", tmp_path / "scripts" / "run.sh")
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    # It lingers a second, so that all three servers are recorded before run.sh,
    # seeing the first one exit, stops the others.
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$*" >> "$ARGS_LOG"\nsleep 1\n')
    fake.chmod(0o755)
    args_log = tmp_path / "args.log"
    env = {
        "PATH": os.environ["PATH"],
        "ARGS_LOG": str(args_log),
        **{name: str(free_port()) for name in ("RASA_PORT", "ACTIONS_PORT", "WEB_PORT")},
        **({"RASA_API_TOKEN": token} if token is not None else {}),
    }
    result = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "run.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (rasa_line,) = [line for line in args_log.read_text().splitlines() if "lean run" in line]
    if token:
        assert rasa_line.endswith(f"--enable-api --auth-token {token}")
    else:
        assert "--enable-api" not in rasa_line and "--auth-token" not in rasa_line
