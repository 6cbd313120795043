"""A one-line status on standard error while a long command works, only on a terminal."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TextIO


class Progress:
    """`text (12 s)` redrawn in place every `interval` seconds; silent when not a terminal."""

    def __init__(self, stream: TextIO, *, interval: float = 0.5) -> None:
        self.stream = stream
        self.active = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = interval
        self._text = ""
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self, text: str) -> None:
        """Say what is happening now."""
        if not self.active:
            return
        with self._lock:
            self._text = text
        self._draw()

    def _draw(self) -> None:
        with self._lock:
            elapsed = time.monotonic() - self._started
            self.stream.write(f"\r\x1b[K{self._text} ({elapsed:.0f} s)")
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self._draw()

    def __enter__(self) -> Progress:
        if self.active:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.stream.write("\r\x1b[K")
            self.stream.flush()
