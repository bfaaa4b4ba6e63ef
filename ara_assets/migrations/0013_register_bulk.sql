-- 0013: the register's monthly bulk file and its deltas feed the certificate cache (ADR 0012).
-- Provenance of each cached certificate: where the stored document came from.
--   'api'        the per-UPRN search + /api/certificate (source_ref NULL)
--   'bulk_file'  the monthly bulk download (source_ref = the file's month, 'YYYY-MM')
--   'delta'      re-fetched after a /api/deltas event (source_ref = the event's date, 'YYYY-MM-DD')
ALTER TABLE certificates
    ADD COLUMN source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'bulk_file', 'delta')),
    ADD COLUMN source_ref text,
    ADD CONSTRAINT certificates_source_ref_shape CHECK (
        (source = 'api' AND source_ref IS NULL)
        OR (source = 'bulk_file' AND source_ref ~ '^[0-9]{4}-[0-9]{2}$')
        OR (source = 'delta' AND source_ref ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
    );
-- Postcode neighbours are looked up by postcode (prediction from comparable homes).
CREATE INDEX certificates_postcode_idx ON certificates ((raw ->> 'postcode'));

-- One row per completed sync step; a failed step writes nothing (one transaction with its certificates).
CREATE TABLE register_syncs (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text        NOT NULL CHECK (kind IN ('bulk_file', 'deltas')),
    -- bulk_file: the file's lastUpdated and size as /api/files/domestic/json/info reported them.
    file_last_updated  timestamptz,
    file_size          bigint      CHECK (file_size >= 0),
    -- deltas: the inclusive date range asked of /api/deltas.
    date_start         date,
    date_end           date,
    documents_scanned  bigint      NOT NULL DEFAULT 0 CHECK (documents_scanned >= 0),
    certificates_kept  bigint      NOT NULL DEFAULT 0 CHECK (certificates_kept >= 0),
    events             bigint      NOT NULL DEFAULT 0 CHECK (events >= 0),
    finished_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT register_syncs_shape CHECK (
        (kind = 'bulk_file' AND file_last_updated IS NOT NULL AND file_size IS NOT NULL)
        OR (kind = 'deltas' AND date_start IS NOT NULL AND date_end IS NOT NULL AND date_start <= date_end)
    )
);
CREATE INDEX register_syncs_kind_idx ON register_syncs (kind, id DESC);
