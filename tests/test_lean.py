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


def python(*args: str) -> subprocess.CompletedProcess:
    """This interpreter with ``args``, in the repository, its output captured."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def lean_probe(code: str) -> list[str]:
    """Run ``code`` after ``lean.install()`` and Rasa's server imports; its printed words."""
    run = python(
        "-c", f"import lean, sys; lean.install(); import rasa.core.agent, rasa.server; {code}"
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.split()


def test_our_model_needs_no_tensorflow():
    assert tensorflow_components(MODEL) == []


def test_a_model_with_diet_or_ted_is_refused(tmp_path):
    diet = "rasa.nlu.classifiers.diet_classifier.DIETClassifier"
    ted = "rasa.core.policies.ted_policy.TEDPolicy"
    rule = "rasa.core.policies.rule_policy.RulePolicy"
    model = fake_model(tmp_path / "stock.tar.gz", [diet, rule, ted])
    assert tensorflow_components(model) == [diet, ted]
    run = python("-m", "lean", "run", "--model", str(model))
    assert run.returncode != 0
    assert "uses TensorFlow" in run.stderr and "DIETClassifier" in run.stderr


@pytest.mark.parametrize("args", [[], ["--model", "models/does-not-exist.tar.gz"]])
def test_lean_needs_a_model_file(args):
    run = python("-m", "lean", "run", *args)
    assert run.returncode != 0 and "needs --model" in run.stderr


def test_rasa_imports_with_the_stand_in_and_no_real_tensorflow():
    probe = (
        "tf = sys.modules['tensorflow']; "
        "real = [n for n, m in list(sys.modules.items()) "
        "if '/site-packages/tensorflow/' in (getattr(m, '__file__', None) or '')]; "
        "print(type(tf).__name__, hasattr(tf, '__file__'), len(real))"
    )
    assert lean_probe(probe) == ["_InertModule", "False", "0"]


def test_packages_of_unused_features_are_stand_ins_or_not_loaded():
    probe = (
        "import thinc.api, sklearn.utils._testing as t; "
        "print(*(type(sys.modules[n]).__name__ for n in sorted(lean.UNUSED) if n in sys.modules), "
        "'h5py' in sys.modules, 'pytest' in sys.modules, t.__name__)"
    )
    *kinds, h5py, pytest_loaded, _ = lean_probe(probe)
    assert kinds and set(kinds) == {"_InertModule"}  # matplotlib, pymongo, boto3, ... as imported
    assert (h5py, pytest_loaded) == ("False", "False")


@pytest.mark.parametrize(
    ("option", "content", "named"),
    [
        ("--endpoints", "tracker_store:\n  type: mongod\n", "tracker store 'mongod'"),
        ("--endpoints", "tracker_store:\n  type: dynamo\n", "tracker store 'dynamo'"),
        ("--credentials", "twilio:\n  account_sid: x\n", "twilio"),
        ("--credentials", "webexteams:\n  access_token: x\n", "webexteams"),
    ],
)
def test_lean_refuses_features_whose_packages_it_does_not_load(tmp_path, option, content, named):
    config = tmp_path / "config.yml"
    config.write_text(content)
    run = python("-m", "lean", "run", "--model", str(MODEL), option, str(config))
    assert run.returncode != 0
    assert f"does not load what {named} needs" in run.stderr
