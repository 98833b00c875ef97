"""Rasa's own checks: data validation and conversation tests."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import MODEL, ROOT
from tools.support.processes import server_env


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=ROOT,
        env=server_env(
            ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook", TRACKER_STORE_URL="sqlite://"
        ),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_rasa_data_validate_has_no_warnings():
    result = rasa("data", "validate", "--fail-on-warnings")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "UserWarning" not in output, output


def test_conversation_tests_pass(tmp_path):
    result = rasa(
        "test", "core",
        "--model", str(MODEL),
        "--stories", "tests/test_stories.yml",
        "--e2e",
        "--fail-on-prediction-errors",
        "--out", str(tmp_path),
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "Finished collecting predictions." in output or "Correct:" in output, output[-3000:]
