"""lean/: Rasa without TensorFlow for models that do not use it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile

import pytest

from bot.paths import MODEL, ROOT
from lean import tensorflow_components


def fake_model(path, uses: list[str]):
    metadata = {"predict_schema": {"nodes": {f"n{i}": {"uses": u} for i, u in enumerate(uses)}}}
    data = json.dumps(metadata).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_our_model_needs_no_tensorflow():
    assert tensorflow_components(MODEL) == []


def test_a_model_with_diet_or_ted_is_refused(tmp_path):
    diet = "rasa.nlu.classifiers.diet_classifier.DIETClassifier"
    ted = "rasa.core.policies.ted_policy.TEDPolicy"
    rule = "rasa.core.policies.rule_policy.RulePolicy"
    model = fake_model(tmp_path / "stock.tar.gz", [diet, rule, ted])
    assert tensorflow_components(model) == [diet, ted]
    run = subprocess.run(
        [sys.executable, "-m", "lean", "run", "--model", str(model)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode != 0
    assert "uses TensorFlow" in run.stderr and "DIETClassifier" in run.stderr


@pytest.mark.parametrize("args", [[], ["--model", "models/does-not-exist.tar.gz"]])
def test_lean_needs_a_model_file(args):
    run = subprocess.run(
        [sys.executable, "-m", "lean", "run", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode != 0 and "needs --model" in run.stderr


def test_rasa_imports_with_the_stand_in_and_no_real_tensorflow():
    probe = (
        "import lean, sys; lean.install(); import rasa.core.agent, rasa.server; "
        "tf = sys.modules['tensorflow']; "
        "real = [n for n, m in list(sys.modules.items()) "
        "if '/site-packages/tensorflow/' in (getattr(m, '__file__', None) or '')]; "
        "print(type(tf).__name__, hasattr(tf, '__file__'), len(real))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["_InertModule", "False", "0"]
