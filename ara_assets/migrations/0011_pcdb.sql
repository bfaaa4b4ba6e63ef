-- 0011: BRE Product Characteristics Database (PCDB) imports, one row set per PCDF revision.
-- `ara pcdb import FILE` parses the file (ara_assets.pcdb) and writes one revision in one transaction;
-- a revision is never changed once written (re-importing the same file is a no-op, a different file
-- under a revision number already held is refused). The newest revision is the one scoring uses; the
-- command also writes it as a Parquet snapshot under ARA_HOME/pcdb for processes without a database.
-- Owned by ara_assets.resources.warehouse_pcdb.

CREATE TABLE pcdb_revisions (
    revision        integer     PRIMARY KEY CHECK (revision > 0),
    issued          date        NOT NULL,
    source          text        NOT NULL CHECK (btrim(source) <> ''),
    -- SHA-256 of the file text, so the same file is recognised and a different one refused.
    sha256          text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    table_counts    jsonb       NOT NULL,   -- records per PCDF table number, every table in the file
    skipped         jsonb       NOT NULL,   -- tables seen but not imported, with the reason
    imported_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Table 105 (gas and oil boilers) and Table 122 (solid-fuel boilers).
CREATE TABLE pcdb_boilers (
    revision                integer NOT NULL REFERENCES pcdb_revisions (revision),
    pcdb_index              bigint  NOT NULL CHECK (pcdb_index > 0),
    pcdb_table              integer NOT NULL CHECK (pcdb_table IN (105, 122)),
    manufacturer            text,
    brand                   text,
    model                   text,
    qualifier               text,
    fuel                    integer,
    boiler_type             integer,
    condensing              boolean,
    output_kw               numeric,
    sedbuk_2009_pct         numeric,
    winter_efficiency_pct   numeric NOT NULL CHECK (winter_efficiency_pct > 0),
    summer_efficiency_pct   numeric NOT NULL CHECK (summer_efficiency_pct > 0),
    pcdf_category_code      integer,
    PRIMARY KEY (revision, pcdb_index)
);

-- Table 172: postcode districts with their local climate (SAP 10.2 Appendix U figures by month).
CREATE TABLE pcdb_postcode_climate (
    revision            integer NOT NULL REFERENCES pcdb_revisions (revision),
    postcode_district   text    NOT NULL CHECK (postcode_district ~ '^[A-Z]{1,2}([0-9][0-9A-Z]?|[*])$'),
    region              integer NOT NULL,
    country             integer,
    height_m            numeric,
    latitude_deg        numeric NOT NULL,
    longitude_deg       numeric,
    temperature_c       numeric[] NOT NULL CHECK (cardinality(temperature_c) = 12),
    wind_m_s            numeric[] NOT NULL CHECK (cardinality(wind_m_s) = 12),
    solar_w_m2          numeric[] NOT NULL CHECK (cardinality(solar_w_m2) = 12),
    PRIMARY KEY (revision, postcode_district)
);

-- A revision is written once: rows of a revision cannot be changed or deleted afterwards.
CREATE FUNCTION pcdb_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'PCDB revisions are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER pcdb_revisions_append_only BEFORE UPDATE OR DELETE ON pcdb_revisions
    FOR EACH ROW EXECUTE FUNCTION pcdb_refuse_change();
CREATE TRIGGER pcdb_boilers_append_only BEFORE UPDATE OR DELETE ON pcdb_boilers
    FOR EACH ROW EXECUTE FUNCTION pcdb_refuse_change();
CREATE TRIGGER pcdb_postcode_climate_append_only BEFORE UPDATE OR DELETE ON pcdb_postcode_climate
    FOR EACH ROW EXECUTE FUNCTION pcdb_refuse_change();

-- The baseline names what each home's figures were computed with: the PCDB revision and the approximation
-- codes (joined by ';'; ara_assets/sap10/tables/approximations.csv says what each assumed). BASELINE_SCHEMA's
-- columns come first in the table (a test keeps the two in step), so portfolio_id and computed_at move
-- behind the two new columns: re-created, filled from the old ones, which are then dropped.
ALTER TABLE property_baseline_performance
    ADD COLUMN pcdb_revision integer,
    ADD COLUMN approximations text,
    ADD COLUMN portfolio_id_0011 bigint,
    ADD COLUMN computed_at_0011 timestamptz;
UPDATE property_baseline_performance SET portfolio_id_0011 = portfolio_id, computed_at_0011 = computed_at;
DROP INDEX property_baseline_performance_portfolio_idx;
ALTER TABLE property_baseline_performance DROP COLUMN portfolio_id, DROP COLUMN computed_at;
ALTER TABLE property_baseline_performance RENAME COLUMN portfolio_id_0011 TO portfolio_id;
ALTER TABLE property_baseline_performance RENAME COLUMN computed_at_0011 TO computed_at;
ALTER TABLE property_baseline_performance
    ALTER COLUMN portfolio_id SET NOT NULL,
    ADD CONSTRAINT property_baseline_performance_portfolio_id_fkey
        FOREIGN KEY (portfolio_id) REFERENCES portfolios (id) ON DELETE CASCADE,
    ALTER COLUMN computed_at SET DEFAULT clock_timestamp(),
    ALTER COLUMN computed_at SET NOT NULL;
CREATE INDEX property_baseline_performance_portfolio_idx ON property_baseline_performance (portfolio_id);
