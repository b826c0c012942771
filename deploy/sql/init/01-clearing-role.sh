#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d): creates the application's
# login role, owner of the schema it migrates. The tables themselves come from the server's versioned scripts
# (src/Clearing.Persistence/Sql/postgres/NNNN_*.sql), applied in order by its SchemaMigrator at startup and recorded
# in schema_migrations; they are deliberately not run here, so there is exactly one way the schema changes.
set -eu
password="$(cat "$CLEARING_DB_PASSWORD_FILE")"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" --set=password="$password" <<'SQL'
CREATE ROLE clearing LOGIN PASSWORD :'password';
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE clearing TO clearing;
CREATE SCHEMA clearing AUTHORIZATION clearing;
ALTER ROLE clearing SET search_path = clearing;
SQL
