"""The PostgreSQL system of record: engine and embedded server, unit of work, migrations, COPY, imports,
locks, and one repository module per table (`repositories/`)."""
