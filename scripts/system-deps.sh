#!/bin/sh
# Install the system packages that root-only, browser and PostgreSQL tests use. Without root, say what is missing and
# go on: those tests then skip with a reason (and fail under CI, which runs as root).
set -eu
need=""
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
# PostgreSQL server for the store tests (tests/pgserver.py starts a private cluster itself).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: missing system packages:$need (root-only tests will skip)" >&2
  exit 0
fi
echo "installing system packages:$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
