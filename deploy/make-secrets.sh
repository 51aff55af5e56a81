#!/usr/bin/env bash
# Make the secret files compose.yaml mounts: a new random value for each (48 random bytes, URL-safe),
# the database URLs built from the generated passwords, and empty twilio_auth_token and oidc_client_secret
# to fill in from the Twilio console and the identity provider's registration. An existing file is never
# overwritten (delete it to rotate; then restart the services that hold it, docs/production.md). The folder is 0700: the files are readable by all (0644) because the
# processes in the containers run as uid 10001, not as the files' owner.
#
#   deploy/make-secrets.sh [FOLDER]          default: deploy/secrets
set -euo pipefail
folder="${1:-$(dirname "$0")/secrets}"
install -d -m 0700 "$folder"
umask 022

new() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
put() {  # put NAME VALUE: write the file unless it exists
  if [ -e "$folder/$1" ]; then echo "kept    $1"; else printf '%s\n' "$2" >"$folder/$1"; echo "created $1"; fi
}
for name in postgres_password case_db_password rasa_tracker_db_password rasa_lock_redis_password \
            case_api_admin_token bot_service_token session_secret rasa_jwt_secret action_server_secret \
            metrics_token; do
  put "$name" "$(new)"
done
case_password="$(cat "$folder/case_db_password")"
put database_url "postgresql+psycopg://inburgering:$case_password@postgres:5432/inburgering"
put rasa_tracker_store_url "postgresql+psycopg://inburgering:$case_password@postgres:5432/rasa_tracker"
# From Twilio's console, the identity provider, the register, the mail server and the translation server;
# left empty, each of the last four stays off (docs/production.md).
for name in twilio_auth_token oidc_client_secret klantinteracties_token smtp_password translation_api_key; do
  [ -e "$folder/$name" ] || { : >"$folder/$name"; echo "created $name (empty: fill it in)"; }
done
chmod 0644 "$folder"/*
