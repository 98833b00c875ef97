"""How many training paraphrases an FAQ question needs: a learning curve.

For each k, every FAQ intent keeps k randomly chosen training examples in each
language (all of them when it has fewer); every other example (chit-chat,
out_of_scope, follow_up, lookup tables, synonyms, the concepts of the SubjectGuard)
stays as it is. The real NLU pipeline of config.yml is trained on that and scored
on the held-out set of each language with tools/evaluate.py, as `make eval` scores
the shipped model. The samples are nested: for one seed, the k examples are the
first k of one shuffle, so a larger k adds examples and changes none.

Where the examples come from is in three functions only (``faq_examples``,
``other_training_files``, ``holdout``), so that moving the data changes them alone.
Training reads a copy of config.yml without ``importers:`` so that Rasa's default
importer reads only the files written here.

Usage: python -m tools.paraphrase_curve [--root DIR] [--ks 3,5,...,all]
[--seeds 1,2] [--json PATH]. ``--root`` is a checkout (or a copy of its data/,
config.yml, domain.yml, tests/nlu_holdout*.yml and build/spacy_en): the pipeline's
spaCy model path is relative, so training runs with the root as working directory.
Results in docs/paraphrases.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import yaml

from bot import paths
from bot.importer import standalone_config
from bot.languages import LANGUAGES
from bot.questions import load_all
from tools.evaluate import load_examples, score, scores

FAQ_PREFIX = "faq_"
ALL = "all"
DEFAULT_KS = "3,5,8,12,16,24,32,48,64,80,90,96,all"


def rebased(path: Path, root: Path) -> Path:
    """``path`` (under the repository) under another checkout or copy."""
    return root / path.relative_to(paths.ROOT)


# --- Where the data come from -------------------------------------------------------


def faq_examples(root: Path = paths.ROOT) -> dict[str, dict[str, list[str]]]:
    """Training examples of every FAQ intent: intent -> language -> texts, in file
    order: each question file's paraphrases (content/questions/)."""
    questions, _ = load_all(rebased(paths.QUESTIONS, root))
    return {
        q.intent: {
            code: [line.text for line in loc.paraphrases] for code, loc in q.by_language.items()
        }
        for q in questions
    }


def other_training_files(root: Path = paths.ROOT) -> list[Path]:
    """The NLU data files of the pipeline; their FAQ intents are dropped when copied
    (``without_faq``), everything else is trained on as it is."""
    files = [*paths.NLU_BY_LANGUAGE.values(), *paths.CONCEPTS_BY_LANGUAGE.values()]
    return [rebased(path, root) for path in files]


def holdout(code: str, root: Path = paths.ROOT) -> list[tuple[str, str]]:
    """The held-out (text, intent) pairs of one language, never trained on: each
    question's held-out lines, then the language's out-of-scope ones."""
    questions, _ = load_all(rebased(paths.QUESTIONS, root))
    lines = [(line.text, q.intent) for q in questions for line in q.by_language[code].held_out]
    return lines + load_examples(rebased(paths.HOLDOUT_BY_LANGUAGE[code], root))


# --- Subsampling --------------------------------------------------------------------


def subsample(
    examples: dict[str, dict[str, list[str]]], k: int | None, seed: int
) -> dict[str, dict[str, list[str]]]:
    """k examples of each intent in each language (all when k is None or more than it
    has), kept in their original order. Each (intent, language) has its own generator
    seeded by ``seed``, intent and language, so one list's sample does not depend on
    the others, and a smaller k is a subset of a larger one."""
    kept: dict[str, dict[str, list[str]]] = {}
    for intent, by_language in examples.items():
        for language, texts in by_language.items():
            if k is None or k >= len(texts):
                chosen = list(texts)
            else:
                order = list(range(len(texts)))
                random.Random(f"{seed}:{intent}:{language}").shuffle(order)
                chosen = [texts[i] for i in sorted(order[:k])]
            kept.setdefault(intent, {})[language] = chosen
    return kept


def counts(examples: dict[str, dict[str, list[str]]]) -> dict[str, tuple[int, float, int]]:
    """Per language: (min, median, max) training examples per FAQ intent."""
    result = {}
    for language in LANGUAGES:
        n = [len(by_language.get(language, [])) for by_language in examples.values()]
        result[language] = (min(n), statistics.median(n), max(n))
    return result


# --- Training data and config -------------------------------------------------------


def without_faq(source: Path, target: Path) -> None:
    """``source`` with its FAQ intents dropped; a file without any is copied as it is."""
    text = source.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    items = data.get("nlu") or []
    kept = [i for i in items if not str(i.get("intent", "")).startswith(FAQ_PREFIX)]
    if len(kept) == len(items):
        target.write_text(text, encoding="utf-8")
        return
    data["nlu"] = kept
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def faq_file(kept: dict[str, dict[str, list[str]]], language: str) -> str:
    """Rasa NLU YAML of one language's sampled FAQ examples (Rasa's own writer)."""
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    messages = [
        Message.build(text=text, intent=intent)
        for intent, by_language in kept.items()
        for text in by_language.get(language, [])
    ]
    return TrainingData(messages).nlu_as_yaml()


def write_training_data(kept: dict[str, dict[str, list[str]]], root: Path, folder: Path) -> None:
    folder.mkdir(parents=True)
    for i, source in enumerate(other_training_files(root)):
        without_faq(source, folder / f"other_{i}_{source.name}")
    for language in LANGUAGES:
        (folder / f"faq_{language}.yml").write_text(faq_file(kept, language), "utf-8")


def training_config(root: Path, target: Path) -> None:
    """config.yml as the importer gives it to Rasa (the SubjectGuard's settings from
    the questions), without ``importers:``: only the files written here are read."""
    config = standalone_config(rebased(paths.CONFIG, root))
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")


# --- Training and scoring -----------------------------------------------------------


@contextmanager
def working_directory(path: Path):  # noqa: ANN201
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def train_and_score(
    kept: dict[str, dict[str, list[str]]], root: Path, tmp: Path, name: str
) -> dict[str, dict[str, float]]:
    """Train the pipeline on ``kept`` plus the other data; score each language's held-out set."""
    from rasa.model_training import train_nlu

    from tools.eval_report import load_agent, predict

    data = tmp / name
    write_training_data(kept, root, data)
    config = tmp / f"{name}_config.yml"
    training_config(root, config)
    with working_directory(root):
        model = train_nlu(
            config=str(config),
            nlu_data=str(data),
            output=str(tmp),
            fixed_model_name=name,
            domain=str(rebased(paths.DOMAIN, root)),
        )
        if model is None:
            raise SystemExit(f"training {name} failed")
        agent = load_agent(Path(model))
        result = {}
        for language in LANGUAGES:
            predictions = asyncio.run(predict(agent, holdout(language, root)))
            s = score(predictions)
            result[language] = {
                "faq_accuracy": s.faq_accuracy,
                "oos_rejection": s.oos_rejection,
                # tools/evaluate.scores: a wrong FAQ answer to any held-out question.
                "wrong": round(s.wrong_answer_rate * len(predictions)),
                "faq_confusions": s.faq_confusions,
                # Why a question is missed: the classifier's first choice is right but
                # too unsure (the FallbackClassifier), or it is wrong.
                "faq_top_right": scores(
                    [(p.expected, p.at(0.0, 0.0)) for p in predictions]
                ).faq_accuracy,
            }
    del agent
    gc.collect()
    Path(model).unlink(missing_ok=True)
    return result


# --- Report -------------------------------------------------------------------------


def table(runs: list[dict]) -> list[str]:
    """One row per language and k: the mean over seeds, wrong answers of each seed
    (a count over the whole held-out set), and each seed's figures."""
    rows = [
        "| language | k | FAQ accuracy | OOS rejection | wrong answers | FAQ top choice right "
        "| each run (FAQ / OOS) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    ks = list(dict.fromkeys(r["k"] for r in runs))
    for language in LANGUAGES:
        for k in ks:
            scored = [r["scores"][language] for r in runs if r["k"] == k]
            acc = statistics.mean(s["faq_accuracy"] for s in scored)
            oos = statistics.mean(s["oos_rejection"] for s in scored)
            top = statistics.mean(s["faq_top_right"] for s in scored)
            wrong = " + ".join(str(s["wrong"]) for s in scored)
            each = ", ".join(f"{s['faq_accuracy']:.3f} / {s['oos_rejection']:.3f}" for s in scored)
            rows.append(
                f"| {language} | {k} | {acc:.3f} | {oos:.3f} | {wrong} | {top:.3f} | {each} |"
            )
    return rows


def parse_ks(text: str) -> list[int | None]:
    return [None if part == ALL else int(part) for part in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=paths.ROOT)
    parser.add_argument("--ks", default=DEFAULT_KS, help="comma-separated; 'all' keeps every one")
    parser.add_argument("--seeds", default="1,2", help="comma-separated; 'all' is trained once")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    root = args.root.resolve()
    ks = parse_ks(args.ks)
    seeds = [int(s) for s in args.seeds.split(",")]

    examples = faq_examples(root)
    if not examples:
        raise SystemExit(f"no FAQ training examples under {root} (faq_examples)")
    print("Training paraphrases per FAQ intent (min / median / max):")
    for language, (low, median, high) in counts(examples).items():
        print(f"  {language}: {low} / {median:g} / {high}")
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="paraphrase_curve_") as tmp:
        for seed in seeds:
            for k in ks:
                if k is None and seed != seeds[0]:
                    continue  # nothing to sample: the same training again
                label = ALL if k is None else str(k)
                started = time.monotonic()
                print(f"k={label} seed={seed}: training...", flush=True)
                result = train_and_score(
                    subsample(examples, k, seed), root, Path(tmp), f"k{label}_s{seed}"
                )
                runs.append({"k": label, "seed": seed, "scores": result})
                print(f"  {time.monotonic() - started:.0f} s: {json.dumps(result)}", flush=True)
                if args.json:
                    args.json.write_text(json.dumps(runs, indent=1))
    print("\n" + "\n".join(table(runs)))


if __name__ == "__main__":
    main()
