"""`python -m tools.blind_leaks FILE...`: the lines of a blind held-out set
(tests/blind/<code>.yml) that nearly duplicate a training example (tools/similarity.py),
so that a writer who may not read the training data can still keep the set blind.
Prints one line per leak and exits 1 when there is any. With ``--drop``, removes
the items that leak instead (their text is not shown to anyone who words the set,
and a changed training line can make an old item leak)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bot.importer import all_training_data
from tools.blind_eval import load_items
from tools.similarity import near_duplicate


def texts(path: Path) -> list[str]:
    return [turn for item in load_items(path.stem, path.parent) for turn in item.turns]


def drop_leaks(path: Path, trained: list[str]) -> int:
    """Remove the items of ``path`` with a leaking text; how many went."""
    leaks = lambda text: any(near_duplicate(text, twin) for twin in trained)  # noqa: E731
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [
        line
        for line in lines
        if not (line.lstrip().startswith("- {") and any(map(leaks, texts_of_line(line))))
    ]
    path.write_text("".join(kept), encoding="utf-8")
    return len(lines) - len(kept)


def texts_of_line(line: str) -> list[str]:
    item = yaml.safe_load(line.strip()[2:])
    return [item["text"]] if "text" in item else list(item["turns"])


def main(argv: list[str]) -> int:
    trained = [m.get("text") for m in all_training_data().intent_examples]
    if argv[:1] == ["--drop"]:
        for name in argv[1:]:
            print(f"{name}: {drop_leaks(Path(name), trained)} leaking item(s) removed")
        return 0
    leaks = 0
    for name in argv:
        for text in texts(Path(name)):
            if any(near_duplicate(text, twin) for twin in trained):
                print(f"{name}: {text!r} nearly duplicates a training example: reword it")
                leaks += 1
    print(f"{leaks} leak(s)")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
