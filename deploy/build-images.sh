#!/usr/bin/env bash
# `make images`: build localhost/inburgering-api and localhost/inburgering-bot with podman (chroot
# isolation, no registry), from the lock files, on a debootstrapped Debian bookworm base.
#
#   MODEL=models/bot-<hash>.tar.gz deploy/build-images.sh     (default: the model `make model` made, if any)
#
# Settings (environment): BASE_IMAGE (default localhost/debian-base:bookworm, made by deploy/make-base.sh
# when missing), IMAGE_TAG (default: the commit), MODEL, PYTHON310 (the Python 3.10 to copy; default: the
# one scripts/find-python.sh finds), IMAGES=api|bot|"api bot", KEEP_BUILD_CACHE=1 (keep the stages).
# This machine's pip configuration goes into the build as read-only volumes (deploy/pip_build_config.py):
# no index host name is written into any file here or into the images' history. See docs/adr/0017.
set -euo pipefail
cd "$(dirname "$0")/.."

base="${BASE_IMAGE:-localhost/debian-base:bookworm}"
tag="${IMAGE_TAG:-$(git rev-parse --short=12 HEAD)}"
images="${IMAGES:-api bot}"

podman image exists "$base" || deploy/make-base.sh "$base"

work="$(mktemp -d /var/tmp/inburgering-build.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mapfile -t pip_volumes < <(python3 deploy/pip_build_config.py "$work/pip")

build() {
  local name="$1"; shift
  echo "images: building localhost/inburgering-$name:$tag"
  # --format docker: the OCI format has no HEALTHCHECK; podman would drop it.
  nice -n 10 podman --cgroup-manager=cgroupfs build --isolation=chroot --format docker --layers \
    --build-arg "BASE_IMAGE=$base" "${pip_volumes[@]}" \
    --label "org.opencontainers.image.revision=$(git rev-parse HEAD)" \
    -t "localhost/inburgering-$name:$tag" -t "localhost/inburgering-$name:latest" "$@" .
}

if [[ " $images " == *" api "* ]]; then
  build api -f deploy/Containerfile.api
fi

if [[ " $images " == *" bot "* ]]; then
  # Rasa 3.6 needs Python 3.10, which Debian does not ship: the image gets the interpreter the bot
  # environment is made with (ADR 0017), copied from its installation prefix.
  py310="${PYTHON310:-$(scripts/find-python.sh 3.10)}"
  prefix="$("$py310" -c 'import sys; print(sys.base_prefix)')"
  build bot-runtime -f deploy/Containerfile.bot --build-context "python310=$prefix"
  model="${MODEL:-}"
  if [ -z "$model" ] && [ -x .venv/bot/bin/python ]; then
    candidate="$(.venv/bot/bin/python bot/train.py --print-path)"
    [ -f "$candidate" ] && model="${candidate#"$PWD"/}"
  fi
  if [ -n "$model" ]; then
    case "$model" in models/bot-*.tar.gz) ;; *) echo "images: MODEL must be models/bot-<hash>.tar.gz" >&2; exit 1;; esac
    [ -f "$model" ] || { echo "images: MODEL=$model does not exist" >&2; exit 1; }
    build bot -f deploy/Containerfile.model --build-arg "RUNTIME_IMAGE=localhost/inburgering-bot-runtime:$tag" \
      --build-arg "MODEL=$model" --label "inburgering.model=$(basename "$model")"
  else
    echo "images: no trained model (make model, or MODEL=...): Rasa in this image needs one mounted on /app/models" >&2
    podman tag "localhost/inburgering-bot-runtime:$tag" "localhost/inburgering-bot:$tag" "localhost/inburgering-bot:latest"
  fi
fi
# The stages' intermediate images are dangling once the final ones are tagged: remove them (and with them
# the layer cache) unless KEEP_BUILD_CACHE=1.
[ "${KEEP_BUILD_CACHE:-0}" = 1 ] || podman image prune -f >/dev/null
podman images --filter reference='localhost/inburgering-*' || true
