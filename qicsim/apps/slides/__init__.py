"""Slide figures: conditions run on the same seeds, overlaid on shared axes (``qicsim plot``)."""
