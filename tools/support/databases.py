"""Throw-away PostgreSQL and Redis servers on loopback, from Debian's packages.

The scale-out tests and `make bench` use them: a shared tracker store and lock
store for several Rasa instances. `.ci/run` installs the packages
(postgresql, redis-server). Data lives in a fresh temporary folder and is
deleted on stop; PostgreSQL runs with fsync off (test data only).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.support.processes import free_port

READY_TIMEOUT_S = 60


def postgres_bin(name: str) -> str:
    """A PostgreSQL server program (Debian keeps them out of PATH)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: apt-get install postgresql")
    return path


def as_postgres_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; CI runs as root, developers usually not."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class Service:
    name: str
    url: str
    workdir: Path
    process: subprocess.Popen | None = None
    stop_args: list[str] = field(default_factory=list)

    @property
    def port(self) -> str:
        return self.url.rsplit(":", 1)[1].split("/", 1)[0]

    def stop(self) -> None:
        if self.stop_args:
            subprocess.run(self.stop_args, capture_output=True, timeout=60)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


def private_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


def start_postgres(database: str = "rasa") -> Service:
    """initdb + pg_ctl start on a free loopback port; returns the SQLAlchemy URL."""
    workdir = private_dir("faq-postgres-")
    data, port = workdir / "data", free_port()
    run = lambda args: subprocess.run(  # noqa: E731
        as_postgres_user(args), check=True, capture_output=True, text=True, timeout=120
    )
    run([postgres_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "rasa", "-E", "UTF8"])
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = postgres_bin("pg_ctl")
    run([pg_ctl, "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"])
    run([postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "rasa", database])
    url = f"postgresql://rasa@127.0.0.1:{port}/{database}"
    stop = as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"])
    return Service("postgres", url, workdir, stop_args=stop)


def start_redis() -> Service:
    workdir = Path(tempfile.mkdtemp(prefix="faq-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(workdir),
        ],
        stdout=(workdir / "log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    service = Service("redis", f"redis://127.0.0.1:{port}", workdir, process)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        ping = subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=10
        )
        if ping.stdout.strip() == "PONG":
            return service
        if process.poll() is not None:
            break
        time.sleep(0.2)
    service.stop()
    raise RuntimeError("redis-server did not start")


def redis_lock_store_env(redis: Service) -> dict[str, str]:
    """The environment that points endpoints.yml's lock store at ``redis``."""
    return {
        "LOCK_STORE_TYPE": "stores.lock_store.AtomicRedisLockStore",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": redis.port,
        "REDIS_DB": "1",
    }
