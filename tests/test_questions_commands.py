"""The content owner's commands: `make question` writes a new question's file with
a placeholder for everything to fill in, in every language; `make import-questions`
adds the new questions of a file in the seed's format and leaves the others alone;
and the importer derives everything Rasa needs from the question files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from rasa.shared.core.training_data.structures import RuleStep

from bot import paths
from bot.importer import ANSWER_ACTION, FaqImporter, guard_settings, training_examples
from bot.questions import load_all
from tests import helpers
from tools.content_check import MIN_PARAPHRASES, check


def copy_content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(helpers.CONTENT_DIR, folder, ignore=shutil.ignore_patterns("source"))
    return folder


def command(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.questions", *args],
        cwd=paths.ROOT,
        env={**os.environ, "FAQ_CONTENT_DIR": str(folder)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_new_question_gets_a_file_with_a_placeholder_for_every_language(tmp_path):
    folder = copy_content(tmp_path)
    made = command(folder, "new", "visa_for_korea")
    path = folder / "questions" / "visa_for_korea.yml"
    assert made.returncode == 0, made.stderr
    assert made.stdout == (f"Created {path}: fill in every TODO, then run `make check-content`.\n")
    found = [str(p).split(": ", 2)[-1] for p in check(folder)]
    expected = ["facets: the topic (or another facet) is still a placeholder"]
    for code, name in (("en", "English"), ("ru", "Russian"), ("kk", "Kazakh"), ("ko", "Korean")):
        expected += [
            f"{code}.title ({name}) is still a placeholder",
            f"{code}.answer ({name}) is still a placeholder",
            f"{code}.paraphrases: 0 in {name}; at least {MIN_PARAPHRASES} are needed for the"
            " bot to recognise the question (docs/paraphrases.md)",
            f"{code}.held_out: no held-out lines in {name}; write a few ways of asking that"
            " are not among the paraphrases (they measure the bot)",
        ]
    assert sorted(found) == sorted(expected)
    again = command(folder, "new", "visa_for_korea")
    assert (again.returncode, again.stderr) == (1, f"{path} already exists: edit it instead.\n")
    refused = command(folder, "new", "Visa For Korea")
    assert refused.returncode == 2 and "lower-case letters, digits and _" in refused.stderr


def test_importing_adds_only_the_new_questions_and_leaves_the_others_alone(tmp_path):
    folder = copy_content(tmp_path)
    before = {p.name: p.read_bytes() for p in (folder / "questions").glob("*.yml")}
    seed_question, seed_answer = helpers.load_seed()[2]
    source = tmp_path / "more.txt"
    source.write_text(
        "Do Kazakhs need a visa for Korea?\n\nThey may visit for 30 days without one.\n\n"
        f"{seed_question}\n\n{seed_answer}\n\n"
        "What is the capital of Kazakhstan?\n\nAstana.\n",
        encoding="utf-8",
    )
    imported = command(folder, "import", str(source))
    assert imported.returncode == 0, imported.stderr
    after = {p.name: p.read_bytes() for p in (folder / "questions").glob("*.yml")}
    new = sorted(set(after) - set(before))
    assert new == ["capital_kazakhstan.yml", "kazakhs_need_visa_korea.yml"]
    assert {name: after[name] for name in before} == before  # untouched, byte for byte
    assert f"'{seed_question}' is already there" in imported.stdout
    questions, _ = load_all(folder / "questions")
    (visa,) = [q for q in questions if q.id == "kazakhs_need_visa_korea"]
    assert visa.by_language["en"].title == "Do Kazakhs need a visa for Korea?"
    assert visa.by_language["en"].answer == "They may visit for 30 days without one."
    assert visa.order == len(before) + 1
    assert "ru.answer (Russian) is still a placeholder" in [
        str(p).split(": ", 2)[-1] for p in check(folder) if p.path.stem == visa.id
    ]
    twice = command(folder, "import", str(source))
    assert "No new questions." in twice.stdout


def test_a_question_with_no_answer_in_the_imported_file_is_named_by_its_line(tmp_path):
    folder = copy_content(tmp_path)
    source = tmp_path / "odd.txt"
    source.write_text("Q1?\n\nA1.\n\nQ2 without an answer?\n", encoding="utf-8")
    refused = command(folder, "import", str(source))
    assert refused.returncode == 1
    assert refused.stderr == (
        f"{source}: line 5: the question 'Q2 without an answer?' has no answer after it\n"
    )


def test_the_importer_derives_intents_rules_examples_and_guard_settings():
    questions = helpers.questions()
    importer = FaqImporter(str(paths.CONFIG), str(paths.DOMAIN), [str(paths.ROOT / "data")])
    domain = importer.get_domain()
    assert {q.intent for q in questions} <= set(domain.intents)
    listed = helpers.load_yaml(paths.DOMAIN)["intents"]
    assert not [i for i in listed if str(i).startswith("faq_")]  # declared in one place only
    answered = {
        intent
        for step in importer.get_stories().story_steps
        if isinstance(step, RuleStep)
        for intent in [getattr(e, "intent_name", None) for e in step.events]
        if intent and ANSWER_ACTION in [getattr(e, "action_name", None) for e in step.events]
    }
    assert answered >= {q.intent for q in questions}
    guard = next(c for c in importer.get_config()["pipeline"] if c["name"].endswith("SubjectGuard"))
    settings = guard_settings(questions)
    assert {k: guard[k] for k in settings} == settings
    assert guard["requires"]["faq_why_koreans_in_kyrgyzstan"] == ["korea", "kyrgyzstan"]
    assert guard["facets"]["faq_why_koreans_in_kyrgyzstan"] == {"country": "kyrgyzstan"}
    assert "language" in guard["excludes"]["faq_why_koreans_in_kyrgyzstan"]
    trained = {(m.get("text"), m.get("intent")) for m in importer.get_nlu_data().intent_examples}
    assert {(m.get("text"), m.get("intent")) for m in training_examples(questions)} <= trained
    held_out = {
        (line.text, q.intent)
        for q in questions
        for localized in q.by_language.values()
        for line in localized.held_out
    }
    assert held_out and not held_out & trained  # never trained on
