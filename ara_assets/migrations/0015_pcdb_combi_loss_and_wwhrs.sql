-- 0015: the combi-loss fields of PCDB Table 105 (gas and oil boilers), used by the worksheet's line (61)
-- through SAP 10.2 Tables 3a-3c. Field positions (1-based, PCDF format 210) in ara_assets/pcdb/parse.py.
-- Revisions imported before this migration keep these columns null (the tables are append-only); the
-- Parquet snapshot that scoring reads is rewritten by every `ara pcdb import`, so importing the same file
-- again brings the fields to the CLI and the pipeline.

ALTER TABLE pcdb_boilers
    ADD COLUMN subsidiary_type              integer,   -- field 16: 0 normal, 1 integral passive FGHR device
    ADD COLUMN store_type                   integer,   -- field 39: 0 none, 1 primary, 2 secondary, 3 CPSU
    ADD COLUMN separate_dhw_tests           integer,   -- field 48: 0 none, 1 M, 2 M and S, 3 M and L
    ADD COLUMN combi_loss_r1                numeric,   -- field 51: rejected-energy proportion r1
    ADD COLUMN combi_loss_f1_kwh_per_day    numeric,   -- field 52: loss factor F1
    ADD COLUMN combi_loss_f2_kwh_per_day    numeric,   -- field 56: loss factor F2
    ADD COLUMN combi_loss_f3_per_litre      numeric,   -- field 57: rejected factor F3
    ADD COLUMN keep_hot_facility            integer,   -- field 58: 0 none, 1 fuel, 2 electric, 3 both
    ADD COLUMN keep_hot_timer               integer;   -- field 59: 1 controlled by a time clock

-- Table 353: instantaneous waste-water heat-recovery systems (WWHRS), read by the worksheet's (63a) when a
-- certificate lodges one by index. pcdf_format 453 is the SAP 2012 layout (one efficiency per arrangement).
CREATE TABLE pcdb_wwhrs (
    revision        integer NOT NULL REFERENCES pcdb_revisions (revision),
    pcdb_index      bigint  NOT NULL CHECK (pcdb_index > 0),
    manufacturer    text,
    brand           text,
    model           text,
    qualifier       text,
    system_type     integer NOT NULL CHECK (system_type IN (1, 2, 3)),  -- system A, B, C
    efficiency_pct  numeric NOT NULL CHECK (efficiency_pct >= 0 AND efficiency_pct <= 100),
    utilisation     numeric NOT NULL CHECK (utilisation > 0 AND utilisation <= 1),
    pcdf_format     integer NOT NULL,
    PRIMARY KEY (revision, pcdb_index)
);
CREATE TRIGGER pcdb_wwhrs_append_only BEFORE UPDATE OR DELETE ON pcdb_wwhrs
    FOR EACH ROW EXECUTE FUNCTION pcdb_refuse_change();
