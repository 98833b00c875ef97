"""The proof that a content owner can grow the FAQ: in a copy of the repository, a
tenth question is added by the README's path only (`make question`, then writing
its one file: tests/fixtures/why_koreans_in_uzbekistan.yml is what the owner
writes), `make train` trains it, and the bot answers it over REST in every
language, reaches it by a follow-up, and still gives the seed answers."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from bot.languages import LANGUAGES
from bot.questions import load
from tests import helpers
from tools.support.processes import start_bot

QUESTION_ID = "why_koreans_in_uzbekistan"
FIXTURE = helpers.ROOT / "tests" / "fixtures" / f"{QUESTION_ID}.yml"
# The owner's edit may touch the question's own file only (issue: at most 2).
MAX_FILES_TOUCHED = 2


def run(args: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The repository's files (modification times kept, so make sees the installed
    venv and the built spaCy pipeline, shared by link, as up to date) in a git
    repository of their own, to count what the addition touches."""
    root = tmp_path_factory.mktemp("repo") / "p"
    for path in helpers.repo_files():
        target = root / path.relative_to(helpers.ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    (root / ".venv").symlink_to(helpers.ROOT / ".venv")
    (root / "build").symlink_to(helpers.ROOT / "build")
    for git in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "before"]):
        run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *git], root)
    return root


@pytest.fixture(scope="module")
def added(copy) -> list[str]:
    """Add the question as the README says, train, and return the files touched."""
    made = run(["make", "question", f"ID={QUESTION_ID}"], copy)
    path = copy / "content" / "questions" / f"{QUESTION_ID}.yml"
    assert f"Created {path}" in made.stdout
    scaffold, _ = load(path)
    assert scaffold is None or scaffold.by_language["en"].title.startswith("TODO")
    path.write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")  # the owner's edit
    run(["make", "check-content"], copy)
    run(["make", "train"], copy)
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], copy).stdout
    return sorted(line[3:] for line in status.splitlines())


@pytest.fixture(scope="module")
def bot(copy, added, tmp_path_factory):
    bot = start_bot(
        tmp_path_factory.mktemp("bot"),
        model=copy / "models" / "faq.tar.gz",
        extra_env={"FAQ_CONTENT_DIR": str(copy / "content")},
    )
    yield bot
    bot.stop()


def ask(bot, *messages: str) -> list[str]:
    """The texts of the last reply of one conversation."""
    sender = uuid.uuid4().hex
    texts: list[str] = []
    for message in messages:
        reply = requests.post(
            bot.rasa.url + "/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        texts = [m.get("text") for m in reply.json() if m.get("text")]
    return texts


def test_adding_a_question_touches_only_its_own_file(added):
    print(f"files touched by adding a question: {len(added)}: {added}")
    assert added == [f"content/questions/{QUESTION_ID}.yml"]
    assert len(added) <= MAX_FILES_TOUCHED


def test_the_new_question_is_answered_in_every_language(bot):
    fixture, problems = load(FIXTURE)
    assert problems == []
    for language in LANGUAGES:
        localized = fixture.by_language[language]
        assert ask(bot, localized.title)[:1] == [localized.answer], language


def test_a_follow_up_reaches_the_new_question(bot):
    fixture, _ = load(FIXTURE)
    answer = fixture.by_language["en"].answer
    assert ask(bot, "Why are there Koreans in Kyrgyzstan?", "and in Uzbekistan?")[:1] == [answer]
    kazakhstan = helpers.answers_by_intent()["faq_why_koreans_in_kazakhstan"]
    asked = ask(bot, fixture.by_language["en"].title, "what about kazakhstan?")
    assert asked[:1] == [kazakhstan]


def test_the_seed_answers_are_unchanged(bot, seed):
    for question, answer in seed:
        assert ask(bot, question)[:1] == [answer], question
