"""`make review` shows what people typed, and what they typed cannot forge the report:
no new line, no terminal control sequence, no reordered text."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta

from actions.unanswered import FALLBACK, LOW_CONFIDENCE, UnansweredLog, UnansweredQuestion
from tools.review import DEFAULT_SIMILARITY, group
from tools.similarity import STOPWORDS, similarity

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What people sent, oldest first: (kind, channel, text, top intent).
SENT = [
    (FALLBACK, "rest", "how do I clear \x1b[2J\x1b[H the screen", "out_of_scope"),
    (
        FALLBACK,
        "rest",
        "visa please\n2. x99  last 2026-01-01 00:00 UTC  leaning faq_x (0.99)\n"
        "   kinds: fallback 99; channels: rest 99\n   - what is love",
        "out_of_scope",
    ),
    (FALLBACK, "telegram", "weather tomorrow\u2028in almaty", "out_of_scope"),
    (LOW_CONFIDENCE, "slack", "korean allies \u202eseilla", "faq_south_korea_allies"),
    (FALLBACK, "rest\n   - injected", "Где купить билет в Алматы?", "faq_\x1b[31mx"),
]
# Each text as the report must show it: one line, every planted character visible.
SHOWN = [
    "   - how do I clear \\x1b[2J\\x1b[H the screen",
    "   - visa please\\n2. x99  last 2026-01-01 00:00 UTC  leaning faq_x (0.99)\\n"
    "   kinds: fallback 99; channels: rest 99\\n   - what is love",
    "   - weather tomorrow\\u2028in almaty",
    "   - korean allies \\u202eseilla",
    "   - Где купить билет в Алматы?",
]
HEADER = re.compile(r"^\d+\. x\d+  last \d{4}-\d\d-\d\d \d\d:\d\d UTC  leaning ")


def review(db: str) -> str:
    """`make review`'s command, run as it runs it."""
    run = subprocess.run(
        [sys.executable, "-m", "tools.review", "--db", db],
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_planted_control_or_line_cannot_forge_the_review(tmp_path):
    db = f"sqlite:///{tmp_path / 'unanswered.db'}"
    log = UnansweredLog(db, retention_days=90)
    start = datetime(2026, 3, 1, 12, 0)
    for minute, (kind, channel, text, intent) in enumerate(SENT):
        entry = UnansweredQuestion(
            kind, text, channel, ((intent, 0.5),), sender_id=f"rest:{minute}"
        )
        log.record(entry, now=start + timedelta(minutes=minute))
    real_groups = group(log.entries(), DEFAULT_SIMILARITY)
    assert len(real_groups) == len(SENT)  # five unrelated questions, five groups
    assert all(
        similarity(a[2], b[2], STOPWORDS) < DEFAULT_SIMILARITY
        for i, a in enumerate(SENT)
        for b in SENT[i + 1 :]
    )

    output = review(db)
    lines = output.split("\n")
    assert "\x1b" not in output and "\u2028" not in output and "\u202e" not in output
    assert lines[0] == f"5 unanswered questions in {len(real_groups)} groups (newest first):"
    headers = [line for line in lines if HEADER.match(line)]
    assert len(headers) == len(real_groups)
    assert all(line in lines for line in SHOWN)
    assert "   kinds: fallback 1; channels: rest\\n   - injected 1" in lines
    assert any(line.endswith("leaning faq_\\x1b[31mx (0.50)") for line in headers)
    # Newest first, and each text on the line under its own group's header.
    assert [lines[lines.index(h) + 2] for h in headers] == SHOWN[::-1]
