"""The blind held-out sets (tests/blind/<code>.yml), asked of a running bot over REST.

Each set was written from an outline by someone who had seen neither the training
data nor the bot's failures (docs/quality.md, "Blind held-out sets"), one part per
class of question: plain paraphrases, unseen words, a statement then a question,
near-topic and wrong-fit questions (no FAQ answer fits), and conversations
(follow-ups, pronouns, corrections, inverse questions, yes/no checks, topic
switches). An item is right when the reply to its last message holds the expected
answer (in the set's language) or, for ``none``, holds no FAQ answer at all; it is
a wrong answer when the reply holds another question's answer.

`python -m tools.blind_eval` starts the bot like `make run` on loopback ports, asks
every set, and prints a table per language and class (`make eval` runs it).
tests/test_blind.py checks the figures the README quotes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

from bot import paths
from bot.languages import LANGUAGES
from bot.questions import load_all, questions_folder

NONE = "none"
BLIND = paths.ROOT / "tests" / "blind"
# Each round was written later than the one before, by writers who had not seen the
# bot's failures on it; each is scored on its own.
ROUNDS = {"round 1": BLIND, "round 2": BLIND / "round2"}
SINGLE_CLASSES = ("paraphrase", "unseen_words", "statement", "near_topic", "wrong_fit")
CONVERSATION_CLASSES = (
    "follow_up", "pronoun", "correction", "inverse", "yes_no", "topic_switch",
)  # fmt: skip


@dataclass(frozen=True)
class Item:
    language: str
    kind: str  # a class of SINGLE_CLASSES or CONVERSATION_CLASSES
    turns: tuple[str, ...]
    expected: str  # an FAQ intent, or NONE


@dataclass(frozen=True)
class Outcome:
    item: Item
    answered: str  # the FAQ intent whose answer the last reply holds, or NONE

    @property
    def right(self) -> bool:
        return self.answered == self.item.expected

    @property
    def wrong_answer(self) -> bool:
        return self.answered != NONE and self.answered != self.item.expected


def load_items(language: str, folder: Path = BLIND) -> list[Item]:
    data = yaml.safe_load((folder / f"{language}.yml").read_text(encoding="utf-8")) or {}
    items = [
        Item(language, entry["class"], (entry["text"],), entry["expected"])
        for entry in data.get("singles") or []
    ]
    items += [
        Item(language, entry["class"], tuple(entry["turns"]), entry["expected"])
        for entry in data.get("conversations") or []
    ]
    return items


def answers() -> dict[str, str]:
    """Every FAQ answer, in every language -> its intent."""
    questions, _ = load_all(questions_folder())
    return {localized.answer: q.intent for q in questions for localized in q.by_language.values()}


def asker(rasa_url: str) -> Callable[[Item], str]:
    """Asks an item's turns in a new conversation; the intent the last reply answers."""
    known = answers()

    def ask(item: Item) -> str:
        sender = f"blind-{uuid.uuid4().hex}"
        texts: list[str] = []
        for turn in item.turns:
            reply = requests.post(
                f"{rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": turn},
                timeout=60,
            )
            reply.raise_for_status()
            texts = [m.get("text") or "" for m in reply.json()]
        found = [known[t] for t in texts if t in known]
        return found[0] if found else NONE

    return ask


def evaluate(
    rasa_url: str, languages: tuple[str, ...] = LANGUAGES, folder: Path = BLIND
) -> list[Outcome]:
    ask = asker(rasa_url)
    return [
        Outcome(item, ask(item))
        for language in languages
        if (folder / f"{language}.yml").exists()
        for item in load_items(language, folder)
    ]


@dataclass(frozen=True)
class Figures:
    in_scope: float  # single in-scope questions answered right
    out_of_scope: float  # single questions with no FAQ answer given none
    conversations: float  # conversations right
    wrong_answers: int  # over everything

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> Figures:
        singles = [o for o in outcomes if len(o.item.turns) == 1]
        in_scope = [o for o in singles if o.item.expected != NONE]
        out = [o for o in singles if o.item.expected == NONE]
        talks = [o for o in outcomes if len(o.item.turns) > 1]
        share = lambda group: sum(o.right for o in group) / len(group) if group else 1.0  # noqa: E731
        return cls(share(in_scope), share(out), share(talks), sum(o.wrong_answer for o in outcomes))


def report(outcomes: list[Outcome]) -> list[str]:
    lines = [
        "| language | in scope right | no answer where none fits | conversations right"
        " | wrong FAQ answers |",
        "| --- | --- | --- | --- | --- |",
    ]
    by_language: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_language[outcome.item.language].append(outcome)
    for language, group in [*by_language.items(), ("all", outcomes)]:
        f = Figures.of(group)
        lines.append(
            f"| {language} | {f.in_scope:.3f} | {f.out_of_scope:.3f} | {f.conversations:.3f}"
            f" | {f.wrong_answers} |"
        )
    lines += [
        "",
        "| class | " + " | ".join(by_language) + " |",
        "| --- |" + " --- |" * len(by_language),
    ]
    for kind in (*SINGLE_CLASSES, *CONVERSATION_CLASSES):
        cells = []
        for group in by_language.values():
            items = [o for o in group if o.item.kind == kind]
            right = sum(o.right for o in items)
            wrong = sum(o.wrong_answer for o in items)
            cells.append(f"{right}/{len(items)}" + (f" ({wrong} wrong)" if wrong else ""))
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += ["", "Wrong FAQ answers:"]
    lines += [
        f"- [{o.item.language}/{o.item.kind}] {' → '.join(o.item.turns)!r}: expected"
        f" {o.item.expected}, got {o.answered}"
        for o in outcomes
        if o.wrong_answer
    ] or ["- none"]
    return lines


def main() -> int:
    from tools.support.processes import start_bot

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=paths.MODEL)
    parser.add_argument("--misses", action="store_true", help="also list every miss")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bot = start_bot(Path(tmp), model=args.model)
        try:
            rounds = {name: evaluate(bot.rasa.url, folder=f) for name, f in ROUNDS.items()}
        finally:
            bot.stop()
    lines = []
    for name, outcomes in rounds.items():
        lines += [f"## Blind held-out sets, {name} ({ROUNDS[name].relative_to(paths.ROOT)})", ""]
        lines += [*report(outcomes), ""]
        if args.misses:
            lines += ["Misses:"]
            lines += [
                f"- [{o.item.language}/{o.item.kind}] {' → '.join(o.item.turns)!r}:"
                f" expected {o.item.expected}, got {o.answered}"
                for o in outcomes
                if not o.right and not o.wrong_answer
            ]
            lines.append("")
    total = sum(Figures.of(outcomes).wrong_answers for outcomes in rounds.values())
    lines.append(f"Wrong FAQ answers across all blind sets: {total}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
