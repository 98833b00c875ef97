"""`make bench`: our configuration against Rasa's stock `rasa init` configuration.

A measurement, not a test: it prints a table and writes reports/bench.json.
Both configurations are trained on the same data and domain and served in
their default layout with the SQLite tracker store and the same action server:
ours as `make run` serves it (SANIC_WORKERS=2 Rasa processes sharing the SQLite
lock store), stock Rasa as `rasa init` sets it up (one process: Rasa's own REST
channel, credentials `rest:`, and none of our endpoint settings or changes to
Rasa). Both are measured the same way:

- cold training (empty cache) and retraining after one domain edit (the session
  expiry: this bot's texts are not in the domain, and editing them needs no training);
- start to ready of the Rasa server and the action server;
- REST round trips at 1, 8 and 32 concurrent conversations, each conversation
  its own sender (10 messages each, then a new sender): p50/p95/p99 latency and
  throughput; every reply is checked against the expected answer;
- one conversation of 400 turns (seed questions and chit-chat), one message
  at a time: p50 of turns 1-50 against turns 351-400;
- peak RSS of each process of both servers; held-out NLU accuracy (English: tools.evaluate.holdout).

Then our configuration again as two Rasa instances of one process each,
sharing PostgreSQL and Redis (docs/production.md), the load spread over both,
for the scaling figures.

Last, the cost as the FAQ grows: a made-up FAQ of 200 questions against today's
(tools/bench_scale.py).

Usage: python -m tools.bench [--skip-stock] [--skip-cluster] [--skip-faq-growth]
       [--scale F] [--only faq-growth]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import requests

from bot import paths
from bot.content import Content
from bot.paths import ROOT
from tools.evaluate import Prediction, holdout, score
from tools.support.processes import Server, server_env, start_bot, start_rasa, wait_ready

LEVELS = (1, 8, 32)
TURNS = 10  # messages per conversation, then a new sender
MESSAGES = {1: 100, 8: 240, 32: 480}  # per level, before --scale
# Issue 12's ceiling: the Rasa process's peak before the languages (one process).
RSS_LIMIT_MB = 294
LONG_TURNS = 400  # one sender, one message at a time
LONG_WINDOW = 50  # p50 of the first and of the last this many turns


def expected_replies() -> list[tuple[str, str]]:
    """(message, first reply text): the seed questions, a few paraphrases and chit-chat."""
    content = Content.load(paths.CONTENT).language("en")
    cases = [(e.question, e.answer) for e in content.entries]
    cases += [
        ("how many kazakhs work in korea", content.answer_for("faq_kazakhs_in_korea")),
        ("who is north korea's enemy", content.answer_for("faq_north_korea_enemy")),
        ("What is the capital of Kazakhstan?", content.cannot_answer),
    ]
    return cases


def long_conversation_replies() -> list[tuple[str, str]]:
    """``expected_replies`` and chit-chat, the mix of a chat left open for days."""
    content = Content.load(paths.CONTENT).language("en")
    return [*expected_replies(), ("thanks!", content.thanks), ("are you a bot?", content.iamabot)]


# --- Training -----------------------------------------------------------------


def stock_config(workdir: Path) -> Path:
    """`rasa init`'s config.yml as shipped with Rasa 3.6: its pipeline and policies
    are commented out, so Rasa trains its defaults (DIET, ResponseSelector, TED,
    UnexpecTED, Memoization, Rule; FallbackClassifier 0.3)."""
    import rasa.cli

    template = Path(rasa.cli.__file__).parent / "initial_project" / "config.yml"
    path = workdir / "stock_config.yml"
    path.write_text(template.read_text().replace("placeholder_default", "faq-bench-stock"))
    return path


STOCK_CREDENTIALS = "rest:\n"
# Both configurations call the same action server (scripts/actions.py), which
# answers only calls carrying its token: stock's endpoints send it too.
STOCK_ENDPOINTS = """action_endpoint:
  url: ${ACTION_ENDPOINT_URL}
  headers:
    Authorization: Bearer ${ACTION_SERVER_TOKEN}
tracker_store:
  type: SQL
  url: ${TRACKER_STORE_URL}
"""


def stock_serving_files(workdir: Path) -> dict[str, object]:
    """Credentials and endpoints as `rasa init` has them (plus the same SQL store),
    served by `rasa run` itself (with TensorFlow, which its model needs)."""
    credentials, endpoints = workdir / "stock_credentials.yml", workdir / "stock_endpoints.yml"
    credentials.write_text(STOCK_CREDENTIALS)
    endpoints.write_text(STOCK_ENDPOINTS)
    return {"credentials": credentials, "endpoints": endpoints, "launcher": "rasa"}


def train(config: Path, domain: Path, workdir: Path, name: str) -> dict[str, object]:
    """`rasa train` with a cache of its own; returns time, model and retrained parts."""
    log = workdir / f"train-{name}.log"
    env = server_env(RASA_CACHE_DIRECTORY=str(workdir / f"cache-{config.stem}"))
    start = time.monotonic()
    with log.open("w") as handle:
        subprocess.run(
            [
                sys.executable, "-m", "rasa", "train",
                "--config", str(config), "--domain", str(domain), "--data", "data",
                "--out", str(workdir / "models"), "--fixed-model-name", name,
            ],
            cwd=ROOT, env=env, check=True, stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    seconds = time.monotonic() - start
    trained = re.findall(r"Starting to train component '(\w+)'", log.read_text())
    return {
        "seconds": round(seconds, 1),
        "model": str(workdir / "models" / f"{name}.tar.gz"),
        "components_trained": sorted(set(trained)),
    }


def edited_domain(workdir: Path) -> Path:
    """domain.yml with one setting changed (the session expiry)."""
    text = (ROOT / "domain.yml").read_text(encoding="utf-8")
    old = "session_expiration_time: 60"
    assert old in text
    path = workdir / "domain_edited.yml"
    path.write_text(text.replace(old, "session_expiration_time: 59"), encoding="utf-8")
    return path


# --- Serving ------------------------------------------------------------------


def process_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM")


def server_processes(server: Server) -> list[int]:
    """The server's process and the processes it forked (Sanic workers)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def peak_rss_mb(server: Server) -> float:
    """The highest peak RSS of any one of the server's processes."""
    return max(process_peak_rss_mb(pid) for pid in server_processes(server))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def ask(
    session: aiohttp.ClientSession, url: str, sender: str, text: str, expected: str
) -> tuple[float, bool]:
    """One REST round trip: its time (ms), and whether the first reply was ``expected``."""
    start = time.perf_counter()
    async with session.post(
        url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}
    ) as reply:
        body = await reply.json(content_type=None)
    ms = (time.perf_counter() - start) * 1000
    return ms, reply.status == 200 and bool(body) and body[0].get("text") == expected


async def load(urls: list[str], conversations: int, messages: int) -> dict[str, float]:
    """``conversations`` concurrent senders, ``messages`` in all, spread over ``urls``."""
    cases = expected_replies()
    latencies: list[float] = []
    errors = 0
    per_conversation = max(1, messages // conversations)
    timeout = aiohttp.ClientTimeout(total=300)

    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=timeout
    ) as session:

        async def conversation(number: int) -> None:
            nonlocal errors
            url = urls[number % len(urls)]
            sender = ""
            for i in range(per_conversation):
                if i % TURNS == 0:
                    sender = f"bench-{uuid.uuid4().hex}"
                ms, right = await ask(session, url, sender, *cases[(number * 7 + i) % len(cases)])
                latencies.append(ms)
                errors += not right

        await asyncio.gather(*(conversation(n) for n in range(min(conversations, 4))))  # warm-up
        latencies.clear()
        errors = 0
        start = time.perf_counter()
        await asyncio.gather(*(conversation(n) for n in range(conversations)))
        wall = time.perf_counter() - start

    throughput = len(latencies) / wall
    return {
        "conversations": conversations,
        "messages": len(latencies),
        "errors": errors,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "throughput_msg_s": round(throughput, 1),
        # A fair queue serving `conversations` at the measured rate answers each
        # message within conversations / throughput.
        "fair_queue_bound_ms": round(conversations / throughput * 1000, 1),
    }


async def long_conversation(url: str, turns: int = LONG_TURNS) -> dict[str, float]:
    """One sender, ``turns`` messages one after the other: does a message cost
    more late in a long conversation than early on?"""
    cases = long_conversation_replies()
    sender = f"bench-long-{uuid.uuid4().hex}"
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        for turn in range(turns):
            ms, right = await ask(session, url, sender, *cases[turn % len(cases)])
            latencies.append(ms)
            errors += not right
    first = statistics.median(latencies[:LONG_WINDOW])
    last = statistics.median(latencies[-LONG_WINDOW:])
    return {
        "turns": turns,
        "errors": errors,
        "first_p50_ms": round(first, 1),
        "last_p50_ms": round(last, 1),
        "last_over_first": round(last / first, 2),
    }


def holdout_accuracy(rasa: Server, token: str) -> dict[str, float]:
    predictions = []
    for text, expected in holdout("en"):
        parsed = requests.post(
            rasa.url + "/model/parse", params={"token": token}, json={"text": text}, timeout=60
        ).json()
        predictions.append(Prediction.from_parse(text, expected, parsed))
    s = score(predictions)
    scored = predictions  # the held-out set is FAQ questions and out-of-scope ones
    return {
        "faq_accuracy": round(s.faq_accuracy, 3),
        "oos_rejection": round(s.oos_rejection, 3),
        # Every held-out question handled right: its answer, or rejected if out of scope.
        "all_correct": round(sum(p.correct for p in scored) / len(scored), 3),
    }


def serve_and_measure(model: Path, workdir: Path, scale: float, stock: bool) -> dict[str, object]:
    token = secrets.token_hex(16)
    workdir.mkdir(parents=True, exist_ok=True)
    files = stock_serving_files(workdir) if stock else {}
    bot = start_bot(workdir, token, model=model, **files)
    try:
        results: dict[str, object] = {
            "ready_s": {
                "rasa": round(bot.rasa.ready_after_s, 1),
                "actions": round(bot.actions.ready_after_s, 1),
            }
        }
        for level in LEVELS:
            print(f"    {level} concurrent conversation(s)...", flush=True)
            messages = max(level, int(MESSAGES[level] * scale))
            results[f"c{level}"] = asyncio.run(load([bot.rasa.url], level, messages))
        print("    one conversation of 400 turns...", flush=True)
        results["long"] = asyncio.run(long_conversation(bot.rasa.url))
        results["holdout"] = holdout_accuracy(bot.rasa, token)
        results["rasa_processes"] = len(server_processes(bot.rasa))
        results["peak_rss_mb"] = {
            "rasa": peak_rss_mb(bot.rasa),
            "actions": peak_rss_mb(bot.actions),
        }
    finally:
        bot.stop()
    return results


def measure_cluster(model: Path, workdir: Path, scale: float) -> dict[str, object]:
    """Two Rasa instances on PostgreSQL + Redis; the client spreads conversations."""
    from tools.support.databases import redis_lock_store_env, start_postgres, start_redis

    workdir.mkdir(parents=True, exist_ok=True)
    postgres, redis = start_postgres(), start_redis()
    started: list = [postgres, redis]
    try:
        stores = {
            "TRACKER_STORE_URL": postgres.url,
            "SANIC_WORKERS": "1",  # two instances of one process each
            **redis_lock_store_env(redis),
        }
        bot = start_bot(workdir, extra_env=stores, model=model)
        started.append(bot)
        second = start_rasa(workdir, bot.env, name="rasa server 2", model=model)
        started.append(second)
        wait_ready(second)
        results: dict[str, object] = {}
        for level in LEVELS:
            print(f"    {level} concurrent conversation(s), two instances...", flush=True)
            messages = max(level, int(MESSAGES[level] * scale))
            results[f"c{level}"] = asyncio.run(load([bot.rasa.url, second.url], level, messages))
        results["peak_rss_mb"] = {
            "rasa": peak_rss_mb(bot.rasa),
            "rasa_2": peak_rss_mb(second),
            "actions": peak_rss_mb(bot.actions),
        }
        return results
    finally:
        for thing in reversed(started):
            thing.stop()


def measure_variant(
    config: Path, name: str, workdir: Path, scale: float, stock: bool = False
) -> dict[str, object]:
    print(f"[{name}] cold training...", flush=True)
    cold = train(config, ROOT / "domain.yml", workdir, name)
    print(f"[{name}] retraining after a domain edit...", flush=True)
    retrain = train(config, edited_domain(workdir), workdir, f"{name}-edited")
    print(f"[{name}] serving...", flush=True)
    served = serve_and_measure(Path(str(cold["model"])), workdir / name, scale, stock)
    return {"cold_training": cold, "retrain": retrain, **served}


# --- Report -------------------------------------------------------------------


def rows(ours: dict, stock: dict | None) -> list[tuple[str, str, str, str]]:
    """(figure, ours, stock, how many times better ours is)."""

    def get(d: dict | None, path: str) -> float | None:
        for key in path.split("."):
            if d is None:
                return None
            d = d.get(key)
        return d

    table = []
    specs = [
        ("cold training (s)", "cold_training.seconds", "lower"),
        (
            "retraining after a domain edit (s)",
            "retrain.seconds",
            "lower",
        ),
        ("Rasa server: start to ready (s)", "ready_s.rasa", "lower"),
        ("action server: start to ready (s)", "ready_s.actions", "lower"),
    ]
    for level in LEVELS:
        specs += [
            (f"{level} conv.: p50 (ms)", f"c{level}.p50_ms", "lower"),
            (f"{level} conv.: p95 (ms)", f"c{level}.p95_ms", "lower"),
            (f"{level} conv.: p99 (ms)", f"c{level}.p99_ms", "lower"),
            (f"{level} conv.: throughput (msg/s)", f"c{level}.throughput_msg_s", "higher"),
            (f"{level} conv.: wrong or failed replies", f"c{level}.errors", "none"),
        ]
    specs += [
        ("400-turn conversation: p50 of turns 1-50 (ms)", "long.first_p50_ms", "lower"),
        ("400-turn conversation: p50 of turns 351-400 (ms)", "long.last_p50_ms", "lower"),
        ("400-turn conversation: last 50 / first 50", "long.last_over_first", "lower"),
        ("400-turn conversation: wrong or failed replies", "long.errors", "none"),
        ("Rasa server processes (with Sanic's parent)", "rasa_processes", "none"),
        ("Rasa server peak RSS per process (MB)", "peak_rss_mb.rasa", "lower"),
        ("action server peak RSS (MB)", "peak_rss_mb.actions", "lower"),
        ("held-out FAQ accuracy", "holdout.faq_accuracy", "higher"),
        ("held-out out-of-scope rejection", "holdout.oos_rejection", "higher"),
        ("held-out questions handled right", "holdout.all_correct", "higher"),
    ]
    for label, path, better in specs:
        a, b = get(ours, path), get(stock, path)
        ratio = ""
        if a is not None and b is not None and better != "none" and a and b:
            ratio = f"{(b / a if better == 'lower' else a / b):.2f}x"
        table.append((label, str(a), "-" if b is None else str(b), ratio))
    return table


def targets(ours: dict, stock: dict | None, cluster: dict | None) -> list[str]:
    lines = []

    def check(name: str, ok: bool, detail: str) -> None:
        lines.append(f"{'MET ' if ok else 'MISSED'}  {name}: {detail}")

    if stock:
        for label, a, b, lower in [
            ("p95 at 8 conversations", ours["c8"]["p95_ms"], stock["c8"]["p95_ms"], True),
            (
                "throughput at 8",
                ours["c8"]["throughput_msg_s"],
                stock["c8"]["throughput_msg_s"],
                False,
            ),
            (
                "throughput at 32",
                ours["c32"]["throughput_msg_s"],
                stock["c32"]["throughput_msg_s"],
                False,
            ),
            ("Rasa time to ready", ours["ready_s"]["rasa"], stock["ready_s"]["rasa"], True),
            ("Rasa peak RSS", ours["peak_rss_mb"]["rasa"], stock["peak_rss_mb"]["rasa"], True),
        ]:
            ratio = b / a if lower else a / b
            check(f"{label} >= 2x stock", ratio >= 2, f"{ratio:.2f}x ({a} vs {b})")
        for key in ("faq_accuracy", "oos_rejection", "all_correct"):
            a, b = ours["holdout"][key], stock["holdout"][key]
            check(f"held-out {key} >= stock", a >= b, f"{a} vs {b}")
        a, b = ours["c32"]["throughput_msg_s"], stock["c32"]["throughput_msg_s"]
        check("throughput at 32 >= 5x stock (issue 12)", a >= 5 * b, f"{a / b:.2f}x ({a} vs {b})")
    long = ours["long"]
    check(
        "400 turns: p50 of the last 50 within 1.3x the first 50's, every answer exact",
        long["last_over_first"] <= 1.3 and long["errors"] == 0,
        f"{long['last_over_first']}x ({long['last_p50_ms']} vs {long['first_p50_ms']} ms),"
        f" {long['errors']} wrong",
    )
    if stock:  # not a target: the same figure for stock, for comparison
        lines.append(
            f"        stock, the same 400 turns: {stock['long']['last_over_first']}x"
            f" ({stock['long']['last_p50_ms']} vs {stock['long']['first_p50_ms']} ms)"
        )
    rss = ours["peak_rss_mb"]["rasa"]
    check(f"peak RSS per Rasa process <= {RSS_LIMIT_MB} MB", rss <= RSS_LIMIT_MB, f"{rss} MB")
    for label, result in [("default layout", ours), ("two instances", cluster)]:
        if not result:
            continue
        c32 = result["c32"]
        bound = c32["fair_queue_bound_ms"]
        check(
            f"{label}: p95 at 32 within 1.5x the fair-queue bound",
            c32["p95_ms"] <= 1.5 * bound,
            f"{c32['p95_ms']} ms vs 1.5 x {bound} ms",
        )
        one_rate = 1000 / ours["c1"]["p50_ms"]  # one conversation, one message at a time
        ratio = c32["throughput_msg_s"] / ours["c1"]["throughput_msg_s"]
        check(
            f"{label}: throughput at 32 >= 1.6x one conversation",
            ratio >= 1.6,
            f"{ratio:.2f}x ({c32['throughput_msg_s']} vs {ours['c1']['throughput_msg_s']} msg/s;"
            f" 1000/p50 = {one_rate:.1f})",
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-stock", action="store_true", help="only our configuration")
    parser.add_argument("--skip-cluster", action="store_true", help="no two-instance run")
    parser.add_argument("--scale", type=float, default=1.0, help="scale the message counts")
    parser.add_argument("--skip-faq-growth", action="store_true", help="no 200-question FAQ")
    parser.add_argument("--only", choices=["faq-growth"], help="run only this part")
    args = parser.parse_args()
    # Imported here: tools.bench_scale uses this module's helpers.
    from tools import bench_scale

    if args.only == "faq-growth":
        bench_scale.run()
        return

    results: dict[str, object] = {"cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}
    workdir = Path(tempfile.mkdtemp(prefix="faq-bench-"))
    try:
        ours = measure_variant(ROOT / "config.yml", "ours", workdir, args.scale)
        results["ours"] = ours
        stock = None
        if not args.skip_stock:
            stock = measure_variant(stock_config(workdir), "stock", workdir, args.scale, True)
            results["stock"] = stock
        cluster = None
        if not args.skip_cluster:
            print("[ours, two instances] serving...", flush=True)
            model = Path(str(ours["cold_training"]["model"]))
            cluster = measure_cluster(model, workdir / "cluster", args.scale)
            results["ours_two_instances"] = cluster
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    table = rows(ours, stock)
    if cluster:
        for level in LEVELS:
            c = cluster[f"c{level}"]
            table.append(
                (f"two instances, {level} conv.: p95 (ms) / throughput (msg/s)",
                 f"{c['p95_ms']} / {c['throughput_msg_s']}", "-", "")
            )  # fmt: skip
    results["targets"] = targets(ours, stock, cluster)
    if not args.skip_faq_growth:
        results["faq_growth"] = bench_scale.run()
    out = ROOT / "reports" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")

    print("\n| figure | ours | stock `rasa init` | ours better by |")
    print("| --- | --- | --- | --- |")
    for row in table:
        print("| " + " | ".join(row) + " |")
    for name, variant in (("ours", ours), ("stock", stock)):
        if variant:
            parts = variant["retrain"]["components_trained"]
            print(f"Retrained after the domain edit ({name}): {', '.join(parts) or 'nothing'}")
    print("\n" + "\n".join(results["targets"]))
    print(f"\nWritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
