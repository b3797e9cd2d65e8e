#!/bin/bash
# Runs inside `unshare -m`: a real systemd-journald on tmpfs mounts that only
# this mount namespace sees, tmsd logging to it, then the journal read back.
#   journal_namespace.sh OUT_JSON COMMAND...
# COMMAND runs with journald up (it starts tmsd and drives it); the journal's
# entries are written to OUT_JSON with journalctl -o json.
set -eu
out=$1
shift
mount --make-rprivate /
for dir in /run/systemd /run/log /var/log/journal; do
  mkdir -p "$dir"
  mount -t tmpfs tmpfs "$dir"
done
/lib/systemd/systemd-journald &
journald=$!
trap 'kill $journald 2>/dev/null; wait $journald 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  [ -S /run/systemd/journal/socket ] && break
  sleep 0.05
done
[ -S /run/systemd/journal/socket ] || { echo "journald did not start" >&2; exit 1; }
"$@"
# Volatile storage until a flush: /run/log/journal/MACHINE-ID.
journalctl -D "/run/log/journal/$(cat /etc/machine-id)" -o json --no-pager > "$out"
