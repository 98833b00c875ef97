"""One place per fact: each question's file holds its seed answer and its
translations, each text is in every language, and nothing else repeats them. A
broken edit is refused with its place, and never silences the running bot."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from bot import paths
from bot.content import TEXT_FIELDS, Content, ContentError, ContentStore
from bot.importer import all_training_data
from bot.languages import LANGUAGES
from tests import helpers
from tools.evaluate import NO_ANSWER, holdout, load_follow_ups
from tools.similarity import near_duplicate
from tools.support.processes import start_bot


def test_the_questions_are_the_seed_word_for_word_and_in_order(seed):
    content = Content.load(helpers.CONTENT_DIR).language("en")
    assert [(e.question, e.answer) for e in content.entries] == seed


def test_every_text_is_in_every_language_and_the_translations_differ():
    """Each title, answer and text has every language, none blank, and no
    translation is the English text left in place."""
    data = helpers.texts()
    texts = [
        (q.id, [getattr(q.by_language[code], field) for code in LANGUAGES])
        for q in helpers.questions()
        for field in ("title", "answer")
    ]
    assert set(data["texts"]) == set(TEXT_FIELDS)
    for name, localized in data["texts"].items():
        assert set(localized) == set(LANGUAGES), name
        texts.append((name, list(localized.values())))
    for name, values in texts:
        assert all(isinstance(v, str) and v.strip() for v in values), name
        assert len(set(values)) == len(LANGUAGES), name


def test_the_content_has_every_question_in_every_language_and_english_for_others():
    content = Content.load(helpers.CONTENT_DIR)
    questions = helpers.questions()
    for language in LANGUAGES:
        entries = content.language(language).entries
        assert [e.intent for e in entries] == [q.intent for q in questions]
        assert [e.question for e in entries] == [q.by_language[language].title for q in questions]
    assert content.language("de") is content.language("en")  # not spoken: English


def copy_content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(helpers.CONTENT_DIR, folder, ignore=shutil.ignore_patterns("source"))
    return folder


def texts_with(edit: Any) -> dict[str, Any]:
    data = helpers.texts()
    edit(data)
    return data


def set_text(name: str, language: str, value: Any) -> Any:
    return lambda data: data["texts"][name].__setitem__(language, value)


# Valid YAML of the wrong shape in content/texts.yml, as a content owner might
# write it, and what the refusal says (the question files' own: test_content_check.py).
WRONG_SHAPES = {
    "texts as a list": (
        lambda data: data.__setitem__("texts", list(data["texts"].values())),
        "texts must be a mapping, not a list",
    ),
    "a text missing a language": (
        lambda data: data["texts"]["greet"].pop("ko"),
        "texts.greet must give exactly en, ru, kk, ko",
    ),
    "a text's translation as a list": (
        set_text("greet", "ru", ["Привет!"]),
        "texts.greet.ru must be a non-empty string, not a list",
    ),
    "a text as true": (
        set_text("thanks", "kk", True),
        "texts.thanks.kk must be a non-empty string, not true or false",
    ),
    "the limit's placeholder misspelt": (
        set_text("message_too_long", "ko", "{max_char}자까지만 읽을 수 있어요."),
        "texts.message_too_long.ko may name only {max_chars} in braces (KeyError: 'max_char')",
    ),
    "an unknown text": (
        lambda data: data["texts"].__setitem__("welcome", {"en": "Hi"}),
        "texts has unknown entries: ['welcome']",
    ),
    "unsupported_language as a mapping": (
        lambda data: data.__setitem__("unsupported_language", {"en": "Sorry."}),
        "unsupported_language must be a non-empty string, not a mapping",
    ),
}


@pytest.mark.parametrize(("edit", "problem"), WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_texts_of_the_wrong_shape_are_refused_and_the_refusal_names_the_place(
    tmp_path, edit, problem
):
    folder = copy_content(tmp_path)
    (folder / "texts.yml").write_text(dump(texts_with(edit)), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        Content.load(folder)
    assert str(refused.value) == f"{folder / 'texts.yml'}: {problem}"


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        (
            b"texts: [oops",
            "not valid YAML: line 1, column 13: expected ',' or ']', but got '<stream end>'",
        ),
        (
            b"\xff\xfetexts: []",
            "cannot read it: 'utf-8' codec can't decode byte 0xff in position 0: "
            "invalid start byte",
        ),
        (b"", "the texts file has no 'texts'"),
    ],
)
def test_a_texts_file_that_is_not_content_is_refused_in_one_line(tmp_path, written, problem):
    folder = copy_content(tmp_path)
    (folder / "texts.yml").write_bytes(written)
    with pytest.raises(ContentError) as refused:
        Content.load(folder)
    assert str(refused.value) == f"{folder / 'texts.yml'}: {problem}"


def test_a_broken_question_file_is_refused_with_its_file_and_line(tmp_path):
    folder = copy_content(tmp_path)
    question = folder / "questions" / "kazakhs_in_korea.yml"
    question.write_text(question.read_text(encoding="utf-8").replace("  answer:", "  answr:", 1))
    with pytest.raises(ContentError) as refused:
        Content.load(folder)
    line = next(n for n, text in enumerate(question.read_text().splitlines(), 1) if "answr" in text)
    assert str(refused.value).startswith(
        f"{question}:{line}: kazakhs_in_korea: unknown field en.answr"
    )


def write(path: Path, text: str, edit: int) -> None:
    """Write an edit, with a later modification time than the one before."""
    path.write_text(text, encoding="utf-8")
    stamp = time.time_ns() + edit * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


KEEPING = "Keeping the last good content until it is fixed."


def test_the_store_keeps_the_last_good_content_and_reports_each_broken_edit_once(tmp_path, caplog):
    folder = copy_content(tmp_path)
    path = folder / "texts.yml"
    data = helpers.texts()
    store = ContentStore(folder)
    good = store.get()
    broken = [
        (dump(list(data["texts"])), f"{path}: the top level must be a mapping, not a list"),
        (
            dump(texts_with(set_text("greet", "ru", []))),
            f"{path}: texts.greet.ru must be a non-empty string, not a list",
        ),
        (
            "texts: [oops",
            f"{path}: not valid YAML: line 1, column 13: expected ',' or ']', but got"
            " '<stream end>'",
        ),
    ]
    caplog.set_level(logging.INFO, logger="bot.content")
    for edit, (text, _) in enumerate(broken, 1):
        write(path, text, edit)
        assert store.get() is good
        assert store.get() is good  # the same broken file: not read, not reported again
    path.unlink()
    assert store.get() is good and store.get() is good
    write(path, dump(data), len(broken) + 1)
    question = folder / "questions" / "kazakhs_in_korea.yml"
    answer = helpers.answers_by_intent()["faq_kazakhs_in_korea"]
    write(question, question.read_text().replace(answer, "An edited answer."), len(broken) + 2)
    assert store.get().language("en").answer_for("faq_kazakhs_in_korea") == "An edited answer."

    reported = [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records]
    missing = f"{path}: cannot read it: [Errno 2] No such file or directory: '{path}'"
    assert reported == [
        *[("ERROR", f"Content in {folder} is broken: {p}. {KEEPING}", None) for _, p in broken],
        ("ERROR", f"Content in {folder} is broken: {missing}. {KEEPING}", None),
        ("INFO", f"Content in {folder} is valid again: serving it.", None),
    ]


def test_a_broken_content_edit_keeps_the_running_bot_answering(tmp_path):
    """The action server of a real bot serves a copy of the content folder: two
    edits of the wrong shape keep the last good answers, with one ERROR line
    each in its log, and a valid edit is served at once."""
    folder = copy_content(tmp_path)
    copy = folder / "questions" / "kazakhs_in_korea.yml"
    original = copy.read_text(encoding="utf-8")
    assert paths.ROOT / str(folder) == folder  # an absolute FAQ_CONTENT_DIR is used as it is
    question, answer = helpers.seed_by_intent()["faq_kazakhs_in_korea"]
    bot = start_bot(tmp_path, extra_env={"FAQ_CONTENT_DIR": str(folder)})
    try:

        def ask() -> list[str | None]:
            reply = requests.post(
                bot.rasa.url + "/webhooks/rest/webhook",
                json={"sender": uuid.uuid4().hex, "message": question},
                timeout=60,
            )
            assert reply.status_code == 200, reply.text
            return [message.get("text") for message in reply.json()]

        def errors() -> list[str]:
            log = bot.actions.log.read_text(encoding="utf-8", errors="replace")
            return [line for line in log.splitlines() if re.search(r"\bERROR\b", line)]

        assert ask() == [answer]
        broken = [
            ("- a list", f"{copy}:1: kazakhs_in_korea: a question file is a mapping of"),
            (original.replace("order: 3", "order: three"), f"{copy}:1: kazakhs_in_korea: order"),
        ]
        for edit, (text, problem) in enumerate(broken, 1):
            write(copy, text, edit)
            assert ask() == [answer]
            assert ask() == [answer]
            assert len(errors()) == edit
            assert f"Content in {folder} is broken: {problem}" in errors()[-1]
            assert errors()[-1].endswith(KEEPING)
        edited = "An edited answer, served without a restart."
        write(copy, original.replace(answer, edited), len(broken) + 1)
        assert ask() == ["An edited answer, served without a restart."]
        assert len(errors()) == len(broken)
        assert "Traceback" not in bot.actions.log.read_text(encoding="utf-8", errors="replace")
    finally:
        bot.stop()


def test_training_checks_the_content_first():
    """`make train` runs the content check before `rasa train` (a dry run, -n,
    as if config.yml had changed: nothing is trained)."""
    run = subprocess.run(
        ["make", "-n", "-W", "config.yml", "models/faq.tar.gz"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    commands = run.stdout.splitlines()
    check = commands.index(".venv/bin/python -m tools.content_check")
    assert commands[check + 1] == ".venv/bin/rasa train --fixed-model-name faq --out models"


def test_each_answer_text_exists_once_in_the_repo(seed):
    """Once in its question's file, which the bot reads; the English one besides
    that only in the user's own seed document (content/source/), kept unchanged."""
    files = helpers.repo_files()
    texts = {p: p.read_text(encoding="utf-8", errors="ignore") for p in files}
    for q in helpers.questions():
        assert q.path in files
        for language in LANGUAGES:
            answer = q.by_language[language].answer
            places = [p for p, text in texts.items() if answer in text]
            expected = [q.path, helpers.SEED_FILE] if language == "en" else [q.path]
            assert sorted(places) == sorted(expected), answer[:40]
            assert texts[q.path].count(answer) == 1


@pytest.fixture(scope="module")
def training() -> dict[str, list[str]]:
    """Every training example Rasa sees, per intent (data/*.yml and the questions)."""
    examples: dict[str, list[str]] = {}
    for message in all_training_data().intent_examples:
        examples.setdefault(message.get("intent"), []).append(message.get("text"))
    return examples


@pytest.fixture(scope="module")
def by_language() -> dict[str, dict[str, list[str]]]:
    """The non-question training examples per language, per intent (data/nlu*.yml)."""
    return {code: helpers.nlu_examples(path) for code, path in paths.NLU_BY_LANGUAGE.items()}


# Per language: out-of-scope examples (at least 40 for each language).
OUT_OF_SCOPE_MINIMUM = {"en": 80, "ru": 40, "kk": 40, "ko": 40}
CHIT_CHAT = ("greet", "goodbye", "thanks", "help", "bot_challenge")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_out_of_scope_and_chit_chat_examples(by_language, language):
    examples = by_language[language]
    assert len(examples["out_of_scope"]) >= OUT_OF_SCOPE_MINIMUM[language]
    for intent in CHIT_CHAT:
        assert len(examples[intent]) >= 5, intent
    assert not [intent for intent in examples if intent.startswith("faq_")]  # one place


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_title_is_a_paraphrase_of_its_question(language):
    """The questions on the buttons, in each language, are examples of their intent."""
    for q in helpers.questions():
        localized = q.by_language[language]
        assert localized.title in [line.text for line in localized.paraphrases], q.id


def test_no_example_is_repeated_or_under_two_intents(training):
    seen: dict[str, str] = {}
    for intent, examples in training.items():
        for example in examples:
            key = helpers.normalise(example)
            assert key not in seen, f"{example!r} in {intent} and {seen[key]}"
            seen[key] = intent


# Per language: held-out out-of-scope questions (the questions' own: their files,
# which the content check requires).
HOLDOUT_OUT_OF_SCOPE_MINIMUM = {"en": 40, "ru": 30, "kk": 30, "ko": 30}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_question_and_out_of_scope_have_held_out_lines(language):
    held = {}
    for text, intent in holdout(language):
        held.setdefault(intent, []).append(text)
    assert set(held) == set(helpers.faq_intents()) | {"out_of_scope"}
    assert len(held["out_of_scope"]) >= HOLDOUT_OUT_OF_SCOPE_MINIMUM[language]


@pytest.fixture(scope="module")
def follow_ups():
    return load_follow_ups(helpers.FOLLOWUPS_FILE)


def test_follow_up_holdout_size_and_answers(follow_ups):
    expected = [pair.expected for pair in follow_ups]
    assert len(follow_ups) >= 40
    assert expected.count(NO_ANSWER) >= 12
    assert set(expected) <= set(helpers.faq_intents()) | {NO_ANSWER}
    # Every question that shares its topic with another can be reached by leaning.
    shared = [q for q in helpers.questions() if helpers.same_topic(q)]
    assert {q.intent for q in shared} <= set(expected)


def test_follow_up_holdout_has_no_near_duplicate_of_training_data(training, follow_ups):
    trained = [example for examples in training.values() for example in examples]
    leaked = [
        (pair.follow_up, twin)
        for pair in follow_ups
        for twin in trained
        if near_duplicate(pair.follow_up, twin)
    ]
    assert leaked == []


def test_holdout_has_no_near_duplicate_of_training_data(training):
    """A held-out line may not be a training line reworded by order or by a word
    or two (same words, or word Jaccard >= 0.8): to a bag-of-words pipeline
    that is a training point, and the held-out figures would flatter the model."""
    trained = [example for examples in training.values() for example in examples]
    held = [text for language in LANGUAGES for text, _ in holdout(language)]
    leaked = [(text, twin) for text in held for twin in trained if near_duplicate(text, twin)]
    assert leaked == []


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("is korean related to kazakh", "is kazakh related to korean", True),  # word order
        ("who are south korea's main allies", "who are south korea's allies", True),  # 5/6
        ("Why do Koreans live in Kazakhstan?", "why do koreans live in kazakhstan", True),
        ("is korean related to kazakh", "is there any kinship between korean and kazakh", False),
    ],
)
def test_the_near_duplicate_rule(a, b, expected):
    assert near_duplicate(a, b) is expected
