"""A reply cut to a platform's length limit, for the channels that have one.

Telegram refuses a message over 4,096 characters and Slack one whose section
block is over 3,000 (or cuts its text after 40,000): a reply over the limit
would reach the user not at all, or cut. ``split_text`` cuts it where a reader
expects a break. Telegram's and Slack's channels both use it
(tests/test_telegram.py and tests/test_slack.py pin the cuts).
"""

from __future__ import annotations

from collections.abc import Callable

# Where a long text may be cut, best first: paragraph, line, word.
BOUNDARIES = ("\n\n", "\n", " ")


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """``text`` in pieces of at most ``limit`` as ``measure`` counts them (Slack
    counts escaped characters), each cut at the last paragraph break that fits,
    else line break, else space, else mid-word.

    White space around the text and at each cut is dropped, so no piece is blank
    (both platforms refuse a blank message); blank text gives no pieces.
    ``measure`` must never count less than ``len``: the search for the longest
    prefix that fits starts at ``limit`` characters.
    """
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if measure(rest) <= limit:
            pieces.append(rest)
            break
        low, high = 1, min(len(rest), limit)
        while low < high:  # the longest prefix that fits
            middle = (low + high + 1) // 2
            low, high = (middle, high) if measure(rest[:middle]) <= limit else (low, middle - 1)
        fits = rest[:low]
        cut = next((at for at in map(fits.rfind, BOUNDARIES) if at > 0), len(fits))
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces
