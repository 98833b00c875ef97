"""Benchmark: training time, time to ready, sequential REST latency, memory.

A measurement, not a test: it prints a table and writes reports/bench.json.
Usage: python -m scripts.bench [--messages N] [--skip-train]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from scripts.servers import ROOT, Server, server_env, start_bot

QUESTIONS = [
    "Why does Kazakhstan have Koreans?",
    "how many kazakhs work in korea",
    "who is north korea's enemy",
    "What is the capital of Kazakhstan?",
    "hello",
]


def cold_training_seconds(workdir: Path) -> float:
    """`rasa train` from nothing: empty cache, new output folder."""
    env = server_env(RASA_CACHE_DIRECTORY=str(workdir / "cache"))
    start = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--out", str(workdir / "models")],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - start


def memory_mb(server: Server) -> dict[str, float]:
    """Current and peak resident memory of a server process, in MB."""
    fields = {}
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields["VmRSS"], 1), "peak_rss_mb": round(fields["VmHWM"], 1)}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def sequential_latency_ms(rasa: Server, messages: int, turns: int) -> dict[str, float]:
    """One message at a time; a new conversation (sender) every ``turns`` messages."""
    url = rasa.url + "/webhooks/rest/webhook"
    session = requests.Session()
    warm_up = {"sender": "bench-warm-up", "message": "hi"}
    session.post(url, json=warm_up, timeout=60).raise_for_status()
    timings = []
    for i in range(messages):
        if i % turns == 0:
            sender = f"bench-{uuid.uuid4().hex}"
        body = {"sender": sender, "message": QUESTIONS[i % len(QUESTIONS)]}
        start = time.perf_counter()
        reply = session.post(url, json=body, timeout=60)
        timings.append((time.perf_counter() - start) * 1000)
        reply.raise_for_status()
        assert reply.json(), "no reply"
    return {
        "messages": messages,
        "turns_per_conversation": turns,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "mean_ms": round(statistics.fmean(timings), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--skip-train", action="store_true", help="skip cold training")
    args = parser.parse_args()

    results: dict[str, object] = {"cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.skip_train:
            print("Cold training (empty cache)...", flush=True)
            results["cold_training_s"] = round(cold_training_seconds(workdir), 1)
        print("Starting the servers...", flush=True)
        bot = start_bot(workdir)
        actions, rasa = bot.actions, bot.rasa
        try:
            results["ready_s"] = {
                "rasa": round(rasa.ready_after_s, 1),
                "actions": round(actions.ready_after_s, 1),
            }
            print(f"Sending {args.messages} messages one at a time...", flush=True)
            results["sequential"] = sequential_latency_ms(rasa, args.messages, args.turns)
            results["memory"] = {"rasa": memory_mb(rasa), "actions": memory_mb(actions)}
        finally:
            bot.stop()

    out = ROOT / "reports" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")

    seq, mem, ready = results["sequential"], results["memory"], results["ready_s"]
    training = results.get("cold_training_s")

    def memory(name: str) -> str:
        return f"{mem[name]['rss_mb']} / {mem[name]['peak_rss_mb']} MB"

    rows = [
        ("cold training", f"{training} s" if training else "skipped"),
        ("Rasa server: start to ready", f"{ready['rasa']} s"),
        ("action server: start to ready", f"{ready['actions']} s"),
        ("REST latency, sequential, p50", f"{seq['p50_ms']} ms"),
        ("REST latency, sequential, p95", f"{seq['p95_ms']} ms"),
        ("Rasa server memory (RSS / peak)", memory("rasa")),
        ("action server memory (RSS / peak)", memory("actions")),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\n{'figure'.ljust(width)} | value")
    print(f"{'-' * width}-|------")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")
    print(f"\nWritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
