"""Text that cannot forge a report or a log line.

Whatever people type reaches the servers' logs and `make review`'s report
(tools/review.py). A newline or U+2028 in it would print a second line that
looks like the tool's own (a fake log record, a fake review group); ESC starts
a terminal control sequence (``\\x1b[2J`` clears the screen); the bidi controls
(U+202E...) show text in another order than it is stored. ``escape`` turns each
such character into a visible escape, Python-style (``\\n``, ``\\x1b``,
``\\u202e``), and the backslash into ``\\\\``, so an escape in the output always
means an escaped character and never something that was typed. The text of the
four languages (Latin, Cyrillic, Hangul) and emoji are left as they are.

``install_log_escaping`` makes every log record's message pass through
``escape`` (the servers install it at start), so that each record prints as one
physical line whatever its arguments hold. tests/test_printable.py guards both.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

# The format characters (Unicode category Cf) of Python 3.10's Unicode 13.0,
# written out because deriving them from unicodedata takes 0.27 s at every
# import (tests/test_printable.py checks this list against unicodedata). They
# include the bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E,
# U+2066-U+2069), the zero-width characters, the BOM and the invisible tag
# characters (U+E0020-U+E007F), which can smuggle text past a reader. ZWJ
# (U+200D) is the one left out: UNPRINTABLE adds it, and ``escaped`` keeps it
# between two emoji.
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u08e2\u180e\u200b\u200c\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# Emoji, roughly (arrows, symbols, dingbats and the emoji planes), and the
# presentation selector (U+FE0F) that may end one.
PICTOGRAPHS = (
    (0x2190, 0x21FF),
    (0x2300, 0x23FF),
    (0x2460, 0x27BF),
    (0x2900, 0x297F),
    (0x2B00, 0x2BFF),
    (0x1F000, 0x1FAFF),
)
ZWJ = "\u200d"

UNPRINTABLE = re.compile(
    "[\\\\"  # the backslash: what escapes begin with
    "\x00-\x1f\x7f-\x9f"  # C0 controls (ESC, CR, LF, TAB...), DEL, C1 (NEL U+0085...)
    "\u2028\u2029"  # line and paragraph separators
    f"{FORMAT_CHARACTERS}{ZWJ}"
    "\ud800-\udfff"  # lone surrogates (a str can hold them; no encoder can)
    "]"
)
# The escapes of the characters met so far (each is computed once).
ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def pictograph(text: str, at: int, before: bool = False) -> bool:
    if not 0 <= at < len(text):
        return False
    code = ord(text[at])
    return (before and code == 0xFE0F) or any(lo <= code <= hi for lo, hi in PICTOGRAPHS)


def escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char == ZWJ:
        # ZWJ is kept between two emoji, where it joins them into one (woman +
        # ZWJ + laptop is one emoji, "woman technologist"; so are the rainbow
        # flag and the families): escaping it there would break the emoji people
        # typed, and joining two pictures can neither move text nor start a line.
        # Anywhere else it is only an invisible character. None of the four
        # languages needs ZWJ or ZWNJ: Hangul syllables are precomposed, and
        # conjoining jamo need no joiner.
        text, at = match.string, match.start()
        if pictograph(text, at - 1, before=True) and pictograph(text, at + 1):
            return char
    found = ESCAPES.get(char)
    if found is None:
        code = ord(char)
        if code < 0x100:
            found = f"\\x{code:02x}"
        elif code < 0x10000:
            found = f"\\u{code:04x}"
        else:
            found = f"\\U{code:08x}"
        ESCAPES[char] = found
    return found


def escape(text: str) -> str:
    """``text`` with every control, separator, bidi and other format character,
    lone surrogate and backslash shown as a visible escape: one line, shown in
    the order it was stored."""
    return UNPRINTABLE.sub(escaped, text)


# Set on the record factories and the records this module made, so that a second
# installation, or a factory of someone else's wrapped around ours, never
# escapes a message twice.
MARK = "_printable"


def escape_record(record: logging.LogRecord) -> None:
    """Replace the record's message by its escaped text, and pre-format its
    traceback with each exception's message escaped.

    Eager, and by setting ``msg`` and ``args`` (as logging.handlers.QueueHandler
    does), not by overriding ``getMessage``: formatters that decorate ``msg``
    (coloredlogs wraps it in its level's ANSI colours) then decorate the escaped
    text, and their own colours stay colours. A message whose arguments do not fit
    it is left as it is: the handler reports it (``Handler.handleError``).
    """
    try:
        message = record.getMessage()
    except Exception:
        return
    record.msg, record.args = escape(message), None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        try:
            record.exc_text = escaped_traceback(record.exc_info)
        except Exception:  # never fail a log call: the formatter prints it as Python does
            record.exc_text = None
    setattr(record, MARK, True)


def escaped_traceback(exc_info: Any) -> str:
    """The traceback ``logging.Formatter.formatException`` prints, with what each
    exception of the chain says escaped: the frames stay lines of their own, and
    a message cannot add one. It relies on ``traceback.TracebackException``
    keeping ``str(exception)`` in ``_str`` (a SyntaxError's in ``msg`` and
    ``text``), as CPython 3.10 does; tests/test_printable.py guards it."""
    report = traceback.TracebackException(*exc_info, compact=True)
    pending, seen = [report], set()
    while pending:
        exc = pending.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        exc._str = escape(exc._str)
        for name in ("msg", "text"):
            value = getattr(exc, name, None)
            if isinstance(value, str):
                setattr(exc, name, escape(value.rstrip("\n")))
        pending += [exc.__cause__, exc.__context__]
    return "".join(report.format()).removesuffix("\n")


def install_log_escaping() -> None:
    """Escape every log record's message from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, MARK, False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if not getattr(record, MARK, False):
            escape_record(record)
        return record

    setattr(make_record, MARK, True)
    logging.setLogRecordFactory(make_record)
