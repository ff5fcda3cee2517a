"""hgd-mm's development package: what the repository runs on top of the
plugin, outside the wheel.

- :mod:`hgd_mm_dev.mini`: the embedded mini setting (the synthetic data
  generator, backbone pre-training, training runs through ``tools/``);
- :mod:`hgd_mm_dev.benchmarks`: ``make demo``, the accuracy, tuning and
  speed benchmarks and their reports.

It lives in the checkout (``dev/``) and knows its layout
(:mod:`hgd_mm_dev.mini.paths`); ``tools/setup_env.sh`` installs it editable
beside ``hgd_mm``. A user of the plugin needs none of it.
"""
