"""The apps wing: what people use directly.

The console scripts (:mod:`~qicsim.apps.cli`), the browser dashboard
(:mod:`~qicsim.apps.dashboard`), teaching slides (:mod:`~qicsim.apps.slides`) and the generated
parameter table (:mod:`~qicsim.apps.paramdocs`). Apps sit on top: they call studies, runs and
the model, and nothing imports them.
"""
