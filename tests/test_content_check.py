"""The content check (`make check-content`, tools/content_check.py) names, for each
question, exactly what is missing or wrong, with its file and line, and never
with a stack trace; the real content passes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import paths
from tests import helpers
from tools.content_check import MIN_PARAPHRASES, check


def copy_content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(helpers.CONTENT_DIR, folder, ignore=shutil.ignore_patterns("source"))
    return folder


def run_check(folder: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.content_check"],
        cwd=paths.ROOT,
        env={**os.environ, "FAQ_CONTENT_DIR": str(folder)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def edit(folder: Path, question: str, old: str, new: str) -> Path:
    path = folder / "questions" / f"{question}.yml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` that contains ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def paraphrase(intent: str, n: int) -> str:
    """The n-th English paraphrase of a question."""
    (question,) = [q for q in helpers.questions() if q.intent == intent]
    return question.by_language["en"].paraphrases[n].text


def problems(folder: Path) -> list[str]:
    return [str(p) for p in check(folder)]


def test_the_real_content_passes_the_check():
    run = run_check("content")
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == (
        f"Content in {helpers.CONTENT_DIR}: {len(helpers.questions())} questions, each in"
        f" en, ru, kk, ko, with at least {MIN_PARAPHRASES} paraphrases per language:"
        " no problems.\n"
    )


def test_a_missing_translation_is_named_with_its_file_and_line(tmp_path):
    folder = copy_content(tmp_path)
    answer = helpers.answers_by_intent("ru")["faq_kazakhs_in_korea"]
    path = edit(folder, "kazakhs_in_korea", f'  answer: "{answer}"\n', "")
    assert problems(folder) == [
        f"{path}:{line_of(path, 'ru:')}: kazakhs_in_korea: ru.answer (Russian) is missing"
    ]


def test_a_placeholder_is_named_as_a_placeholder(tmp_path):
    folder = copy_content(tmp_path)
    title = helpers.questions_by_intent("kk")["faq_south_korea_allies"]
    path = edit(folder, "south_korea_allies", f'title: "{title}"', 'title: "TODO: in Kazakh"')
    line = line_of(path, "TODO: in Kazakh")
    assert problems(folder) == [
        f"{path}:{line}: south_korea_allies: kk.title (Kazakh) is still a placeholder"
    ]


def test_too_few_paraphrases_and_no_held_out_lines_are_named_per_language(tmp_path):
    folder = copy_content(tmp_path)
    path = folder / "questions" / "north_korea_enemy.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("kk:")
    block = lines.index("  paraphrases: |", start)
    end = lines.index("  held_out: |", block)
    kept = lines[: block + 1 + 5] + lines[end:]  # five Kazakh paraphrases
    ko = kept.index("ko:")
    held = kept.index("  held_out: |", ko)
    kept = kept[:held]  # no Korean held-out lines (the last block of the file)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert problems(folder) == [
        f"{path}:{block + 1}: north_korea_enemy: kk.paraphrases: 5 in Kazakh; at least"
        f" {MIN_PARAPHRASES} are needed for the bot to recognise the question"
        " (docs/paraphrases.md)",
        f"{path}:{ko + 1}: north_korea_enemy: ko.held_out: no held-out lines in Korean; write"
        " a few ways of asking that are not among the paraphrases (they measure the bot)",
    ]


def test_a_paraphrase_of_another_question_is_named_in_both_files(tmp_path):
    folder = copy_content(tmp_path)
    taken = paraphrase("faq_why_koreans_in_kazakhstan", 5)
    mine = taken.upper()
    path = edit(
        folder, "kazakhs_in_korea", "  paraphrases: |\n", f"  paraphrases: |\n    - {mine}\n"
    )
    other = folder / "questions" / "why_koreans_in_kazakhstan.yml"
    found = problems(folder)
    assert found == [
        f"{path}:{line_of(path, mine)}: kazakhs_in_korea: en paraphrase '{mine}' is a"
        f" near-duplicate of why_koreans_in_kazakhstan's '{taken}'"
        f" (why_koreans_in_kazakhstan.yml:{line_of(other, taken)}): keep it in one question only",
        f"{other}:{line_of(other, taken)}: why_koreans_in_kazakhstan: en paraphrase '{taken}' is"
        f" a near-duplicate of kazakhs_in_korea's '{mine}'"
        f" (kazakhs_in_korea.yml:{line_of(path, mine)}): keep it in one question only",
    ]


def test_a_paraphrase_that_differs_by_a_facet_word_is_no_duplicate(tmp_path):
    """ "Who is enemy of Korea?" (the North's, as the seed has it) and "Who is enemy
    of South Korea?" are told apart by "south": both stay."""
    assert problems(copy_content(tmp_path)) == []
    assert "Who is enemy of Korea?" in helpers.questions_by_intent().values()


def test_a_held_out_line_that_repeats_a_paraphrase_is_named_as_a_leak(tmp_path):
    folder = copy_content(tmp_path)
    path = edit(
        folder,
        "south_korea_friends",
        "  held_out: |\n",
        f"  held_out: |\n    - {paraphrase('faq_south_korea_friends', 3).upper()}\n",
    )
    leaked = paraphrase("faq_south_korea_friends", 3)
    found = problems(folder)
    assert len(found) == 1
    assert found[0].startswith(
        f"{path}:{line_of(path, leaked.upper())}: south_korea_friends: en held-out line"
        f" {leaked.upper()!r} is a near-duplicate of the paraphrase {leaked!r}"
    )
    assert found[0].endswith("a held-out line must be new to the bot")


def test_a_paraphrase_repeated_within_its_question_is_named(tmp_path):
    folder = copy_content(tmp_path)
    first = paraphrase("faq_south_korea_friends", 3)
    path = edit(
        folder,
        "south_korea_friends",
        "  held_out: |\n",
        f"    - {first.upper()}!\n  held_out: |\n",
    )
    found = problems(folder)
    assert found == [
        f"{path}:{line_of(path, first.upper())}: south_korea_friends: en paraphrase"
        f" {first.upper() + '!'!r} repeats line {line_of(path, first)}: remove one"
    ]


def test_a_paraphrase_its_own_guard_would_refuse_is_named(tmp_path):
    folder = copy_content(tmp_path)
    path = edit(
        folder,
        "why_koreans_in_kazakhstan",
        "  paraphrases: |\n",
        "  paraphrases: |\n    - why did they move there\n",
    )
    assert problems(folder) == [
        f"{path}:{line_of(path, 'why did they move there')}: why_koreans_in_kazakhstan: en"
        " paraphrase 'why did they move there' names no korea, kazakhstan: the question's"
        " guard (requires: korea, kazakhstan; facets: {'country': 'kazakhstan'}) would refuse"
        " it. Reword it, or add the missing word to data/concepts.yml"
    ]


def test_questions_a_follow_up_cannot_tell_apart_are_named(tmp_path):
    folder = copy_content(tmp_path)
    path = edit(folder, "why_koreans_in_kyrgyzstan", "country: kyrgyzstan", "country: kazakhstan")
    other = folder / "questions" / "why_koreans_in_kazakhstan.yml"
    facets = "{'country': 'kazakhstan', 'topic': 'koreans_in_central_asia'}"
    assert [p for p in problems(folder) if "cannot be told" in p] == [
        f"{other}:{line_of(other, 'facets:')}: why_koreans_in_kazakhstan: facets {facets}"
        f" cannot be told from why_koreans_in_kyrgyzstan's {facets} by a follow-up: give each"
        " a value of its own (a country, side, relation or aspect)",
        f"{path}:{line_of(path, 'facets:')}: why_koreans_in_kyrgyzstan: facets {facets}"
        f" cannot be told from why_koreans_in_kazakhstan's {facets} by a follow-up: give each"
        " a value of its own (a country, side, relation or aspect)",
    ]


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        (
            "order: [1\n",
            "2: broken: not valid YAML: line 2, column 1: expected ',' or ']', but got"
            " '<stream end>'",
        ),
        ("- a list\n", "1: broken: a question file is a mapping of order, facets, requires,"),
        ("order: 1\nfacets: {topic: x}\nanswer: hi\n", "3: broken: unknown field 'answer'"),
    ],
)
def test_a_broken_file_is_refused_in_one_line_without_a_stack_trace(tmp_path, written, problem):
    folder = copy_content(tmp_path)
    broken = folder / "questions" / "broken.yml"
    broken.write_text(written, encoding="utf-8")
    run = run_check(folder)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert f"\n{broken}:{problem}" in "\n" + run.stdout
    assert run.stderr.endswith("fix them and run `make check-content` again.\n")


def test_a_concept_no_word_list_has_is_named(tmp_path):
    folder = copy_content(tmp_path)
    path = edit(folder, "kazakhs_in_korea", "excludes: [", "excludes: [visas, ")
    (found,) = problems(folder)
    assert found.startswith(
        f"{path}:{line_of(path, 'excludes:')}: kazakhs_in_korea: excludes names 'visas':"
        " no such concept (data/concepts*.yml has"
    )
