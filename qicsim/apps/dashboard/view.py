"""The view of the collaborative: homes as tiles by site, staff as dots, the week's meeting, ties.

Each site is a column: its NHS team in a band at the top, its care homes as tiles below. A dot
is a staff post's current holder, coloured by engagement (or by organisation); a ring marks
a team member, a square one whose protected time was honoured this week, a star a project
champion. The host home of this week's local meeting is outlined; partnership ties between
members across the NHS-care home divide are lines whose width is the tie's strength.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from qicsim.apps.dashboard.frames import Frames
from qicsim.model.counters import COUNT_INDEX

if TYPE_CHECKING:
    from qicsim.model import QICModel

TILE_W, TILE_H, GAP = 1.0, 0.8, 0.15  # a home tile and the space between tiles
TILES_PER_ROW = 2
NHS_H = 0.7  # height of a site's NHS band
SITE_GAP = 0.5
TIE_THRESHOLD = 0.25  # weaker partnership ties are not drawn (they would hide the rest)
# Okabe-Ito: blue for NHS, orange for care home, apart under every common colour-vision deficiency.
ORGANISATION_COLOURS = ("#0072B2", "#E69F00")
DPI = 100
FONT_PX = 15  # every text in the figures: at least 14 px on screen at 1280x720, where they show about 1:1
VIEW_PX = (400, 410)  # the view's size in pixels (width, height): the left half of a projector's main area


def font(px: float = FONT_PX) -> float:
    """A font size in points that is ``px`` pixels in a figure of :data:`DPI`."""
    return px * 72 / DPI


def layout(model: QICModel) -> tuple[np.ndarray, dict[int, tuple[float, float]], list[tuple[float, float, float]]]:
    """Positions of every post, the corner of every home tile, and each site's NHS band (x, y, width).

    Computed once per model (the posts never move) and kept on it.
    """
    cached = getattr(model, "_dashboard_layout", None)
    if cached is not None:
        return cached
    table = model.staff
    xy = np.zeros((table.n, 2))
    tiles: dict[int, tuple[float, float]] = {}
    bands = []
    site_w = TILES_PER_ROW * TILE_W + (TILES_PER_ROW - 1) * GAP
    for site in model.sites:
        x0 = site.index * (site_w + SITE_GAP)
        bands.append((x0, 0.0, site_w))
        nhs = np.asarray(site.nhs_staff)
        cols = max(1, int(np.ceil(len(nhs) / 2)))
        for k, slot in enumerate(nhs):
            xy[slot] = (x0 + (k % cols + 0.5) * site_w / cols, 0.2 + 0.3 * (k // cols))
        for i, home in enumerate(site.homes):
            tx = x0 + (i % TILES_PER_ROW) * (TILE_W + GAP)
            ty = NHS_H + GAP + (i // TILES_PER_ROW) * (TILE_H + GAP)
            tiles[home] = (tx, ty)
            slots = np.asarray(model.homes[home].staff)
            cols = 4
            for k, slot in enumerate(slots):
                xy[slot] = (tx + (k % cols + 0.5) * TILE_W / cols, ty + 0.22 + 0.36 * (k // cols))
    model._dashboard_layout = (xy, tiles, bands)
    return model._dashboard_layout


def meeting_this_week(model: QICModel, site: int) -> tuple[str, int | None]:
    """Where the site's local meeting was held in the week just simulated, and the host home."""
    week = model.week - 1
    if week < 0 or model.counts.weekly[week, COUNT_INDEX["meetings_held"], site] == 0:
        return "no meeting", None
    if model.counts.weekly[week, COUNT_INDEX["meetings_in_care_homes"], site] == 0:
        return "met at CCG offices", None
    table = model.staff
    # The host home's staff travel nowhere: their meeting cost is the meeting alone.
    for home in model.sites[site].homes:
        slots = np.asarray(model.homes[home].staff)
        care = slots[table.member[slots]]
        if len(care) and np.isclose(table.meeting_cost[care], model.params.meeting_hours).any():
            return f"met in home {home}", int(home)
    return "met in a care home", None


def site_title(name: str) -> str:
    """``site_1`` -> ``Site 1``: a site's name as the page says it."""
    return name.replace("_", " ").capitalize()


def champions(model: QICModel) -> np.ndarray:
    """Slots of the champions of open projects and of improvements in place."""
    slots = [p.champion for p in model.open.all() if p.champion >= 0]
    return np.unique(np.array(slots, dtype=np.int64))


class CollaborativeView:
    """The view's figure, built once per model and updated in place every frame.

    Tiles, bands and labels that never change are drawn once; each frame only moves the
    artists that change (dot colours, rings, squares, stars, ties, texts), which keeps a frame
    cheap enough to redraw every week.

    Args:
        model: The model.
        colour_by: ``engagement`` (a colour scale 0-1) or ``organisation``.
    """

    def __init__(self, model: QICModel, colour_by: str = "engagement") -> None:
        from matplotlib.collections import LineCollection

        self.colour_by = colour_by
        self.xy, tiles, bands = layout(model)
        self.fig = Figure(figsize=(VIEW_PX[0] / DPI, VIEW_PX[1] / DPI), dpi=DPI)
        ax = self.fig.add_axes((0.01, 0.15, 0.98, 0.84))
        self.home_labels, self.host_outline = {}, {}
        for home, (tx, ty) in tiles.items():
            ax.add_patch(Rectangle((tx, ty), TILE_W, TILE_H, facecolor="#f4f1ea", edgecolor="#9a9a9a", linewidth=0.8))
            # The number of improvements in place, bottom right of the tile (large enough to read from the back).
            self.home_labels[home] = ax.text(tx + TILE_W - 0.04, ty + TILE_H - 0.03, "", fontsize=font(),
                                             ha="right", va="bottom", color="#333333")
            self.host_outline[home] = ax.add_patch(Rectangle((tx, ty), TILE_W, TILE_H, fill=False,
                                                             edgecolor="#D55E00", linewidth=3, visible=False))
        self.site_labels = []
        for site, (x0, y0, w) in zip(model.sites, bands, strict=True):
            ax.add_patch(Rectangle((x0, y0), w, NHS_H - 0.05, facecolor="#e6eef7", edgecolor="#9a9a9a", linewidth=0.8))
            self.site_labels.append(ax.text(x0 + w / 2, -0.08, site_title(site.name), ha="center", va="bottom",
                                            fontsize=font(), fontweight="bold"))
        self.ties = ax.add_collection(LineCollection([], colors="#8c564b", alpha=0.35, zorder=2))
        table = model.staff
        if colour_by == "organisation":
            colours = np.array(ORGANISATION_COLOURS)[table.is_care.astype(int)]
            self.dots = ax.scatter(self.xy[:, 0], self.xy[:, 1], s=22, c=colours, zorder=3)
        else:
            self.dots = ax.scatter(self.xy[:, 0], self.xy[:, 1], s=22, c=table.engagement, cmap="viridis",
                                   vmin=0, vmax=1, zorder=3)
            bar = self.fig.colorbar(self.dots, cax=self.fig.add_axes((0.06, 0.095, 0.88, 0.025)),
                                    orientation="horizontal", ticks=[0, 0.5, 1])
            bar.set_label("engagement: 0 none, 1 full", fontsize=font(), labelpad=1)
            bar.ax.tick_params(labelsize=font(), pad=1)
        empty = np.zeros((0, 2))
        self.rings = ax.scatter(self.xy[:, 0], self.xy[:, 1], s=60, facecolors="none", edgecolors="black",
                                linewidths=0.9, zorder=4)
        self.squares = ax.scatter(empty[:, 0], empty[:, 1], s=10, marker="s", c="#009E73", zorder=4)
        self.stars = ax.scatter(empty[:, 0], empty[:, 1], s=34, marker="*", c="#D55E00", zorder=5)
        ax.set_xlim(-0.1, bands[-1][0] + bands[-1][2] + 0.1)
        ax.set_ylim(max(ty for _, ty in tiles.values()) + TILE_H + 0.1, -0.45)
        ax.set_axis_off()
        # What the week is, the key to the marks and where each site met are said in the page, beside the image.
        self.frames = Frames(self.fig, [*self.home_labels.values(), *self.host_outline.values(),
                                        self.ties, self.dots, self.rings, self.squares, self.stars])
        self.update(model)

    def update(self, model: QICModel) -> Figure:
        """Show the model as it is after its last simulated week; returns the figure."""
        table, xy = model.staff, self.xy
        for home, text in self.home_labels.items():
            text.set_text(f"{int(model.home_state.in_place[home])}")
        for outline in self.host_outline.values():
            outline.set_visible(False)
        for site in range(model.n_sites):
            host = meeting_this_week(model, site)[1]
            if host is not None:
                self.host_outline[host].set_visible(True)
        segments, widths = tie_segments(model, xy)
        self.ties.set_segments(segments)
        self.ties.set_linewidths(widths)
        if self.colour_by != "organisation":
            self.dots.set_array(table.engagement)
        member = table.member
        self.rings.set_edgecolors(np.where(member[:, None], [[0, 0, 0, 1]], [[0, 0, 0, 0]]))
        protected = table.protected_used > 0
        self.squares.set_offsets(xy[protected] + [0.0, -0.13])
        champ = champions(model)
        self.stars.set_offsets(xy[champ] + [0.09, 0.1] if len(champ) else np.zeros((0, 2)))
        return self.fig

    def png(self) -> bytes:
        """The current frame as PNG (see :class:`qicsim.apps.dashboard.frames.Frames`)."""
        return self.frames.png()


def tie_segments(model: QICModel, xy: np.ndarray) -> tuple[list, list[float]]:
    """Partnership ties between members across the NHS-care home divide: segments, and widths by strength."""
    table = model.staff
    segments, widths = [], []
    for site in range(model.n_sites):
        members = table.members_of_site(site)
        care, nhs = members[table.is_care[members]], members[~table.is_care[members]]
        if not len(care) or not len(nhs):
            continue
        start = int(table.site_start[site])
        strength = table.ties.blocks[site][np.ix_(nhs - start, care - start)]
        i, j = np.nonzero(strength > TIE_THRESHOLD)
        segments += [(xy[a], xy[b]) for a, b in zip(nhs[i], care[j], strict=True)]
        widths += (0.3 + 2.5 * strength[i, j]).tolist()
    return segments, widths
