-- The application's own role: the pipeline, sensors and CLI write as `ara_app`, which owns no table and
-- no trigger, so it cannot disable the append-only triggers of 0001 (ALTER TABLE ... DISABLE TRIGGER
-- needs ownership), drop them, truncate, or set session_replication_role (superuser only). Migrations
-- keep running as the owner. See docs/reliability.md and ara_assets/resources/database_roles.py.
--
-- Roles are cluster-wide: several Ara databases on one server share the role, so it is created once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ara_app') THEN
        CREATE ROLE ara_app NOLOGIN;
    END IF;
    -- The migrating owner may switch to the role (a superuser can anyway; a CREATEROLE owner needs it).
    IF NOT pg_has_role(current_user, 'ara_app', 'MEMBER') THEN
        EXECUTE format('GRANT ara_app TO %I', current_user);
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO ara_app;
-- Row privileges only: no TRUNCATE, REFERENCES or TRIGGER. UPDATE and DELETE stay refused on the
-- append-only tables by their triggers, whoever asks.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ara_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ara_app;
-- Tables and sequences that later migrations create (as this owner) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ara_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ara_app;
-- TRUNCATE on the audited tables only, so that their statement triggers answer with the audit rule's own
-- message ("append-only") rather than a bare permission error; no other table may be truncated.
GRANT TRUNCATE ON landlord_overrides, site_notes TO ara_app;
-- The migration ledger is the owner's alone.
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM ara_app;
