-- 0017: phase_plans rewrites only the (home, scenario) plans whose stored rows changed (docs/adr/0029).
--
-- input_key: what the plan was built from (ara_assets.modelling.incremental_plans.plan_input_keys), for
-- reading; the asset reuses plans through its own stored output, not this column.
-- row_digest: one digest of everything stored for the (home, scenario): its plan_phases, plan_measures and
-- plan_grants rows (incremental_plans.plan_row_digests). A run deletes and rewrites exactly the pairs whose
-- digest differs from the one computed now; NULL (rows written before this migration) is always rewritten.
ALTER TABLE plans
    ADD COLUMN input_key  text,
    ADD COLUMN row_digest text;
