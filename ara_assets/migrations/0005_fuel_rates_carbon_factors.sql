-- 0005: fuel rates and carbon factors, time-versioned, in numbered snapshots (rates versions).
-- Every import writes a complete new snapshot of both tables under a new rates_versions id; the current
-- snapshot is the highest id. Downstream assets record the id they priced with, so a new version makes
-- them stale. Rows within a snapshot are valid from valid_from (inclusive) to valid_to (exclusive;
-- NULL = open) and never overlap within one series. Owned by ara_assets.resources.warehouse_rates.

CREATE TABLE rates_versions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    source          text        NOT NULL CHECK (btrim(source) <> ''),
    kind            text        NOT NULL CHECK (kind IN ('rates', 'factors', 'both')),
    note            text,
    -- SHA-256 of the imported frame, so an unchanged source is recognised and not re-applied.
    input_checksum  text        NOT NULL CHECK (input_checksum ~ '^[0-9a-f]{64}$'),
    -- SHA-256 of the whole snapshot (both tables) this version holds.
    checksum        text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$')
);

CREATE TABLE fuel_rates (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rates_version               bigint      NOT NULL REFERENCES rates_versions (id),
    fuel                        text        NOT NULL CHECK (fuel ~ '^[a-z][a-z0-9_]{0,63}$'),
    region                      text        NOT NULL DEFAULT 'GB' CHECK (region ~ '^(GB|[A-Z0-9_-]{1,32})$'),
    tariff                      text        NOT NULL CHECK (tariff IN (
                                    'standard', '7h_high', '7h_low', '10h_high', '10h_low',
                                    '18h_high', '18h_low', '24h', 'export')),
    unit_rate_p_per_kwh         numeric     NOT NULL CHECK (unit_rate_p_per_kwh >= 0),
    standing_charge_p_per_day   numeric     NOT NULL DEFAULT 0 CHECK (standing_charge_p_per_day >= 0),
    valid_from                  date        NOT NULL,
    valid_to                    date        CHECK (valid_to IS NULL OR valid_to > valid_from),
    source                      text        NOT NULL CHECK (btrim(source) <> ''),
    -- When the row first entered the warehouse; kept when a later version carries the row over.
    imported_at                 timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT fuel_rates_export_is_electricity CHECK (tariff <> 'export' OR fuel = 'electricity')
);
CREATE INDEX fuel_rates_version_idx ON fuel_rates (rates_version, fuel, region, tariff, valid_from);

CREATE TABLE carbon_factors (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rates_version           bigint      NOT NULL REFERENCES rates_versions (id),
    fuel                    text        NOT NULL CHECK (fuel ~ '^[a-z][a-z0-9_]{0,63}$'),
    scheme                  text        NOT NULL CHECK (scheme IN ('DESNZ', 'SAP 10.2')),
    -- e.g. 'DESNZ 2025 UK electricity generated (location-based Scope 2)', 'SAP 10.2 Table 12'.
    basis                   text        NOT NULL CHECK (btrim(basis) <> ''),
    kg_co2e_per_kwh         numeric     NOT NULL CHECK (kg_co2e_per_kwh >= 0),
    primary_energy_factor   numeric     CHECK (primary_energy_factor >= 0),
    valid_from              date        NOT NULL,
    valid_to                date        CHECK (valid_to IS NULL OR valid_to > valid_from),
    source                  text        NOT NULL CHECK (btrim(source) <> ''),
    imported_at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX carbon_factors_version_idx ON carbon_factors (rates_version, fuel, scheme, valid_from);

-- No overlapping validity within a series of one snapshot. An exclusion constraint would need the
-- btree_gist extension, which the embedded server does not ship; a statement-level trigger over the
-- inserted rows checks the same thing once per INSERT.
CREATE FUNCTION fuel_rates_refuse_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    SELECT a.rates_version, a.fuel, a.region, a.tariff, a.valid_from AS a_from, b.valid_from AS b_from
      INTO clash
      FROM fuel_rates a
      JOIN fuel_rates b
        ON a.rates_version = b.rates_version AND a.fuel = b.fuel AND a.region = b.region
       AND a.tariff = b.tariff AND a.id < b.id
     WHERE a.rates_version IN (SELECT DISTINCT rates_version FROM inserted)
       AND daterange(a.valid_from, a.valid_to) && daterange(b.valid_from, b.valid_to)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'fuel_rates: overlapping validity in rates version % for fuel %, region %, tariff %: rows from % and from %',
            clash.rates_version, clash.fuel, clash.region, clash.tariff, clash.a_from, clash.b_from
            USING ERRCODE = 'exclusion_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER fuel_rates_no_overlap AFTER INSERT ON fuel_rates
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION fuel_rates_refuse_overlap();

CREATE FUNCTION carbon_factors_refuse_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    SELECT a.rates_version, a.fuel, a.scheme, a.valid_from AS a_from, b.valid_from AS b_from
      INTO clash
      FROM carbon_factors a
      JOIN carbon_factors b
        ON a.rates_version = b.rates_version AND a.fuel = b.fuel AND a.scheme = b.scheme AND a.id < b.id
     WHERE a.rates_version IN (SELECT DISTINCT rates_version FROM inserted)
       AND daterange(a.valid_from, a.valid_to) && daterange(b.valid_from, b.valid_to)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'carbon_factors: overlapping validity in rates version % for fuel %, scheme %: rows from % and from %',
            clash.rates_version, clash.fuel, clash.scheme, clash.a_from, clash.b_from
            USING ERRCODE = 'exclusion_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER carbon_factors_no_overlap AFTER INSERT ON carbon_factors
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION carbon_factors_refuse_overlap();

-- A snapshot is history: once written, its rows are never edited (a correction is a new version), which
-- also keeps the overlap check above sufficient.
CREATE FUNCTION rates_rows_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: rows of a rates version are never updated; import a correction as a new version',
        TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER fuel_rates_immutable BEFORE UPDATE ON fuel_rates
    FOR EACH ROW EXECUTE FUNCTION rates_rows_immutable();
CREATE TRIGGER carbon_factors_immutable BEFORE UPDATE ON carbon_factors
    FOR EACH ROW EXECUTE FUNCTION rates_rows_immutable();
