"""Partitions: one per portfolio, added by the portfolio sensor as portfolios appear in Postgres."""

from __future__ import annotations

import dagster as dg

PORTFOLIOS = "portfolios"

portfolios = dg.DynamicPartitionsDefinition(name=PORTFOLIOS)
