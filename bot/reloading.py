"""A value made from files and made again when one of them changes, keeping the last
good one when an edit breaks it: the bot's content (bot/content.py) and the web
page (scripts/web_texts.py) are edited by their owner while the servers run.

A failure is reported once per edit: the failed files' stamp is remembered like a
good one's, so the next requests do not read them again. With no good value yet
there is nothing to keep, and the error is raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

from bot.yaml_text import one_line

T = TypeVar("T")


class Reloading(Generic[T]):
    """``load()`` of ``files()``, made again when any of them changes (modified,
    added or removed). A failure among ``errors`` with a good value kept calls
    ``on_broken(error)``; the next success after one calls ``on_recovered()``."""

    def __init__(
        self,
        files: Callable[[], Iterable[Path]],
        load: Callable[[], T],
        on_broken: Callable[[BaseException], None],
        on_recovered: Callable[[], None] = lambda: None,
        errors: tuple[type[BaseException], ...] = (Exception,),
    ) -> None:
        self.files, self.load = files, load
        self.on_broken, self.on_recovered, self.errors = on_broken, on_recovered, errors
        self._lock = threading.Lock()
        self._stamp: object = None
        self._value: T | None = None
        self._broken = False

    def stamp(self) -> object:
        """What changes when any of the files is edited, added or removed."""
        stamp = []
        for file in self.files():
            try:
                stat = file.stat()
                stamp.append((file.name, stat.st_mtime_ns, stat.st_size))
            except OSError as error:
                stamp.append((file.name, one_line(error)))  # missing: reported once
        return tuple(stamp)

    def get(self) -> T:
        stamp = self.stamp()
        with self._lock:
            if stamp != self._stamp or self._value is None:
                self._stamp = stamp
                try:
                    value = self.load()
                except self.errors as error:
                    if self._value is None:
                        raise
                    self.on_broken(error)
                    self._broken = True
                else:
                    if self._broken:
                        self.on_recovered()
                    self._value, self._broken = value, False
            return self._value
