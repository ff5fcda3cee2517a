"""``make demo`` and the benchmarks on the mini setting, and their reports.

One module per tool, each with the tool's ``main``: ``demo``
(``tools/demo.py``), ``accuracy`` (``tools/benchmarks/accuracy.py``),
``speed`` (``tools/benchmarks/speed.py``), ``readme``
(``tools/benchmarks/update_readme.py``); and one per report they render as
markdown from their JSON: ``demo_table``, ``accuracy_report``,
``speed_report``; the speed benchmark's worker processes are
``speed_worker`` and its per-part profile of a step ``step_profile``. The
runs themselves (data, training, teacher cache) are
:mod:`hgd_mm_dev.mini`.
"""
