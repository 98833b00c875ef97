"""`make shell` in a pseudo-terminal: a developer asks a seed question, picks a
follow-up question from the button menu, then types again."""

from __future__ import annotations

import pexpect

from tests import helpers
from tools.support.processes import free_port, server_env


def make_shell(tmp_path, action_endpoint_port: int | None = None) -> pexpect.spawn:
    """`make shell`; Rasa calls the action server on ``action_endpoint_port``
    (by default the one `make shell` starts)."""
    port = free_port()
    env = server_env(
        ACTIONS_PORT=str(port),
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_endpoint_port or port}/webhook",
        TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'shell.db'}",
        TERM="dumb",
    )
    env.pop("MAKEFLAGS", None)
    shell = pexpect.spawn(
        "make", ["--no-print-directory", "shell"],
        cwd=helpers.ROOT, env=env, encoding="utf-8", timeout=180, dimensions=(50, 500),
    )  # fmt: skip
    shell.logfile_read = (tmp_path / "shell.log").open("w")
    return shell


def test_make_shell_has_the_bots_rasa_changes(tmp_path, domain):
    """The shell starts Rasa through the launcher, so it gets patches/: with no
    action server to reach, it says "temporarily unavailable", as `make run` does."""
    shell = make_shell(tmp_path, action_endpoint_port=free_port())  # nothing listens there
    try:
        shell.expect("Your input ->")
        shell.sendline("how many kazakhs live in korea?")
        shell.expect_exact(helpers.text("temporarily_unavailable"))
        shell.expect("Your input ->")
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        shell.close(force=True)


def test_make_shell_answers_a_seed_question(tmp_path, seed):
    shell = make_shell(tmp_path)
    try:
        question, answer = helpers.seed_by_intent()["faq_south_korea_enemy"]
        shell.expect("Your input ->")
        shell.sendline(question)
        shell.expect_exact(answer, timeout=60)
        # The follow-up buttons become a menu; Enter picks the first one.
        follow_up = helpers.related_by_intent()["faq_south_korea_enemy"][0]
        shell.expect_exact("Type out your own message...")
        shell.send("\r")
        shell.expect_exact(helpers.answers_by_intent()[follow_up], timeout=60)
        # Up from the first choice wraps to "Type out your own message...".
        shell.expect_exact("Type out your own message...")
        shell.send("\x1b[A")
        shell.send("\r")
        shell.expect("Your input ->")
        # A typed follow-up leans on the question just answered (North Korea's enemy).
        shell.sendline("the South's, then?")
        shell.expect_exact(helpers.answers_by_intent()["faq_south_korea_enemy"], timeout=60)
        shell.expect_exact("Type out your own message...")
        shell.send("\x1b[A")
        shell.send("\r")
        shell.expect("Your input ->")
        # The shell sends no language hint: a Korean question gets the Korean answer.
        shell.sendline("카자흐스탄에서 한국어를 아직도 쓰나요?")
        korean = helpers.answers_by_intent("ko")["faq_korean_spoken_in_kazakhstan"]
        shell.expect_exact(korean, timeout=60)
        shell.expect_exact("Type out your own message...")
        shell.send("\x1b[A")
        shell.send("\r")
        shell.expect("Your input ->")
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        shell.close(force=True)
    assert shell.exitstatus == 0, (tmp_path / "shell.log").read_text()
