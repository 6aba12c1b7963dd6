"""A one-line progress display for long ``missionfinance tag`` runs, shown only on a terminal.

Nothing is written when the stream is not a terminal (pipes, files, CI logs stay clean).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TextIO


class Stages:
    """Show ``[2/3] tagging (1,000,000 lines) 4.1 s`` on one terminal line, updated in place.

    Examples
    --------
    >>> import io
    >>> s = Stages(("reading", "writing"), io.StringIO())   # not a terminal: silent
    >>> s.next(); s.next("10 lines"); s.done()
    >>> s.stream.getvalue()
    ''
    """

    def __init__(self, names: Sequence[str], stream: TextIO) -> None:
        self.names = tuple(names)
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.active = bool(isatty and isatty())
        self.k = -1
        self.start = time.perf_counter()

    def next(self, note: str = "") -> None:
        """Start the next stage; ``note`` says what the previous one produced."""
        self.k += 1
        if not self.active or self.k >= len(self.names):
            return
        done = int(20 * self.k / len(self.names))
        bar = "#" * done + "." * (20 - done)
        extra = f" ({note})" if note else ""
        self.stream.write(f"\r[{bar}] {self.k + 1}/{len(self.names)} {self.names[self.k]}{extra} "
                          f"{time.perf_counter() - self.start:.1f} s\x1b[K")
        self.stream.flush()

    def done(self) -> None:
        """Clear the line."""
        if self.active:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
