"""Fast frames of a figure whose frame changes only in a few artists (blitting).

The figure is drawn once without its changing ("animated") artists and kept as a background;
each frame restores the background, draws only the changing artists on it and encodes the
pixels as PNG with light compression. A full redraw of tick labels, titles and legends is
what makes a Matplotlib frame slow; it happens again only when the caller says the
background changed (e.g. a y-axis grew).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

PNG_COMPRESSION = 1  # fast; a frame is sent once and shown at once


class Frames:
    """PNG frames of a figure, redrawing only ``animated`` artists between background changes.

    Args:
        fig: The figure.
        animated: The artists that change from frame to frame.
    """

    def __init__(self, fig: Figure, animated: Iterable[Artist]) -> None:
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.animated = list(animated)
        for artist in self.animated:
            artist.set_animated(True)
        self._background = None

    def invalidate(self) -> None:
        """The static part changed: redraw it on the next frame."""
        self._background = None

    def png(self) -> bytes:
        """The current frame as PNG bytes."""
        if self._background is None:
            self.canvas.draw()  # everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self.animated:
            if artist.get_visible():
                artist.draw(renderer)
        width, height = self.canvas.get_width_height()
        out = io.BytesIO()
        Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            out, format="png", compress_level=PNG_COMPRESSION)
        return out.getvalue()
