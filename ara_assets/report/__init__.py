"""Outputs people read: the portfolio report (one self-contained HTML file), per-home plans, exports
(CSV, xlsx, Parquet) and readable text tables. Works on a `PlanBundle` (frames), loaded from the warehouse
by `load.py` or built in memory by the `phase_plans` asset."""
