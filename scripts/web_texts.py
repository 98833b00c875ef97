"""The web page in its languages: content/web.yml filled into web/index.html.

web/index.html is a ``string.Template``. The page is served with its English
texts in place (the language of a visitor the bot knows nothing about), a
button for each language of bot/languages.py, and every text in every language
as a JSON block that web/chat.js reads to switch the page's language without
asking the server again (the page's CSP allows no inline script, and
connections only to the bot: a data block needs neither).

``PageStore`` renders the page again when web/index.html or content/web.yml
changes; a broken edit keeps the last good page. tests/test_web_server.py checks
the rendered page and the content, tests/test_webchat.py the switch in a browser.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from string import Template
from typing import Any

import yaml

from bot import languages, paths, settings
from bot.reloading import Reloading
from bot.yaml_text import one_line, shape, yaml_problem

# The texts the page uses: web/index.html names some (``${title}``), web/chat.js
# the rest. content/web.yml gives exactly these, each in every language.
TEXT_NAMES = (
    "title",
    "description",
    "subtitle",
    "placeholder",
    "reconnecting",
    "language_switch",
    "language_name",
)
# The element web/chat.js reads the texts from (web/index.html: ``${page_texts}``).
TEXTS_BLOCK_ID = "page-texts"
# One button of the switch; chat.js sends the language of the one clicked. The
# label is the language's code, its tooltip the language's name in itself.
BUTTON = (
    '<button type="button" data-language="{code}" lang="{code}" title="{name}">{label}</button>'
)
BUTTON_INDENT = "\n      "

logger = logging.getLogger("scripts.web")  # the server's logger: main() sets its level

Texts = dict[str, dict[str, str]]


class WebTextsError(ValueError):
    """content/web.yml cannot be used; the message names the file and the place."""


def texts_file() -> Path:
    """content/web.yml, in the content folder the bot uses (``FAQ_CONTENT_DIR``)."""
    return paths.ROOT / settings.get("FAQ_CONTENT_DIR") / "web.yml"


def parse(data: Any) -> Texts:
    """The texts of a parsed web.yml; a ``WebTextsError`` naming the place
    (``texts.title.ru``) of anything missing, unknown or of the wrong shape."""
    expected = ", ".join(languages.LANGUAGES)
    if not isinstance(data, dict) or not isinstance(data.get("texts"), dict):
        found = shape(data.get("texts") if isinstance(data, dict) else data)
        raise WebTextsError(f"the file must have a 'texts' mapping, not {found}")
    texts = data["texts"]
    unknown = sorted(map(str, set(texts) - set(TEXT_NAMES)))
    if unknown:
        raise WebTextsError(f"texts has unknown entries: {unknown}")
    parsed: Texts = {}
    for name in TEXT_NAMES:
        value = texts.get(name)
        if not isinstance(value, dict):
            raise WebTextsError(f"texts.{name} must give exactly {expected}, not {shape(value)}")
        missing = [code for code in languages.LANGUAGES if code not in value]
        extra = sorted(map(str, set(value) - set(languages.LANGUAGES)))
        if missing or extra:
            found = "; ".join(
                f"{label}: {', '.join(codes)}"
                for label, codes in (("missing", missing), ("unknown", extra))
                if codes
            )
            raise WebTextsError(f"texts.{name} must give exactly {expected} ({found})")
        for code in languages.LANGUAGES:
            text = value[code]
            if not isinstance(text, str):
                raise WebTextsError(
                    f"texts.{name}.{code} must be a non-empty string, not {shape(text)}"
                )
            if not text.strip():
                raise WebTextsError(f"texts.{name}.{code} must be a non-empty string")
        parsed[name] = {code: value[code] for code in languages.LANGUAGES}
    return parsed


def load(path: Path) -> Texts:
    """The texts of ``path``; a one-line ``WebTextsError`` that starts with the path."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise WebTextsError(f"{path}: cannot read it: {one_line(error)}") from None
    except yaml.YAMLError as error:
        raise WebTextsError(f"{path}: not YAML: {yaml_problem(error)}") from None
    except UnicodeDecodeError as error:
        raise WebTextsError(f"{path}: not UTF-8: {one_line(error)}") from None
    try:
        return parse(data)
    except WebTextsError as error:
        raise WebTextsError(f"{path}: {error}") from None


def render(template: str, texts: Texts) -> bytes:
    """The page: ``template`` (web/index.html) with the English texts, the
    language buttons and the JSON block of every text filled in."""
    english = {name: html.escape(value[languages.ENGLISH]) for name, value in texts.items()}
    buttons = BUTTON_INDENT.join(
        BUTTON.format(
            code=html.escape(code),
            name=html.escape(texts["language_name"][code]),
            label=html.escape(code.upper()),
        )
        for code in languages.LANGUAGES
    )
    block = {"languages": list(languages.LANGUAGES), "default": languages.ENGLISH, "texts": texts}
    # The block is raw text up to the next "</script": a text must not end it.
    page_texts = json.dumps(block, ensure_ascii=False).replace("<", "\\u003c")
    try:
        page = Template(template).substitute(
            english,
            lang=languages.ENGLISH,
            language_buttons=buttons,
            page_texts=page_texts,
        )
    except (KeyError, ValueError) as error:
        raise WebTextsError(f"web/index.html names an unknown text or a bad $: {error}") from None
    return page.encode()


class PageStore:
    """The rendered page, made again when the template or the texts change.

    Like the bot's content (bot/reloading.py), a broken edit of content/web.yml
    keeps the last good page, with one ERROR line per edit; with no good page
    yet the error is raised (scripts/web.py then refuses to start).
    """

    def __init__(self, template: Path, texts: Path) -> None:
        self.template = template
        self.texts = texts
        self._page = Reloading(
            lambda: (self.template, self.texts),
            lambda: render(self.template.read_text(encoding="utf-8"), load(self.texts)),
            lambda error: logger.error("%s. Serving the last good page until it is fixed.", error),
            errors=(OSError, WebTextsError),
        )

    def get(self) -> bytes:
        try:
            return self._page.get()
        except (OSError, WebTextsError) as error:
            raise WebTextsError(one_line(error)) from None
