"""One-line progress for the command line: shown on a terminal, silent when piped.

:class:`Step` wraps a step (tagging, solving, writing). When the step takes longer than
:data:`DELAY` seconds and stderr is a terminal, one line ``"<step>… 3 s"`` is drawn on
stderr and redrawn in place each half second; it is cleared when the step ends, so the
command's own output is unchanged. Nothing is written when stderr is a file or a pipe.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

#: Seconds a step runs before its progress line appears.
DELAY = 2.0
#: Seconds between redraws.
TICK = 0.5


class Step:
    """Context manager showing ``what… N s`` on a terminal for a step longer than DELAY."""

    def __init__(self, what: str, stream: TextIO | None = None, delay: float = DELAY) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = 0

    def _on_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except (ValueError, OSError):
            return False

    def _draw(self) -> None:
        start = time.monotonic()
        if self._done.wait(self.delay):
            return
        while not self._done.is_set():
            text = f"\r{self.what}… {time.monotonic() - start:,.0f} s"
            try:
                self.stream.write(text)
                self.stream.flush()
            except (ValueError, OSError):
                return
            self._shown = max(self._shown, len(text))
            self._done.wait(TICK)

    def __enter__(self) -> Step:
        if self._on_terminal():
            self._thread = threading.Thread(target=self._draw, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            if self._shown:
                try:
                    self.stream.write("\r" + " " * self._shown + "\r")
                    self.stream.flush()
                except (ValueError, OSError):
                    pass
