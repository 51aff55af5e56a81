#!/bin/sh
# PostgreSQL's first start (the official image runs /docker-entrypoint-initdb.d/*.sh on an empty data
# folder): a role and database for the case API, a role and database for Rasa's tracker store, and the
# right for the case API's role to read and delete Rasa's events (the purge and erasure,
# RASA_TRACKER_STORE_URL). Passwords come from the secret files; psql quotes them (:'name').
set -eu
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v case_password="$(cat /run/secrets/case_db_password)" \
  -v rasa_password="$(cat /run/secrets/rasa_tracker_db_password)" <<'SQL'
CREATE ROLE inburgering LOGIN PASSWORD :'case_password';
CREATE DATABASE inburgering OWNER inburgering;
REVOKE ALL ON DATABASE inburgering FROM PUBLIC;
CREATE ROLE rasa LOGIN PASSWORD :'rasa_password';
CREATE DATABASE rasa_tracker OWNER rasa;
REVOKE ALL ON DATABASE rasa_tracker FROM PUBLIC;
GRANT CONNECT ON DATABASE rasa_tracker TO inburgering;
\connect rasa_tracker
ALTER DEFAULT PRIVILEGES FOR ROLE rasa IN SCHEMA public GRANT SELECT, DELETE ON TABLES TO inburgering;
GRANT USAGE ON SCHEMA public TO inburgering;
SQL
