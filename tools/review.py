"""`make review`: the questions the bot could not answer, for the content owner.

Reads the unanswered-question log (actions/unanswered.py): every fallback,
"did you mean", "None of these" and low-confidence answer. Similar questions
are grouped (word or character-trigram similarity of their topic words,
tools/similarity.py), each
group with its count, kinds, channels and the intent the bot leaned to; the
group seen most recently comes first. Add a group's questions as paraphrases of
the right intent in data/nlu.yml, or as out_of_scope examples.

Everything the report shows from the log (texts, channels, kinds, intents) is
what someone typed or sent, so it is shown through bot/printable.py's
``escape``: a newline, a terminal control sequence or a bidi control in a
question cannot add a line, clear the screen or reorder what the report says
(tests/test_review.py).

Usage: python -m tools.review [--days N] [--similarity S] [--limit N]
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from actions.unanswered import KINDS, UnansweredLog, UnansweredQuestion, utcnow
from bot.printable import escape
from tools.similarity import STOPWORDS, similarity

DEFAULT_SIMILARITY = 0.6
SHOWN_TEXTS = 5


@dataclass
class Group:
    entries: list[UnansweredQuestion] = field(default_factory=list)  # newest first

    @property
    def newest(self) -> UnansweredQuestion:
        return self.entries[0]

    def leaning(self) -> str:
        """The FAQ-or-other intent the bot ranked first most often, with its mean confidence."""
        tops = [e.top_intents[0] for e in self.entries if e.top_intents]
        if not tops:
            return "-"
        intent, _ = Counter(name for name, _ in tops).most_common(1)[0]
        confidences = [conf for name, conf in tops if name == intent]
        return f"{escape(intent)} ({sum(confidences) / len(confidences):.2f})"


def group(entries: list[UnansweredQuestion], threshold: float) -> list[Group]:
    """Greedy grouping, newest first: a question joins the first group whose
    newest question is at least ``threshold`` similar, else starts a group."""
    groups: list[Group] = []
    for entry in entries:
        for candidate in groups:
            if similarity(entry.text, candidate.newest.text, STOPWORDS) >= threshold:
                candidate.entries.append(entry)
                break
        else:
            groups.append(Group([entry]))
    return groups  # in order of each group's newest question, newest first


def render(groups: list[Group], total: int) -> str:
    if not groups:
        return "No unanswered questions logged."
    lines = [f"{total} unanswered questions in {len(groups)} groups (newest first):", ""]
    for number, g in enumerate(groups, 1):
        kinds = Counter(e.kind for e in g.entries)
        # The known kinds in their order, then any other the log holds.
        order = [*(k for k in KINDS if kinds[k]), *(k for k in kinds if k not in KINDS)]
        channels = Counter(e.channel or "?" for e in g.entries)
        lines.append(
            f"{number}. x{len(g.entries)}  last {g.newest.created_at:%Y-%m-%d %H:%M} UTC  "
            f"leaning {g.leaning()}"
        )
        lines.append(
            "   kinds: "
            + ", ".join(f"{escape(k)} {kinds[k]}" for k in order)
            + "; channels: "
            + ", ".join(f"{escape(c)} {n}" for c, n in channels.most_common())
        )
        texts = list(dict.fromkeys(e.text for e in g.entries))  # distinct, newest first
        for text in texts[:SHOWN_TEXTS]:
            lines.append(f"   - {escape(text)}")
        if len(texts) > SHOWN_TEXTS:
            lines.append(f"   - ... and {len(texts) - SHOWN_TEXTS} more")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    from actions.settings import SETTINGS

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=SETTINGS.unanswered_db_url, help="SQLAlchemy URL")
    parser.add_argument("--days", type=float, help="only the last N days")
    parser.add_argument("--similarity", type=float, default=DEFAULT_SIMILARITY)
    parser.add_argument("--limit", type=int, help="show at most N groups")
    args = parser.parse_args()

    log = UnansweredLog(args.db, SETTINGS.unanswered_retention_days)
    since = utcnow() - timedelta(days=args.days) if args.days else None
    entries = log.entries(since)
    groups = group(entries, args.similarity)
    print(render(groups[: args.limit] if args.limit else groups, len(entries)), end="")


if __name__ == "__main__":
    main()
