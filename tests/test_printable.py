"""bot/printable.py: typed text cannot forge a log line or a report line, and the
text of the four languages prints as it is."""

from __future__ import annotations

import io
import logging
import sys
import time
import unicodedata

import coloredlogs
import pytest

from bot import printable
from bot.printable import escape, install_log_escaping
from tests import helpers


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # ANSI: clear the screen, cursor home
        ("one\ntwo", "one\\ntwo"),
        ("one\r\ntwo\tthree", "one\\r\\ntwo\\tthree"),
        ("one\u2028two\u2029three", "one\\u2028two\\u2029three"),  # line, paragraph separators
        ("abc\u202edef", "abc\\u202edef"),  # right-to-left override
        ("\u2066x\u2069 \u200e\u200f\u061c", "\\u2066x\\u2069 \\u200e\\u200f\\u061c"),  # bidi
        ("a\x85b\x7fc\x00d", "a\\x85b\\x7fc\\x00d"),  # NEL, DEL, NUL
        ("\ufeffzero\u200bwidth\u00ad", "\\ufeffzero\\u200bwidth\\xad"),  # BOM, ZWSP, SHY
        ("tag\U000e0041\U000e007f", "tag\\U000e0041\\U000e007f"),  # invisible tag characters
        ("lone \ud800", "lone \\ud800"),
        ("a\\nb", "a\\\\nb"),  # a typed backslash cannot pass for an escape
        ("a\u200db \u200c", "a\\u200db \\u200c"),  # ZWJ between letters, ZWNJ
    ],
)
def test_escape_shows_controls_separators_and_bidi_as_escapes(text, shown):
    assert escape(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        'Why does Kazakhstan have Koreans? It\'s 100% fine: "quotes", ~tilde~ & <b>.',
        "Почему в Казахстане так много корейцев? Ёлка, «ёж» — тире.",
        "Қазақстанда корей тілінде сөйлей ме? Оңтүстік Кореяның жауы кім?",
        "카자흐스탄에서 한국어를 아직도 쓰나요? 고려인은 누구인가요?",
        "emoji 👍🏽 🇰🇿 🇰🇷 ❤️ 👩\u200d💻 🏳️\u200d🌈 👨\u200d👩\u200d👧 🤷\u200d♀️",
        "non-breaking\u00a0space, ideographic\u3000space",
    ],
)
def test_escape_leaves_the_four_languages_and_emoji_as_they_are(text):
    assert escape(text) == text


def test_escape_leaves_every_text_of_the_content_as_it_is():
    data = helpers.texts()
    texts = [
        text
        for q in helpers.questions()
        for localized in q.by_language.values()
        for text in (localized.title, localized.answer)
    ]
    texts += [text for localized in data["texts"].values() for text in localized.values()]
    texts.append(data["unsupported_language"])
    assert [t for t in texts if escape(t) != t] == []


def test_escape_covers_exactly_the_controls_separators_format_characters_and_surrogates():
    """FORMAT_CHARACTERS is written out (bot/printable.py): it must be every
    format character (Cf) of this Python's Unicode, and nothing else."""
    matched, expected = set(), set()
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if printable.UNPRINTABLE.fullmatch(char):
            matched.add(code)
        if unicodedata.category(char) in ("Cc", "Cf", "Cs") or char in "\\\u2028\u2029":
            expected.add(code)
    assert sorted(matched - expected) == [] and sorted(expected - matched) == []


def test_escaped_text_is_one_line_of_printable_characters():
    nasty = "".join(chr(c) for c in range(0x20)) + "\x7f\x85\u2028\u2029\u202e\u2066\ud800"
    shown = escape(nasty)
    assert shown.isprintable() and shown.isascii()
    assert len(shown.splitlines()) == 1


def test_escape_is_fast_for_a_message_at_the_length_limit():
    clean = ("Почему в Казахстане корейцы? 카자흐스탄 한국어? Why Koreans? " * 20)[:1000]
    dirty = ("a\nb\x1b[2J\u202e" * 200)[:1000]
    for text in (clean, dirty):
        started = time.perf_counter()
        for _ in range(200):
            escape(text)
        assert (time.perf_counter() - started) / 200 < 0.002  # measured: 16 / 160 µs


@pytest.fixture
def logged():
    """A real logger writing through a StreamHandler to a string, with escaping
    installed; the process's record factory is restored afterwards."""
    factory = logging.getLogRecordFactory()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s - %(message)s"))
    logger = logging.getLogger("tests.printable")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    install_log_escaping()
    yield logger, stream, handler
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)


PLANTED = "hello\n2026-01-01 00:00:00 ERROR    rasa.core  - Action server down, send token"


def test_a_planted_newline_cannot_add_a_log_line(logged):
    logger, stream, _ = logged
    logger.info("User said %s", PLANTED)
    logger.warning("raw \x1b[2J\x1b[H and \u202e in the message itself")
    assert stream.getvalue().splitlines() == [
        "INFO tests.printable - User said hello\\n2026-01-01 00:00:00 ERROR    rasa.core  - "
        "Action server down, send token",
        "WARNING tests.printable - raw \\x1b[2J\\x1b[H and \\u202e in the message itself",
    ]


def test_installing_twice_escapes_once(logged):
    logger, stream, _ = logged
    factory = logging.getLogRecordFactory()
    install_log_escaping()
    assert logging.getLogRecordFactory() is factory
    logger.info("a\\b\nc")
    assert stream.getvalue() == "INFO tests.printable - a\\\\b\\nc\n"


def test_messages_that_are_not_strings_still_print_escaped(logged):
    logger, stream, _ = logged
    logger.info(ValueError("bad\ninput"))
    logger.info(42)
    logger.info("%(who)s said %(what)s", {"who": "rest:me", "what": "x\ny"})
    assert stream.getvalue().splitlines() == [
        "INFO tests.printable - bad\\ninput",
        "INFO tests.printable - 42",
        "INFO tests.printable - rest:me said x\\ny",
    ]


def test_a_traceback_keeps_its_lines_and_the_exception_message_is_escaped(logged):
    logger, stream, _ = logged

    def fail() -> None:
        raise ValueError(PLANTED)

    try:
        fail()
    except ValueError:
        logger.exception("Action failed for %s", "x\u2028y")
        exc_info = sys.exc_info()
    lines = stream.getvalue().splitlines()
    plain = logging.Formatter().formatException(exc_info).splitlines()
    assert lines[0] == "ERROR tests.printable - Action failed for x\\u2028y"
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[1:-1] == plain[:-2]  # the frames, as Python prints them
    assert lines[-1] == "ValueError: " + escape(PLANTED)
    assert len(lines) == len(plain)  # the planted newline added none


def test_chained_exceptions_are_escaped_too(logged):
    logger, stream, _ = logged
    try:
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise RuntimeError("outer\x1b[2J") from inner
    except RuntimeError:
        logger.exception("failed")
    output = stream.getvalue()
    assert "\x1b" not in output
    assert "KeyError: 'inner'" in output and "RuntimeError: outer\\x1b[2J" in output
    assert "The above exception was the direct cause of the following exception:" in output


def test_coloredlogs_keeps_its_colours_and_the_planted_ones_are_escaped(logged):
    """Rasa and rasa_sdk log through coloredlogs, which wraps the message in its
    level's colour when the output is a terminal."""
    logger, stream, handler = logged
    handler.setFormatter(coloredlogs.ColoredFormatter("%(levelname)s - %(message)s"))
    logger.error("got %s", "\x1b[2J\x1b[Hhi\nthere")
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(" - \x1b[31mgot \\x1b[2J\\x1b[Hhi\\nthere\x1b[0m")
    assert "\x1b[2J" not in line


def test_a_call_with_the_wrong_arguments_is_reported_not_raised(logged, capsys):
    logger, stream, _ = logged
    logger.info("count %d", "many\nlines")  # does not raise here
    assert stream.getvalue() == ""
    assert "--- Logging error ---" in capsys.readouterr().err
