"""How a content file's YAML problems are said to its owner: on one line, in
words rather than Python types (bot/content.py, bot/questions.py)."""

from __future__ import annotations

from typing import Any

import yaml


def shape(value: Any) -> str:
    """What a YAML value is, in the content owner's words."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"  # a date, a timestamp


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def yaml_problem(error: yaml.YAMLError) -> str:
    """Where PyYAML stopped and why, on one line (its own message spans several)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    if mark is None or not problem:
        return one_line(error)
    return f"line {mark.line + 1}, column {mark.column + 1}: {' '.join(problem.split())}"
