-- 0016: plan_phases keeps its primary key as its only index.
--
-- plan_phases_by_portfolio (portfolio_id, scenario, phase) led the foreign-key checks of plan_measures,
-- plan_grants and plan_allocations astray: the check's generic plan (no statistics yet on rows written in
-- the same transaction, and the application role may not ANALYZE) chose it over the primary key and
-- filtered property_id, reading every home of the phase for each measure row. At 100,000 homes the COPY of
-- plan_measures ran at 2.6 ms a row (measured session 5). The primary key (portfolio_id, scenario,
-- property_id, phase) serves the portfolio and scenario look-ups the dropped index was for.
DROP INDEX IF EXISTS plan_phases_by_portfolio;
