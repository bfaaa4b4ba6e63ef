"""Every schedule of Ara, in one place (the jobs they run are in `jobs.py`).

- `reference_quarterly`: fuel rates and carbon factors when the price cap changes (1 Jan/Apr/Jul/Oct), on
  from the start.
- `register_bulk_monthly`: the register's bulk file on the 2nd of each month (the register rebuilds it on
  the 1st). Off until switched on: it downloads the whole file with the register token.
"""

import dagster as dg

from ara_assets.defs.jobs import register_bulk_job
from ara_assets.defs.reference import carbon_factors, fuel_rates

# The Ofgem price cap changes on 1 January, April, July and October.
QUARTERLY_CRON = "0 6 1 1,4,7,10 *"

reference_quarterly_schedule = dg.ScheduleDefinition(
    name="reference_quarterly",
    cron_schedule=QUARTERLY_CRON,
    execution_timezone="Europe/London",
    target=[fuel_rates, carbon_factors],
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Refresh fuel rates and carbon factors when the price cap changes (1 Jan/Apr/Jul/Oct).",
)

register_bulk_monthly = dg.ScheduleDefinition(
    name="register_bulk_monthly",
    job=register_bulk_job,
    cron_schedule="0 6 2 * *",  # the 2nd, 06:00: the register rebuilds the file on the 1st
    execution_timezone="Europe/London",
)
