"""Deterministic SVG rendering of the report's figures.

The figures themselves are :mod:`missionfinance.plot`'s (the same functions analysts call
in notebooks). :func:`svg_bytes` renders one to SVG that is byte-identical across runs
and processes: fixed ``svg.hashsalt`` (ids of clip paths and glyphs), no ``Date``
metadata, text kept as text (``svg.fonttype = "none"``) so it stays small and any script
is shown, not run.

This module is also the matplotlib backend :func:`svg_bytes` renders with
(``module://missionfinance.report.charts``): matplotlib's SVG canvas whose renderer
measures a text once per process rather than once per figure (the width, height and
descent of a text depend only on the text and its font; measuring is a good part of
drawing a figure, and the charts of a report share many texts: years, numbers), and
draws without a mixed-mode renderer around it unless an artist is rasterized. Like the
figures' axes (:mod:`missionfinance.plot._axes`), it is used only with a matplotlib series
it was tested with; with another, matplotlib's own SVG backend draws the same bytes.
"""

from __future__ import annotations

import codecs
import functools
import io
import warnings
from typing import Any, cast

import matplotlib as mpl
from matplotlib import cbook
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from missionfinance.plot._axes import LIGHT

_SVG_RC: dict[Any, Any] = {
    "svg.hashsalt": "missionfinance-report",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": True,
}

#: rcParams that measuring a text depends on besides its font properties: the fonts of
#: the generic families ("sans-serif"), fall-back and kerning.
_FONT_RC = ("font.family", "font.serif", "font.sans-serif", "font.monospace", "font.cursive",
            "font.fantasy", "font.enable_last_resort", "text.kerning_factor")


@functools.cache
def _text_to_path() -> TextToPath:
    return TextToPath()


@functools.lru_cache(maxsize=8192)
def _text_metrics(text: str, prop: FontProperties, rc: tuple[Any, ...]
                  ) -> tuple[float, float, float]:
    """Width, height and descent of plain ``text`` set in ``prop``, in points (``rc``: the key)."""
    return _text_to_path().get_text_width_height_descent(text, prop, False)


class _Rasterized(Exception):
    """An artist of the figure is to be rasterized: draw with a mixed-mode renderer."""


class _Renderer(RendererSVG):
    """:class:`~matplotlib.backends.backend_svg.RendererSVG` measuring a plain text once."""

    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: Any
                                      ) -> tuple[float, float, float]:
        """As matplotlib's (the same TextToPath), from a cache for text without mathtext."""
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        rc = tuple(tuple(value) if isinstance(value, list) else value
                   for value in (cast(Any, mpl.rcParams).get(key) for key in _FONT_RC))
        # a copy: FontProperties can be changed, and hashes (and compares) by its state
        return _text_metrics(s, prop.copy(), rc)

    #: Drawing the figure for :meth:`FigureCanvas.print_svg`, not wrapped in a mixed-mode
    #: renderer (False when matplotlib draws with it otherwise, e.g. to lay a figure out).
    plain = False

    def start_rasterizing(self) -> None:
        """Called for a rasterized artist: ask for a mixed-mode renderer, if drawing plain."""
        if self.plain:
            raise _Rasterized
        super().start_rasterizing()


class FigureCanvas(FigureCanvasSVG):
    """:class:`~matplotlib.backends.backend_svg.FigureCanvasSVG` drawing with :class:`_Renderer`.

    The renderer draws the figure itself; matplotlib's wraps it in a
    :class:`~matplotlib.backends.backend_mixed.MixedModeRenderer` (which passes every
    call on, a good part of drawing) in case an artist is to be rasterized: the figure is
    then drawn again that way (and at once so, for a figure with a layout engine).
    """

    def print_svg(self, filename: Any, *, bbox_inches_restore: Any = None,
                  metadata: Any = None, **_figure: Any) -> None:
        """Write the figure as SVG to ``filename`` (as matplotlib's).

        ``_figure`` (dpi, facecolor, edgecolor, orientation) is set on the figure by
        :meth:`~matplotlib.backend_bases.FigureCanvasBase.print_figure` already.
        """
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as file:
            fh: Any = file if cbook.file_requires_unicode(file) else codecs.getwriter("utf-8")(file)
            figure = self.figure
            dpi = figure.dpi
            figure.dpi = 72
            width, height = figure.get_size_inches()

            def renderer() -> Any:
                return _Renderer(width * 72, height * 72, fh, image_dpi=dpi, metadata=metadata)

            # drawn plain if drawing it again costs nothing else: the file can be rewound
            # and no layout engine would lay the figure out again (it is not idempotent)
            plain_first = fh.seekable() and figure.get_layout_engine() is None
            if plain_first:
                start = fh.tell()
                plain = renderer()
                plain.plain = True
                try:
                    figure.draw(plain)
                    plain.finalize()
                    return
                except _Rasterized:
                    fh.seek(start)
                    fh.truncate()
                finally:  # (matplotlib may keep the renderer: see _get_renderer)
                    plain.plain = False
            mixed: Any = MixedModeRenderer(figure, width, height, dpi, renderer(),
                                           bbox_inches_restore=bbox_inches_restore)
            figure.draw(mixed)
            mixed.finalize()


def svg_bytes(fig: Figure) -> bytes:
    """Render ``fig`` to byte-stable SVG (see the module docstring)."""
    # written as text and encoded once: to a binary file matplotlib writes through a
    # codec, one call per piece of markup
    buffer = io.StringIO()
    with mpl.rc_context(_SVG_RC), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # glyphs missing from DejaVu Sans
        # this module's canvas with a matplotlib it was tested with, else matplotlib's own
        extra: dict[str, Any] = {"backend": f"module://{__name__}"} if LIGHT else {}
        fig.savefig(buffer, format="svg", metadata={"Date": None}, **extra)
    return buffer.getvalue().encode("utf-8")
