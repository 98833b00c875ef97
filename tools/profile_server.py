"""Profile the Rasa server's hot path under load (py-spy, sampling).

Starts the bot like `make run`, sends 8 concurrent conversations for a while,
(or C) and samples the Rasa server with py-spy. Writes reports/profile.svg (a flame
graph) and prints the functions that take the most time, inclusive and by
where the time is spent.

Usage: python -m tools.profile_server [--seconds N] [--conversations C]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from bot.paths import ROOT
from tools.bench import load
from tools.support.processes import start_bot

TOP = 25


def top_frames(collapsed: Path) -> tuple[Counter, Counter, int]:
    """Inclusive and self sample counts per function, from py-spy's raw format,
    for the main thread (the event loop, where messages are handled)."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if f]
        if frames and frames[0].startswith("_bootstrap (threading.py"):
            continue  # another thread (e.g. the tracker store's retention, asleep)
        samples = int(count)
        total += samples
        for frame in set(frames):
            inclusive[frame] += samples
        if frames:
            own[frames[-1]] += samples
    return inclusive, own, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--conversations", type=int, default=8, help="concurrent senders")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy", path=str(ROOT / ".venv" / "bin")) or "py-spy"
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="faq-profile-"))
    bot = start_bot(workdir)
    try:
        level = args.conversations
        asyncio.run(load([bot.rasa.url], level, 10 * level))  # warm up
        collapsed = workdir / "profile.txt"
        record = [py_spy, "record", "--pid", str(bot.rasa.process.pid), "--rate", "250",
                  "--duration", str(args.seconds), "--nonblocking"]  # fmt: skip
        raw = subprocess.Popen([*record, "--format", "raw", "--output", str(collapsed)])
        svg = subprocess.Popen([*record, "--output", str(reports / "profile.svg")])
        messages = 0
        while raw.poll() is None:
            result = asyncio.run(load([bot.rasa.url], level, 10 * level))
            messages += result["messages"]
        raw.wait()
        svg.wait()
    finally:
        bot.stop()
    inclusive, own, total = top_frames(collapsed)
    print(f"{messages} messages, {total} samples of the Rasa server\n")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"Top {TOP} functions ({title} share of samples):")
        for frame, count in counter.most_common(TOP):
            print(f"  {100 * count / total:5.1f}%  {frame}")
        print()
    print("Flame graph: reports/profile.svg")
    shutil.copy(collapsed, reports / "profile.txt")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
