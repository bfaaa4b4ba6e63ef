-- 0002: a portfolio name is also a Dagster partition key and a file name in the asset store, so it
-- is limited to letters, digits, space, '_', '.', '-' (no '/', no '..', no control characters).
-- NOT VALID: checked for every new or changed row without rescanning rows that already exist.
ALTER TABLE portfolios
    ADD CONSTRAINT portfolios_name_shape
    CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$' AND position('..' IN name) = 0) NOT VALID;
