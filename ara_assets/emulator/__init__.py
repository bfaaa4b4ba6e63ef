"""The register emulator: a Starlette web server that answers like the EPC register, for tests and the demo.

Not a Dagster resource; an import-linter contract keeps Dagster and the database out of it.
"""
