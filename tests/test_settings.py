"""Each setting has one default (bot/settings.py), the code reads settings only
through it, and .env.example documents exactly the settings that exist."""

from __future__ import annotations

import re
import subprocess

import pytest

from bot import paths, settings
from tests import helpers

# Where the code names a setting: settings.get*("X"), os.environ["X"] /
# .get("X"), and ${X} in Rasa's YAML files.
READS = re.compile(
    r"""settings\.get(?:_int|_float)?\(\s*"([A-Z0-9_]+)"|"""
    r"""os\.environ(?:\.get)?[\[(]\s*"([A-Z0-9_]+)"|"""
    r"""\$\{([A-Z0-9_]+)\}"""
)
# Set for Rasa and TensorFlow themselves, not settings of the bot.
NOT_SETTINGS = {"RASA_TELEMETRY_ENABLED", "TF_CPP_MIN_LOG_LEVEL", "PYTHONDONTWRITEBYTECODE"}


def source_files() -> list:
    return [
        path
        for path in helpers.repo_files()
        if path.suffix in (".py", ".yml", ".sh")
        and path.relative_to(paths.ROOT).parts[0] != "tests"
    ]


def names_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yml":  # the YAML files' comments are prose
            text = re.sub(r"#.*", "", text)
        for groups in READS.findall(text):
            found.update(name for name in groups if name)
    return found - NOT_SETTINGS


def documented() -> set[str]:
    text = paths.ENV_EXAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE)) - NOT_SETTINGS


def test_every_setting_the_code_reads_has_its_one_default():
    assert names_read_by_the_code() - set(settings.DEFAULTS) == set()


def test_env_example_lists_every_setting_and_only_those():
    assert documented() == set(settings.DEFAULTS)


def test_no_default_is_spelled_outside_bot_settings():
    """os.environ.get("X", default) would be a second home for X's default."""
    second_homes = [
        f"{path.relative_to(paths.ROOT)}: {match}"
        for path in source_files()
        if path.suffix == ".py" and path.parent.name != "bot"
        for match in re.findall(r'os\.environ\.get\(\s*"[A-Z0-9_]+"\s*,[^)]*\)', path.read_text())
    ]
    assert second_homes == []


def test_defaults_follow_the_settings_they_name(monkeypatch):
    for name in settings.DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    assert settings.get("ACTION_ENDPOINT_URL") == "http://127.0.0.1:5055/webhook"
    monkeypatch.setenv("ACTIONS_PORT", "6000")
    assert settings.get("ACTION_ENDPOINT_URL") == "http://127.0.0.1:6000/webhook"
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://actions.internal/webhook")
    assert settings.get("ACTION_ENDPOINT_URL") == "http://actions.internal/webhook"
    monkeypatch.setenv("SANIC_REQUEST_MAX_SIZE", "")  # empty counts as unset
    assert settings.get_int("SANIC_REQUEST_MAX_SIZE") == 65536


def test_the_shell_form_exports_only_what_is_unset(monkeypatch):
    for name in settings.DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RASA_PORT", "7000")
    result = subprocess.run(
        [".venv/bin/python", "-m", "bot.settings"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert "export RASA_PUBLIC_URL=http://localhost:7000" in lines
    assert not any(line.startswith("export RASA_PORT=") for line in lines)
    assert "export TRACKER_STORE_URL=sqlite:///var/tracker.db" in lines


@pytest.mark.parametrize("name", sorted(settings.DEFAULTS))
def test_every_default_resolves(name, monkeypatch):
    for other in settings.DEFAULTS:
        monkeypatch.delenv(other, raising=False)
    assert "{" not in settings.get(name)


def test_empty_web_chat_origins_mean_the_pages_own_origin_never_any(monkeypatch):
    from channels.socketio import allowed_origins

    monkeypatch.setenv("WEB_CHAT_ORIGINS", "")
    monkeypatch.setenv("WEB_PORT", "8123")
    assert allowed_origins() == ["http://localhost:8123", "http://127.0.0.1:8123"]
    monkeypatch.setenv("WEB_CHAT_ORIGINS", "https://faq.example.org/, https://b.example")
    assert allowed_origins() == ["https://faq.example.org", "https://b.example"]


def test_an_unset_secret_is_made_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "SECRETS_DIR", tmp_path / "secrets")
    monkeypatch.delenv("SESSION_SECRET", raising=False)
    made = settings.get("SESSION_SECRET")
    assert len(made) >= 43  # 32 random bytes
    assert settings.get("SESSION_SECRET") == made  # kept: every process agrees
    assert (tmp_path / "secrets" / "SESSION_SECRET").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700
    monkeypatch.setenv("SESSION_SECRET", "from-the-environment")
    assert settings.get("SESSION_SECRET") == "from-the-environment"
