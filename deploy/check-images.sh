#!/usr/bin/env bash
# Check the built images without starting a container (running containers is not possible on the
# project's build machines): their configuration, their packages against the lock files, who owns what,
# that no build tool or pip configuration is left in them, and - with chroot into the image's file
# system - that the code imports, the migrations run (on SQLite) and the bot's entry points refuse to
# start without their secrets.
#
#   deploy/check-images.sh            IMAGE_TAG (default latest) chooses the tag; needs root and podman
#
# Exit status: 0 all checks passed, 1 some failed (each is printed as FAIL), 77 podman or an image absent.
set -uo pipefail
cd "$(dirname "$0")/.."
tag="${IMAGE_TAG:-latest}"
py="${CHECK_PYTHON:-.venv/api/bin/python}"   # the host's Python with `packaging` (the API environment)
api="localhost/inburgering-api:$tag"
bot="localhost/inburgering-bot:$tag"
failures=0

command -v podman >/dev/null || { echo "SKIP podman is not installed"; exit 77; }
for image in "$api" "$bot"; do
  podman image exists "$image" || { echo "SKIP $image is not built (make images)"; exit 77; }
done

# Stand-in secrets (random, made here, deleted at the end) for the checks that start a process.
secrets="$(mktemp -d)"
trap 'rm -rf "$secrets"' EXIT
for name in bot_service_token action_server_secret rasa_jwt_secret; do
  python3 -c 'import secrets; print(secrets.token_urlsafe(40))' >"$secrets/$name"
done
chmod 0755 "$secrets"; chmod 0644 "$secrets"/*

ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# check DESCRIPTION COMMAND...: runs the command, prints ok or FAIL with the command's output.
check() {
  local description="$1" output; shift
  if output="$("$@" 2>&1)"; then ok "$description"; else fail "$description"; echo "$output" | sed 's/^/     /'; fi
}

# The image's configuration: user, entry point, health check, ports, and no secret in its environment.
config() { podman image inspect "$1" | "$py" deploy/check_config.py "$2" "$3"; }

# In new mount, PID and network namespaces (nothing stays mounted or running, and no port of this machine
# is used: the namespace has its own loopback): /proc, a fresh /tmp and, with SECRETS_FROM=folder, those
# files under /run/secrets; then chroot as 10001 and run the command with the given environment.
in_image() {
  local root="$1" workdir="$2"; shift 2
  unshare --mount --pid --net --fork --propagation private /bin/sh -c '
    root="$1"; workdir="$2"; secrets="$3"; shift 3
    ip link set lo up && mount -t proc proc "$root/proc" && mount -t tmpfs -o size=512m tmpfs "$root/tmp" || exit 1
    # /dev as a container runtime gives it: the usual devices and a writable /dev/shm (Rasa needs one).
    mount -t tmpfs -o mode=0755 tmpfs "$root/dev" && mkdir -m 1777 "$root/dev/shm" || exit 1
    for device in null zero random urandom; do
      touch "$root/dev/$device" && mount --bind "/dev/$device" "$root/dev/$device" || exit 1
    done
    if [ -n "$secrets" ]; then
      mount -t tmpfs tmpfs "$root/run" && mkdir "$root/run/secrets" && cp "$secrets"/* "$root/run/secrets/" || exit 1
    fi
    exec chroot --userspec=10001:10001 "$root" /usr/bin/env -i HOME=/tmp PATH=/opt/venv/bin:/usr/bin:/bin \
      PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app ENVIRONMENT=development RASA_TELEMETRY_ENABLED=false \
      SANIC_HOST=127.0.0.1 /bin/sh -c "cd $workdir && exec \"\$@\"" sh "$@"
  ' sh "$root" "$workdir" "${SECRETS_FROM:-}" "$@"
}

# serves ROOT WORKDIR URL COMMAND...: COMMAND, started in the image, answers URL (probe.py) within 120 s;
# then $THEN (a shell command) succeeds and each of $ALSO ("URL=STATUS ...") answers with that status.
serves() {
  local root="$1" workdir="$2" url="$3"; shift 3
  in_image "$root" "$workdir" /bin/sh -c '
    url="$1"; also="$2"; then="$3"; shift 3
    "$@" >/tmp/server.log 2>&1 &
    for _ in $(seq 120); do
      python /app/deploy/probe.py "$url" && break
      kill -0 $! 2>/dev/null || { tail -20 /tmp/server.log; exit 1; }
      sleep 1
    done
    python /app/deploy/probe.py "$url" || { tail -20 /tmp/server.log; exit 1; }
    if [ -n "$then" ]; then sh -c "$then" || { tail -20 /tmp/server.log; exit 1; }; fi
    for pair in $also; do
      status="$(python -c "import sys, urllib.request as r, urllib.error as e
try: print(r.urlopen(sys.argv[1], timeout=5).status)
except e.HTTPError as x: print(x.code)" "${pair%=*}")"
      [ "$status" = "${pair##*=}" ] || { echo "${pair%=*} answered $status, not ${pair##*=}"; exit 1; }
    done
  ' sh "$url" "${ALSO:-}" "${THEN:-}" "$@"
}

owned_by_the_user() { find "$1" -xdev \( -uid 10001 -o -gid 10001 \) -print | head -20 | grep . && return 1 || return 0; }
writable_by_all() {
  find "$1" -xdev -perm -0002 ! -type l ! -type c -print | sed "s|^$1||" | grep -v -x -E '/tmp|/var/tmp|/run/lock' \
    | head -20 | grep . && return 1 || return 0
}
no_build_tools() {
  local found=0
  for tool in gcc cc c++ make patchelf pip pip3 apt-get-source; do
    for dir in /usr/bin /usr/local/bin /opt/venv/bin; do
      [ -e "$1$dir/$tool" ] && { echo "$dir/$tool"; found=1; }
    done
  done
  [ -d "$1/run/pip" ] && [ -n "$(ls -A "$1/run/pip")" ] && { echo "/run/pip holds files"; found=1; }
  [ -e "$1/etc/pip.conf" ] && { echo "/etc/pip.conf"; found=1; }
  return $found
}
# The index and find-links of this machine's pip configuration appear nowhere in the image's history.
no_pip_config_in_history() {
  local image="$1" history
  history="$(podman history --no-trunc --format '{{.CreatedBy}}' "$image")"
  for value in $(pip config list 2>/dev/null | sed -n -E "s/^[^=]*(index-url|find-links)='(.*)'$/\2/p"); do
    grep -F -- "$value" <<<"$history" && return 1
  done
  grep -F -- "/run/pip" <<<"$history" && return 1
  return 0
}
# refuses ROOT MESSAGE COMMAND...: the bot's COMMAND, run in the image, stops with MESSAGE.
refuses() {
  local root="$1" message="$2" output; shift 2
  output="$(in_image "$root" /app/bot "$@" 2>&1)"
  grep -qF -- "$message" <<<"$output" || { tail -5 <<<"$output"; return 1; }
}
python_version() { sed -n -E 's/^version = (.*)$/\1/p' "$1/opt/venv/pyvenv.cfg"; }

echo "== $api"
check "configuration: user 10001, entry point, health check /health/live, port 8000, no secret" \
  config "$api" "8000/tcp" "http://127.0.0.1:8000/health/live"
root="$(podman image mount "$api")" || { fail "podman image mount $api"; exit 1; }
version="$(python_version "$root")"
mapfile -t runtime < <("$py" -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"], sep="\n")')
check "packages: those of pyproject.toml at the pins of requirements/api.lock (Python $version)" \
  "$py" deploy/check_packages.py "$root/opt/venv/lib/python3.11/site-packages" requirements/api.lock "$version" "${runtime[@]}"
"$py" deploy/check_packages.py "$root/opt/venv/lib/python3.11/site-packages" requirements/api.lock "$version" "${runtime[@]}" | grep -E "left out|unpinned"
check "chroot: Python 3.11 is Debian's (/usr)" \
  in_image "$root" /app python -c "import sys; assert sys.version_info[:2] == (3, 11) and sys.base_prefix == '/usr', sys.version"
check "the user 10001 owns nothing" owned_by_the_user "$root"
check "nothing is writable by all but /tmp" writable_by_all "$root"
check "no compiler, patchelf or pip; no pip configuration" no_build_tools "$root"
check "no pip index or find-links in the image history" no_pip_config_in_history "$api"
check "compiled catalogs for the ten languages" test "$(ls "$root"/app/locales/*/LC_MESSAGES/messages.mo | wc -l)" -eq 10
check "chroot: import api.main, api.worker, api.migrate as 10001" \
  in_image "$root" /app python -c "import api.main, api.worker, api.migrate; api.main.create_app()"
check "chroot: python -m api.migrate upgrades an empty SQLite database to head" \
  in_image "$root" /app /usr/bin/env DATABASE_URL=sqlite:////tmp/check.sqlite3 python -m api.migrate
check "chroot: the entry point turns no secret file into a variable when /run/secrets is absent" \
  in_image "$root" /app python /app/deploy/entrypoint.py python -c "import os, sys; sys.exit('BOT_SERVICE_TOKEN' in os.environ)"
SECRETS_FROM="$secrets" \
check "chroot: the entry point turns /run/secrets/bot_service_token into BOT_SERVICE_TOKEN for uid 10001" \
  in_image "$root" /app python /app/deploy/entrypoint.py \
  python -c "import os, sys; sys.exit(os.environ.get('BOT_SERVICE_TOKEN') != open('/run/secrets/bot_service_token').read().strip())"
check "chroot: the worker's probe fails before the worker beats and passes while it runs" \
  in_image "$root" /app /bin/sh -c '
    export DATABASE_URL=sqlite:////tmp/worker.sqlite3 RASA_URL=http://127.0.0.1:9
    python -m api.migrate >/tmp/migrate.log 2>&1 || { cat /tmp/migrate.log; exit 1; }
    python /app/deploy/probe.py worker && { echo "passed before any worker ran"; exit 1; }
    python -m api.worker >/tmp/worker.log 2>&1 &
    for _ in $(seq 60); do python /app/deploy/probe.py worker && exit 0; sleep 1; done
    tail -20 /tmp/worker.log; exit 1'
api_start="export DATABASE_URL=sqlite:////tmp/live.sqlite3 SIMULATOR_ENABLED=false && python -m api.migrate \
  && exec uvicorn api.main:create_app --factory --host 127.0.0.1 --port 8000"
ALSO="http://127.0.0.1:8000/simulator=404 http://127.0.0.1:8000/health/ready=503" \
check "chroot: migrated, uvicorn serves the API (/health 200; the simulator off: 404; not ready without Rasa: 503)" \
  serves "$root" /app http://127.0.0.1:8000/health /bin/sh -c \
  "$api_start"
# The image's own HEALTHCHECK, as the runtime would run it (liveness: /health/live).
liveness="$(podman image inspect "$api" | "$py" -c 'import json, sys; print(json.load(sys.stdin)[0]["Healthcheck"]["Test"][-1])')"
ALSO="$liveness=200" \
check "chroot: the image's health check URL $liveness answers 200" \
  serves "$root" /app http://127.0.0.1:8000/health /bin/sh -c "$api_start"
podman image unmount "$api" >/dev/null

echo "== $bot"
check "configuration: user 10001, entry point, health check Rasa /version, ports 5005 5055, no secret" \
  config "$bot" "5005/tcp 5055/tcp" "http://127.0.0.1:5005/version"
root="$(podman image mount "$bot")" || { fail "podman image mount $bot"; exit 1; }
version="$(python_version "$root")"
mapfile -t runtime < <(sed -E '/^(#|$|pytest)/d' bot/requirements.in)
check "packages: those of bot/requirements.in at the pins of bot/requirements.lock (Python $version)" \
  "$py" deploy/check_packages.py "$root/opt/venv/lib/python3.10/site-packages" bot/requirements.lock "$version" \
  "${runtime[@]}" --allow setuptools --allow wheel
"$py" deploy/check_packages.py "$root/opt/venv/lib/python3.10/site-packages" bot/requirements.lock "$version" \
  "${runtime[@]}" --allow setuptools --allow wheel | grep -E "left out|unpinned"
check "Python 3.10 under /opt/python3.10, found without its build folder (RUNPATH \$ORIGIN/../lib)" \
  in_image "$root" /app/bot python -c "import sys, ssl, sqlite3, ctypes, lzma, bz2, uuid; assert sys.version_info[:2] == (3, 10), sys.version; assert sys.base_prefix == '/opt/python3.10', sys.base_prefix"
check "the interpreter has no tests, headers, Tk, IDLE or static library" \
  sh -c "! ls -d '$root'/opt/python3.10/lib/python3.10/test '$root'/opt/python3.10/include '$root'/opt/python3.10/lib/python3.10/tkinter '$root'/opt/python3.10/lib/python3.10/idlelib '$root'/opt/python3.10/lib/python3.10/config-3.10-* 2>/dev/null | grep ."
check "the user 10001 owns nothing" owned_by_the_user "$root"
check "nothing is writable by all but /tmp" writable_by_all "$root"
check "no compiler, patchelf or pip; no pip configuration" no_build_tools "$root"
check "no pip index or find-links in the image history" no_pip_config_in_history "$bot"
check "chroot: Rasa, rasa-sdk, the actions and our entry points import as 10001" \
  in_image "$root" /app/bot python -c "import rasa.core.run, rasa_sdk.endpoint, actions, action_server, rasa_server, gateway_channel, lockstore"
check "chroot: Rasa refuses to start without its secrets" \
  refuses "$root" "refusing to start: RASA_JWT_SECRET is not set" python rasa_server.py run --enable-api
check "chroot: the action server refuses to start without its secret" \
  refuses "$root" "refusing to start: ACTION_SERVER_SECRET is not set" python action_server.py --actions actions
SECRETS_FROM="$secrets" ALSO="http://127.0.0.1:5055/actions=401" \
check "chroot: with its secrets, the action server answers /health (its compose check) and 401 without them" \
  serves "$root" /app/bot \
  http://127.0.0.1:5055/health python /app/deploy/entrypoint.py python action_server.py --actions actions -p 5055
# Rasa itself, with the image's own HEALTHCHECK probe (/version); trackers in memory instead of
# PostgreSQL and Redis, which are not here (endpoints written to /tmp), and the image's model if any.
rasa_start="printf 'action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n' >/tmp/endpoints.yml \
  && exec python /app/deploy/entrypoint.py python rasa_server.py run --enable-api --model /app/models \
  --endpoints /tmp/endpoints.yml --credentials credentials.yml -i 127.0.0.1 -p 5005"
SECRETS_FROM="$secrets" ALSO="http://127.0.0.1:5005/status=401" \
check "chroot: Rasa starts and answers the image's health check (/version); its API wants a JWT (/status 401)" \
  serves "$root" /app/bot http://127.0.0.1:5005/version /bin/sh -c "$rasa_start"
model="$(podman image inspect --format '{{index .Labels "inburgering.model"}}' "$bot")"
if [ -n "$model" ] && [ "$model" != "<no value>" ]; then
  check "the model $model is in /app/models, alone, root's, readable by all" \
    test "$(ls "$root/app/models")" = "$model" -a "$(stat -c %u:%a "$root/app/models/$model")" = 0:644
  # What the API's readiness asks Rasa (bot/gateway_channel.py): a model is loaded and parses.
  THEN="python /app/deploy/entrypoint.py python -c '
import json, os, time, urllib.error, urllib.request, jwt
claims = {\"user\": {\"username\": \"readiness-check\", \"role\": \"user\"}, \"exp\": int(time.time()) + 300}
token = jwt.encode(claims, os.environ[\"RASA_JWT_SECRET\"], algorithm=\"HS256\")
ask = urllib.request.Request(\"http://127.0.0.1:5005/webhooks/gateway/status\", headers={\"Authorization\": \"Bearer \" + token})
for _ in range(180):
    try:
        answer = json.load(urllib.request.urlopen(ask, timeout=10))
        print(answer); raise SystemExit(0 if answer.get(\"ready\") and answer.get(\"intent\") else 1)
    except urllib.error.HTTPError as refused:
        if refused.code != 503: raise
    time.sleep(1)
raise SystemExit(\"no model loaded after 180 s\")
'" SECRETS_FROM="$secrets" \
  check "chroot: Rasa loads the model and parses (the gateway channel's status, as /health/ready asks it)" \
    serves "$root" /app/bot http://127.0.0.1:5005/version /bin/sh -c "$rasa_start"
  if [ -f "models/$model" ]; then
    check "the model is the one in models/" cmp "models/$model" "$root/app/models/$model"
  fi
else
  echo "note no model baked in: Rasa needs one mounted on /app/models (docs/production.md)"
  check "/app/models exists, empty, root's" test -z "$(ls -A "$root/app/models")" -a "$(stat -c %u "$root/app/models")" = 0
fi
podman image unmount "$bot" >/dev/null

echo "== sizes"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -F ":$tag " | grep inburgering
if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
