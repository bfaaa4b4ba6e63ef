-- 0001: the system of record. Portfolios and their properties, the register's certificates and the
-- fetch log that drives the cache TTL, landlord overrides and site notes (append-only evidence),
-- and retrofit scenarios with their phases.
-- Applied by ara_assets.resources.warehouse_migrations in one transaction.

CREATE TABLE portfolios (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL UNIQUE CHECK (name = btrim(name) AND name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE properties (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portfolio_id        bigint      NOT NULL REFERENCES portfolios (id),
    -- UPRNs are at most 12 digits (OS AddressBase).
    uprn                bigint      NOT NULL CHECK (uprn BETWEEN 1 AND 999999999999),
    landlord_reference  text,
    address             text        NOT NULL CHECK (btrim(address) <> ''),
    postcode            text        NOT NULL CHECK (postcode ~ '^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (portfolio_id, uprn)
);
-- Certificates and fetches are keyed by UPRN, so joins from them to properties go through this index.
CREATE INDEX properties_uprn_idx ON properties (uprn);

CREATE TABLE certificates (
    -- The register's 20-digit certificate number (RRN), 0000-0000-0000-0000-0000.
    certificate_number  text        PRIMARY KEY CHECK (certificate_number ~ '^[0-9]{4}(-[0-9]{4}){4}$'),
    -- Nullable: the register lodges some certificates without a UPRN.
    uprn                bigint      CHECK (uprn BETWEEN 1 AND 999999999999),
    registration_date   date        NOT NULL,
    schema_type         text        NOT NULL CHECK (schema_type <> ''),
    sap_version         text,
    raw                 jsonb       NOT NULL CHECK (jsonb_typeof(raw) = 'object'),
    fetched_at          timestamptz NOT NULL
);
-- "Current certificate of a UPRN" = latest registration date.
CREATE INDEX certificates_uprn_registration_idx ON certificates (uprn, registration_date DESC);

CREATE TABLE certificate_fetches (
    uprn               bigint      PRIMARY KEY CHECK (uprn BETWEEN 1 AND 999999999999),
    fetched_at         timestamptz NOT NULL,
    status             text        NOT NULL CHECK (status IN ('found', 'no_certificate', 'error')),
    error              text,
    certificate_count  integer     NOT NULL DEFAULT 0 CHECK (certificate_count >= 0),
    CONSTRAINT certificate_fetches_error_iff_status CHECK ((status = 'error') = (error IS NOT NULL)),
    CONSTRAINT certificate_fetches_found_has_count CHECK (status <> 'found' OR certificate_count > 0),
    CONSTRAINT certificate_fetches_none_has_zero CHECK (status <> 'no_certificate' OR certificate_count = 0)
);
CREATE INDEX certificate_fetches_fetched_at_idx ON certificate_fetches (fetched_at);

-- Field-level corrections by the landlord. Append-only: a correction is undone by a later 'retract'
-- row, never by editing history, so every modelled figure can be traced to who said what and when.
CREATE TABLE landlord_overrides (
    id          bigserial   PRIMARY KEY,
    property_id bigint      NOT NULL REFERENCES properties (id),
    field_path  text        NOT NULL
        CHECK (field_path ~ '^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$'),
    value       jsonb,
    action      text        NOT NULL DEFAULT 'set' CHECK (action IN ('set', 'retract')),
    author      text        NOT NULL CHECK (btrim(author) <> ''),
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- A 'set' carries a JSON value (JSON null allowed); a 'retract' carries none.
    CONSTRAINT landlord_overrides_value_iff_set CHECK ((action = 'set') = (value IS NOT NULL))
);
CREATE INDEX landlord_overrides_latest_idx ON landlord_overrides (property_id, field_path, id DESC);

-- Full surveys: a register-shaped document per visit. Append-only like overrides.
CREATE TABLE site_notes (
    id          bigserial   PRIMARY KEY,
    property_id bigint      NOT NULL REFERENCES properties (id),
    survey_date date        NOT NULL,
    document    jsonb       NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    surveyor    text        NOT NULL CHECK (btrim(surveyor) <> ''),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX site_notes_latest_idx ON site_notes (property_id, survey_date DESC, id DESC);

CREATE FUNCTION ara_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'append a new row instead (for overrides: action ''retract'')';
END;
$$;

CREATE TRIGGER landlord_overrides_append_only
    BEFORE UPDATE OR DELETE ON landlord_overrides
    FOR EACH ROW EXECUTE FUNCTION ara_refuse_change();
CREATE TRIGGER landlord_overrides_no_truncate
    BEFORE TRUNCATE ON landlord_overrides
    FOR EACH STATEMENT EXECUTE FUNCTION ara_refuse_change();
CREATE TRIGGER site_notes_append_only
    BEFORE UPDATE OR DELETE ON site_notes
    FOR EACH ROW EXECUTE FUNCTION ara_refuse_change();
CREATE TRIGGER site_notes_no_truncate
    BEFORE TRUNCATE ON site_notes
    FOR EACH STATEMENT EXECUTE FUNCTION ara_refuse_change();

CREATE TABLE scenarios (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 text          NOT NULL UNIQUE CHECK (name = btrim(name) AND name <> ''),
    -- The goal's shape belongs to ara_assets.modelling (e.g. {"min_band": "C"}); stored as given.
    goal                 jsonb         NOT NULL CHECK (jsonb_typeof(goal) = 'object'),
    -- NULL: no per-home cap.
    budget_per_home_gbp  numeric(12, 2) CHECK (budget_per_home_gbp >= 0),
    -- Bumped on every replacement, so a run's scenario snapshot names the exact definition it used.
    version              integer       NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at           timestamptz   NOT NULL DEFAULT now(),
    updated_at           timestamptz   NOT NULL DEFAULT now()
);

CREATE TABLE scenario_phases (
    scenario_id            bigint         NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    phase_number           integer        NOT NULL CHECK (phase_number >= 1),
    name                   text           NOT NULL CHECK (btrim(name) <> ''),
    allowed_measure_types  text[]         NOT NULL DEFAULT '{}',
    budget_gbp             numeric(14, 2) CHECK (budget_gbp >= 0),
    target_year            integer        CHECK (target_year BETWEEN 2000 AND 2100),
    target                 jsonb          CHECK (target IS NULL OR jsonb_typeof(target) = 'object'),
    PRIMARY KEY (scenario_id, phase_number)
);
