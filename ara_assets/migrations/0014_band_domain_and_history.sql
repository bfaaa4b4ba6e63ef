-- House rules made structural.
-- 1. One definition of an EPC rating band (ara_assets/epc/data/sap_bands.csv) for every column that stores
--    one: the domain replaces the CHECK that 0007 and 0008 repeated on six columns.
-- 2. Rates and carbon-factor rows are history (0005): besides UPDATE, DELETE and TRUNCATE are refused too.

CREATE DOMAIN epc_band AS text CHECK (VALUE IN ('A', 'B', 'C', 'D', 'E', 'F', 'G'));

ALTER TABLE property_baseline_performance
    DROP CONSTRAINT property_baseline_performance_lodged_band_check,
    DROP CONSTRAINT property_baseline_performance_calculated_band_check,
    DROP CONSTRAINT property_baseline_performance_effective_band_check,
    ALTER COLUMN lodged_band TYPE epc_band,
    ALTER COLUMN calculated_band TYPE epc_band,
    ALTER COLUMN effective_band TYPE epc_band;

ALTER TABLE plan_phases
    DROP CONSTRAINT plan_phases_band_before_check,
    DROP CONSTRAINT plan_phases_band_after_check,
    DROP CONSTRAINT plan_phases_band_at_start_check,
    ALTER COLUMN band_before TYPE epc_band,
    ALTER COLUMN band_after TYPE epc_band,
    ALTER COLUMN band_at_start TYPE epc_band;

CREATE OR REPLACE FUNCTION rates_rows_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: rows of a rates version are never %; import a correction as a new version',
        TG_TABLE_NAME, lower(TG_OP) || 'd' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER fuel_rates_no_delete BEFORE DELETE ON fuel_rates
    FOR EACH ROW EXECUTE FUNCTION rates_rows_immutable();
CREATE TRIGGER fuel_rates_no_truncate BEFORE TRUNCATE ON fuel_rates
    FOR EACH STATEMENT EXECUTE FUNCTION rates_rows_immutable();
CREATE TRIGGER carbon_factors_no_delete BEFORE DELETE ON carbon_factors
    FOR EACH ROW EXECUTE FUNCTION rates_rows_immutable();
CREATE TRIGGER carbon_factors_no_truncate BEFORE TRUNCATE ON carbon_factors
    FOR EACH STATEMENT EXECUTE FUNCTION rates_rows_immutable();
