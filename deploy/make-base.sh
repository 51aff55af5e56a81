#!/usr/bin/env bash
# Make the Debian bookworm base image the Containerfiles start FROM, without a container registry:
# debootstrap a minimal bookworm into a folder, give it this machine's apt sources (so the images get
# bookworm-updates and security fixes from the same mirror), upgrade it, and import it into podman.
#
#   deploy/make-base.sh [IMAGE]          default IMAGE: localhost/debian-base:bookworm
#
# The mirror is read from this machine's apt configuration (DEBIAN_MIRROR overrides it); it is written
# into no file of the repository. Needs root, debootstrap and podman.
set -euo pipefail
image="${1:-localhost/debian-base:bookworm}"

mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  # deb822 sources first (Debian 12's default), then the one-line format.
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  [ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
fi
[ -n "$mirror" ] || { echo "make-base: no Debian mirror found in /etc/apt; set DEBIAN_MIRROR" >&2; exit 1; }

work="$(mktemp -d /var/tmp/debian-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
echo "make-base: debootstrap bookworm (minbase) into $root"
nice -n 10 debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

# The machine's own sources (bookworm, -updates, -security) replace debootstrap's single line.
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
  rm -f "$root/etc/apt/sources.list"
fi
chroot "$root" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade \
  && apt-get clean && rm -rf /var/lib/apt/lists/*' >"$work/upgrade.log" 2>&1 \
  || { tail -20 "$work/upgrade.log" >&2; exit 1; }
# Nothing of this machine stays behind in the image: no resolver, host name or logs.
rm -rf "$root"/var/log/* "$root"/var/cache/apt/* "$root"/etc/resolv.conf "$root"/etc/hostname
: >"$root/etc/resolv.conf"

tar -C "$root" --numeric-owner -c . | podman import --quiet --message "debootstrap bookworm minbase" - "$image" >/dev/null
echo "make-base: imported $image ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
