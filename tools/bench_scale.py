"""`make bench`, "cost as the FAQ grows": a made-up FAQ of 200 questions against today's.

Both FAQs are trained by `rasa train` as `make train` runs it, each with a Rasa cache
of its own (``RASA_CACHE_DIRECTORY``, read by rasa/engine/caching.py), so that neither
training reuses the other's components; then each model is served by ``start_bot``
with its content folder (``FAQ_CONTENT_DIR``: the action server answers from it, and
both servers train their language identifier on its paraphrases). Measured: training
time, model size, each process's RSS after warm-up, and the p50 of REST questions
asked one at a time (held-out lines of the questions, every language).

The made-up questions ask about invented places, one per question, spelt in each
language's script (Latin, Cyrillic, Hangul), in five kinds (population, language,
weather, travel, sights) whose templates differ: the classifier has to tell questions
of a kind apart by the place alone. tests/test_bench_scale.py checks the generator.

Usage: python -m tools.bench_scale [--questions N] [--asks N] [--keep]
(also run by `python -m tools.bench`; only it: `python -m tools.bench --only faq-growth`)
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bot import languages, paths
from bot.paths import ROOT
from bot.questions import QuestionSource, load_all
from tools.bench import percentile, server_processes
from tools.support.processes import Server, server_env, start_bot

QUESTIONS = 200
ASKS = 50  # REST questions measured, after WARM_UP others
WARM_UP = 20
PARAPHRASES = 20
HELD_OUT = 3
SEED = 7

# Syllables of the invented names, letter by letter in each script; every map is
# one-to-one, so names distinct in Latin are distinct in Cyrillic and Hangul.
CONSONANTS = {  # Latin: (Cyrillic, Hangul initial jamo index)
    "b": ("б", 7), "d": ("д", 3), "g": ("г", 0), "k": ("к", 15), "l": ("л", 5), "m": ("м", 6),
    "n": ("н", 2), "p": ("п", 17), "s": ("с", 9), "t": ("т", 16), "z": ("з", 12), "h": ("х", 18),
}  # fmt: skip
VOWELS = {"a": ("а", 0), "e": ("е", 5), "i": ("и", 20), "o": ("о", 8), "u": ("у", 13)}

OPENERS = {
    "en": ["", "tell me, ", "quick question: ", "please tell me ", "i wonder "],
    "ru": ["", "скажите, ", "подскажите, ", "вопрос: ", "хочу узнать, "],
    "kk": ["", "айтыңызшы, ", "сұрақ: ", "білгім келеді, ", "түсіндіріп беріңізші, "],
    "ko": ["", "궁금한데 ", "질문: ", "알려 주세요, ", "혹시 "],
}
# Per kind and language: question frames around the place {n}; the first, capitalised,
# is the title.
KINDS = {
    "population": {
        "en": "how many people live in {n}?|population of {n}|what is the population of {n}"
        "|how big is {n}|number of inhabitants in {n}|is {n} a big city",
        "ru": "сколько людей живёт в {n}?|население {n}|какое население в городе {n}"
        "|большой ли город {n}|число жителей города {n}|сколько жителей в {n}",
        "kk": "{n} қаласында қанша адам тұрады?|{n} халқы қанша|{n} қаласының тұрғындар саны"
        "|{n} үлкен қала ма|{n} қаласында халық көп пе|{n} тұрғындарының саны қандай",
        "ko": "{n}에는 몇 명이 살아요?|{n} 인구|{n}의 인구는 얼마예요|{n}는 큰 도시예요?"
        "|{n} 주민 수|{n}에 사람이 많이 살아요?",
    },
    "language": {
        "en": "what language do people speak in {n}?|language of {n}"
        "|which languages are spoken in {n}|do they speak english in {n}"
        "|official language in {n}|what do people in {n} speak",
        "ru": "на каком языке говорят в {n}?|язык города {n}|какие языки в ходу в {n}"
        "|говорят ли по-русски в {n}|официальный язык {n}|на каком языке разговаривают в {n}",
        "kk": "{n} қаласында қай тілде сөйлейді?|{n} тілі|{n} тұрғындары қандай тілде сөйлейді"
        "|{n} қаласында қазақша сөйлей ме|{n} ресми тілі қандай|{n} жерінде қай тіл қолданылады",
        "ko": "{n}에서는 무슨 언어를 써요?|{n} 언어|{n} 사람들은 어떤 말을 해요"
        "|{n}에서 영어가 통해요?|{n}의 공용어는 뭐예요|{n}에서 쓰는 언어 알려줘",
    },
    "weather": {
        "en": "what is the weather like in {n}?|climate of {n}|is it cold in {n} in winter"
        "|how hot does {n} get in summer|best season to visit {n}|does it rain a lot in {n}",
        "ru": "какая погода в {n}?|климат города {n}|холодно ли зимой в {n}|жарко ли летом в {n}"
        "|когда лучше ехать в {n}|много ли дождей в {n}",
        "kk": "{n} қаласында ауа райы қандай?|{n} климаты|{n} қаласында қыста суық па"
        "|{n} жазда ыстық па|{n} қаласына қай мезгілде барған жөн|{n} жерінде жаңбыр жиі жауа ма",
        "ko": "{n} 날씨는 어때요?|{n} 기후|{n}는 겨울에 추워요?|{n} 여름에 더워요?"
        "|{n}에 가기 좋은 계절|{n}에는 비가 많이 와요?",
    },
    "travel": {
        "en": "how do i get to {n}?|travel to {n}|is there a train to {n}"
        "|how far is {n} from the airport|best way to reach {n}|can i fly to {n}",
        "ru": "как добраться до {n}?|поездка в {n}|ходит ли поезд в {n}"
        "|далеко ли {n} от аэропорта|как лучше доехать до {n}|можно ли долететь до {n}",
        "kk": "{n} қаласына қалай жетуге болады?|{n} сапары|{n} қаласына пойыз бар ма"
        "|{n} әуежайдан алыс па|{n} қаласына жетудің оңай жолы|{n} қаласына ұшақпен баруға бола ма",
        "ko": "{n}에 어떻게 가요?|{n} 가는 법|{n}로 가는 기차 있어요?|{n}는 공항에서 멀어요?"
        "|{n}까지 가는 가장 좋은 방법|{n}로 비행기 타고 갈 수 있어요?",
    },
    "sights": {
        "en": "what is there to see in {n}?|sights of {n}|what is {n} famous for"
        "|things to do in {n}|main attractions in {n}|is {n} worth visiting",
        "ru": "что посмотреть в {n}?|достопримечательности {n}|чем знаменит {n}"
        "|чем заняться в {n}|главные места города {n}|стоит ли ехать в {n}",
        "kk": "{n} қаласында не көруге болады?|{n} көрікті жерлері|{n} немен әйгілі"
        "|{n} қаласында не істеуге болады|{n} басты көрнекті орындары|{n} баруға тұрарлық па",
        "ko": "{n}에서 뭘 봐야 해요?|{n} 관광지|{n}는 뭐로 유명해요|{n}에서 할 만한 것"
        "|{n} 주요 명소|{n}는 가 볼 만해요?",
    },
}
ANSWERS = {
    "en": "This is the answer about {n}: question {i} of the benchmark's made-up FAQ.",
    "ru": "Это ответ про {n}: вопрос {i} вымышленного FAQ бенчмарка.",
    "kk": "Бұл {n} туралы жауап: бенчмарктың ойдан шығарылған FAQ-ының {i}-сұрағы.",
    "ko": "{n}에 대한 답입니다: 벤치마크용 가상 FAQ의 {i}번 질문입니다.",
}


# --- The made-up FAQ ----------------------------------------------------------


def place_names(count: int, seed: int = SEED) -> list[dict[str, str]]:
    """``count`` distinct invented place names of three syllables, in each language."""
    rng = random.Random(seed)
    syllables = list(itertools.product(CONSONANTS, VOWELS))
    chosen: list[tuple[tuple[str, str], ...]] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    while len(chosen) < count:
        name = tuple(rng.choice(syllables) for _ in range(3))
        if name not in seen:
            seen.add(name)
            chosen.append(name)
    names = []
    for name in chosen:
        latin = "".join(c + v for c, v in name).capitalize()
        cyrillic = "".join(CONSONANTS[c][0] + VOWELS[v][0] for c, v in name).capitalize()
        # A Hangul syllable without a final consonant: U+AC00 + (initial * 21 + vowel) * 28.
        hangul = "".join(chr(0xAC00 + (CONSONANTS[c][1] * 21 + VOWELS[v][1]) * 28) for c, v in name)
        names.append({"en": latin, "ru": cyrillic, "kk": cyrillic, "ko": hangul})
    return names


def block(lines: list[str]) -> str:
    return "|\n" + "\n".join(f"    - {line}" for line in lines)


def question_file(number: int, name: dict[str, str], rng: random.Random) -> str:
    """One question file (bot/questions.py's format): question ``number`` about ``name``."""
    kind = KINDS[list(KINDS)[number % len(KINDS)]]
    parts = [
        f"order: {number}",
        f"facets: {{topic: synthetic_{number}}}",
        "requires: []",
        "related: []",
    ]
    for code in languages.LANGUAGES:
        frames = [frame.format(n=name[code]) for frame in kind[code].split("|")]
        lines = [o + f for o, f in itertools.product(OPENERS[code], frames)]
        picked = rng.sample(lines, PARAPHRASES + HELD_OUT)
        answer = ANSWERS[code].format(n=name[code], i=number)
        parts += [
            "",
            f"{code}:",
            f"  title: {json.dumps(frames[0][0].upper() + frames[0][1:], ensure_ascii=False)}",
            f"  answer: {json.dumps(answer, ensure_ascii=False)}",
            f"  paraphrases: {block(picked[:PARAPHRASES])}",
            f"  held_out: {block(picked[PARAPHRASES:])}",
        ]
    return "\n".join(parts).rstrip() + "\n"


def write_content(folder: Path, count: int = QUESTIONS, seed: int = SEED) -> Path:
    """A content folder with ``count`` made-up questions and today's texts.yml."""
    questions = folder / "questions"
    questions.mkdir(parents=True)
    shutil.copy(paths.TEXTS, folder / "texts.yml")
    rng = random.Random(seed)
    for number, name in enumerate(place_names(count, seed), start=1):
        text = question_file(number, name, rng)
        (questions / f"synthetic_{number:03d}.yml").write_text(text, encoding="utf-8")
    return folder


# --- Training and serving -----------------------------------------------------


def train(content: Path, workdir: Path) -> dict[str, object]:
    """`rasa train` as `make train` runs it, on ``content``, with an empty cache."""
    out, log = workdir / "models", workdir / "train.log"  # measure() serves out/faq.tar.gz
    workdir.mkdir(parents=True)
    env = server_env(FAQ_CONTENT_DIR=str(content), RASA_CACHE_DIRECTORY=str(workdir / "cache"))
    rasa = Path(sys.executable).with_name("rasa")
    start = time.monotonic()
    with log.open("w") as handle:
        subprocess.run(
            [str(rasa), "train", "--fixed-model-name", "faq", "--out", str(out)],
            cwd=ROOT, env=env, check=True, stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    seconds = time.monotonic() - start
    model = out / "faq.tar.gz"
    return {"seconds": round(seconds, 1), "model_bytes": model.stat().st_size}


def asked(questions: list[QuestionSource], count: int) -> list[tuple[str, str]]:
    """(held-out line, its answer): round after round over the questions, each round
    in the next language, until ``count``."""
    cases: list[tuple[str, str]] = []
    codes = languages.LANGUAGES
    for turn in range(64):
        for index, q in enumerate(questions):
            localized = q.by_language[codes[(index + turn) % len(codes)]]
            if turn // len(codes) < len(localized.held_out) and len(cases) < count:
                cases.append((localized.held_out[turn // len(codes)].text, localized.answer))
    return cases


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS")


def say(server: Server, sender: str, text: str) -> tuple[float, str | None]:
    """One REST round trip on a new connection (so that every Sanic worker gets some)."""
    start = time.perf_counter()
    reply = requests.post(
        server.url + "/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=120,
    )
    ms = (time.perf_counter() - start) * 1000
    body = reply.json() if reply.ok else []
    return ms, (body[0].get("text") if body else None)


def serve(model: Path, content: Path, workdir: Path, asks: int) -> dict[str, object]:
    questions, problems = load_all(content / "questions")
    assert not problems, problems
    cases = asked(questions, asks + WARM_UP)
    workdir.mkdir(parents=True, exist_ok=True)
    bot = start_bot(workdir, extra_env={"FAQ_CONTENT_DIR": str(content)}, model=model)
    try:
        latencies, right, sender = [], 0, ""
        for number, (text, answer) in enumerate(cases):
            if number % 10 == 0:  # a new conversation every 10 messages, as tools.bench
                sender = f"bench-scale-{uuid.uuid4().hex}"
            ms, reply = say(bot.rasa, sender, text)
            if number >= WARM_UP:
                latencies.append(ms)
                right += reply == answer
        return {
            "rasa_ready_s": round(bot.rasa.ready_after_s, 1),
            "asked": len(latencies),
            "answered_right": right,
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "rasa_rss_mb": [rss_mb(pid) for pid in server_processes(bot.rasa)],
            "actions_rss_mb": [rss_mb(pid) for pid in server_processes(bot.actions)],
        }
    finally:
        bot.stop()


def measure(count: int = QUESTIONS, asks: int = ASKS, keep: bool = False) -> dict[str, object]:
    """Both FAQs trained, then both served, in one run; the figures of each."""
    workdir = Path(tempfile.mkdtemp(prefix="faq-bench-scale-"))
    contents = {"today": paths.CONTENT, "made_up": write_content(workdir / "content", count)}
    results: dict[str, dict[str, object]] = {}
    try:
        for label, content in contents.items():
            questions, _ = load_all(content / "questions")
            paraphrases = sum(len(x.paraphrases) for q in questions for x in q.by_language.values())
            print(f"[scale, {label}: {len(questions)} questions] cold training...", flush=True)
            trained = train(content, workdir / f"train-{label}")
            results[label] = {"questions": len(questions), "paraphrases": paraphrases, **trained}
        for label, content in contents.items():
            print(f"[scale, {label}] serving...", flush=True)
            model = workdir / f"train-{label}" / "models" / "faq.tar.gz"
            results[label].update(serve(model, content, workdir / f"serve-{label}", asks))
    finally:
        if keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def rows(results: dict[str, dict]) -> list[tuple[str, ...]]:
    """(figure, today's FAQ, the made-up one, made-up / today)."""
    today, big = results["today"], results["made_up"]

    def row(label: str, key: str, show=str, of=lambda value: value) -> tuple[str, ...]:
        a, b = (d[key] for d in (today, big))
        return label, show(a), show(b), f"{of(b) / of(a):.2f}x"

    processes = lambda rss: " / ".join(f"{mb:.0f}" for mb in rss)  # noqa: E731
    return [
        row("questions", "questions"),
        row("training paraphrases (4 languages)", "paraphrases"),
        row("cold training (s)", "seconds"),
        row("model size (MB, models/*.tar.gz)", "model_bytes", lambda n: f"{n / 1e6:.1f}"),
        row("Rasa server: start to ready (s)", "rasa_ready_s"),
        row("Rasa server RSS per process after warm-up (MB; Sanic's parent first)",
            "rasa_rss_mb", processes, max),
        row("action server RSS after warm-up (MB)", "actions_rss_mb", processes, max),
        row(f"REST question, one at a time: p50 (ms, {today['asked']} held-out lines)", "p50_ms"),
        row("REST question, one at a time: p95 (ms)", "p95_ms"),
        row("held-out lines answered with their answer", "answered_right",
            lambda n: f"{n}/{today['asked']}"),
    ]  # fmt: skip


def run(count: int = QUESTIONS, asks: int = ASKS, keep: bool = False) -> dict[str, object]:
    """Measure, print the table, write reports/bench_scale.json; the figures."""
    results = measure(count, asks, keep)
    print("\n## Cost as the FAQ grows\n")
    print(f"| figure | today's FAQ | made-up FAQ of {count} | ratio |")
    print("| --- | --- | --- | --- |")
    for line in rows(results):
        print("| " + " | ".join(line) + " |")
    out = ROOT / "reports" / "bench_scale.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWritten to {out.relative_to(ROOT)}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=QUESTIONS, help="made-up questions")
    parser.add_argument("--asks", type=int, default=ASKS, help="REST questions measured")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    run(args.questions, args.asks, args.keep)


if __name__ == "__main__":
    main()
