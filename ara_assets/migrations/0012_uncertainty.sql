-- 0012 (issue 15): how sure a baseline is. effective_sap_sd is one standard deviation of the true SAP
-- around the effective SAP, by source path (ara_assets/baseline/uncertainty.py); prediction_confidence is
-- the predicted EPC's confidence (null on other source paths). A plan phase's probability of reaching its
-- target is derived from this spread when read (ara_assets/modelling/uncertainty.py).

ALTER TABLE property_baseline_performance
    ADD COLUMN effective_sap_sd double precision CHECK (effective_sap_sd > 0),
    ADD COLUMN prediction_confidence double precision
        CHECK (prediction_confidence >= 0 AND prediction_confidence <= 1);

-- The table's columns follow BASELINE_SCHEMA with portfolio_id and computed_at last (a test keeps them in
-- step): move those two behind the new columns.
ALTER TABLE property_baseline_performance RENAME COLUMN portfolio_id TO portfolio_id_before_0012;
ALTER TABLE property_baseline_performance RENAME COLUMN computed_at TO computed_at_before_0012;
ALTER TABLE property_baseline_performance
    ADD COLUMN portfolio_id bigint REFERENCES portfolios (id) ON DELETE CASCADE,
    ADD COLUMN computed_at timestamptz NOT NULL DEFAULT clock_timestamp();
UPDATE property_baseline_performance
    SET portfolio_id = portfolio_id_before_0012, computed_at = computed_at_before_0012;
ALTER TABLE property_baseline_performance ALTER COLUMN portfolio_id SET NOT NULL;
ALTER TABLE property_baseline_performance
    DROP COLUMN portfolio_id_before_0012,
    DROP COLUMN computed_at_before_0012;
CREATE INDEX property_baseline_performance_portfolio_idx ON property_baseline_performance (portfolio_id);

