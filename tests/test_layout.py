"""The rooms keep to their jobs: the Rasa server's code (channels, patches, stores,
components, the launcher) and what both servers share (bot/) never import the action
server's (actions/), and the developer tools never import the tests."""

from __future__ import annotations

import re

import pytest

from bot import paths

IMPORTS = re.compile(r"^\s*(?:from|import)\s+(\w+)", re.MULTILINE)
SERVER_SIDE = ("bot", "channels", "components", "lean", "patches", "stores")


def imported_packages(folder: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(paths.ROOT)): set(IMPORTS.findall(path.read_text(encoding="utf-8")))
        for path in sorted((paths.ROOT / folder).rglob("*.py"))
    }


@pytest.mark.parametrize("folder", SERVER_SIDE)
def test_the_rasa_server_and_the_shared_code_never_import_the_actions(folder):
    offenders = {path for path, found in imported_packages(folder).items() if "actions" in found}
    assert offenders == set()


def test_the_tools_never_import_the_tests():
    offenders = {path for path, found in imported_packages("tools").items() if "tests" in found}
    assert offenders == set()
