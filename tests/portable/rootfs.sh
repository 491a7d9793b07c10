#!/usr/bin/env bash
# Makes, or reuses from its cache, the Debian 11 (bullseye) userland that tests/portable/oldsys.sh
# runs wx-recover's shipped artifacts in: glibc 2.31, OpenSSL 1.1.1, Python 3.9, OpenJDK 11,
# gcc 10, pkg-config. Prints the rootfs path as the last line of stdout; progress goes to stderr.
#
#   bash tests/portable/rootfs.sh [--rebuild]
#
# Environment:
#   WX_OLDSYS_CACHE    cache folder, outside the work tree so that every clone on this machine
#                      shares it (default /var/cache/wx-recover/bullseye). It holds:
#                        rootfs/        the userland (entered with chroot)
#                        rootfs.stamp   written only after debootstrap fully succeeded
#                        rootfs.new/    a build in progress (removed if found at start)
#   WX_OLDSYS_MIRROR   Debian mirror (default http://deb.debian.org/debian)
#
# The stamp records the suite, variant, mirror and --include list; a rootfs whose stamp is
# missing or differs is removed and rebuilt, as is one missing a program the test needs.
# Exit status: 0 ready; 77 SKIP (not root, or chroot is not permitted here); 1 failure.
# Needs root, debootstrap (installed with apt-get when missing) and the Debian mirror.
set -euo pipefail

SUITE=bullseye
VARIANT=minbase
INCLUDE=python3,python3-venv,openjdk-11-jre-headless,ca-certificates,build-essential,pkg-config
MIRROR=${WX_OLDSYS_MIRROR:-http://deb.debian.org/debian}
CACHE=${WX_OLDSYS_CACHE:-/var/cache/wx-recover/bullseye}
# Files whose absence means the cached rootfs is damaged, whatever its stamp says.
REQUIRED=(usr/bin/python3 usr/lib/python3.9/venv/__init__.py
          usr/lib/jvm/java-11-openjdk-amd64/bin/java usr/bin/gcc usr/bin/g++ usr/bin/pkg-config
          usr/bin/make etc/ssl/certs/ca-certificates.crt)

say() { echo "rootfs: $*" >&2; }
die() { echo "rootfs: ERROR: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

rebuild=0
case "${1:-}" in
  "") ;;
  --rebuild) rebuild=1 ;;
  *) die "unknown argument '$1' (usage: rootfs.sh [--rebuild])" ;;
esac

# ---- can this machine chroot at all? ----------------------------------------------------------
[ "$(id -u)" = 0 ] || skip "the bullseye userland needs root (debootstrap, chroot, bind mounts); running as uid $(id -u)"
command -v chroot >/dev/null || die "no chroot program (coreutils)"
if ! err=$(chroot / /bin/true 2>&1); then
  case "$err" in
    *"Operation not permitted"*) skip "chroot is not permitted here (no CAP_SYS_CHROOT): $err" ;;
    *) die "chroot / /bin/true failed: $err" ;;
  esac
fi

ROOTFS=$CACHE/rootfs
STAMP=$CACHE/rootfs.stamp
NEW=$CACHE/rootfs.new
want_stamp() {
  printf 'suite=%s\nvariant=%s\nmirror=%s\ninclude=%s\n' "$SUITE" "$VARIANT" "$MIRROR" "$INCLUDE"
}

# Removes a rootfs folder, never crossing into something mounted inside it (a test run killed
# before its EXIT trap could leave the host's /proc or /dev bound there).
remove_tree() {
  local dir=$1 m
  [ -e "$dir" ] || return 0
  while read -r m; do
    say "unmounting leftover $m"
    umount "$m" 2>/dev/null || umount -l "$m" || die "cannot unmount $m; remove $dir by hand"
  done < <(awk -v d="$(realpath "$dir")" 'index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$dir" || die "cannot remove $dir"
}

missing_required() {
  local f
  for f in "${REQUIRED[@]}"; do
    [ -e "$1/$f" ] || { echo "$f"; return 0; }
  done
  return 1
}

# ---- reuse ------------------------------------------------------------------------------------
t0=$(date +%s.%N)
remove_tree "$NEW" # a build that did not finish
if [ "$rebuild" = 0 ] && [ -f "$STAMP" ] && [ -d "$ROOTFS" ]; then
  if [ "$(grep -v '^built_' "$STAMP")" != "$(want_stamp)" ]; then
    say "the cached rootfs was made with other settings; rebuilding"
  elif miss=$(missing_required "$ROOTFS"); then
    say "the cached rootfs lacks $miss; rebuilding"
  else
    say "reusing $ROOTFS ($(sed -n 's/^built_seconds=//p' "$STAMP") s to build on $(sed -n 's/^built_at=//p' "$STAMP"); checked in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s)"
    echo "$ROOTFS"
    exit 0
  fi
elif [ -d "$ROOTFS" ]; then
  say "$ROOTFS has no stamp (a build that did not finish, or --rebuild); rebuilding"
fi
rm -f "$STAMP"
remove_tree "$ROOTFS"

# ---- build ------------------------------------------------------------------------------------
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >&2 ||
    die "apt-get install debootstrap failed"
fi
mkdir -p "$CACHE"
log=$CACHE/debootstrap.log
say "debootstrap --variant=$VARIANT --include=$INCLUDE $SUITE $NEW $MIRROR (log: $log)"
start=$(date +%s)
if ! debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" "$NEW" "$MIRROR" >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  [ -f "$NEW/debootstrap/debootstrap.log" ] && tail -n 30 "$NEW/debootstrap/debootstrap.log" >&2
  remove_tree "$NEW"
  die "debootstrap $SUITE failed (above: the end of $log)"
fi
# debootstrap leaves the downloaded packages behind; the test does not need them.
rm -rf "$NEW"/var/cache/apt/archives/*.deb "$NEW"/var/lib/apt/lists/*_Packages
if miss=$(missing_required "$NEW"); then
  remove_tree "$NEW"
  die "debootstrap finished but the rootfs lacks $miss: check the --include list"
fi
mv "$NEW" "$ROOTFS"
secs=$(( $(date +%s) - start ))
{ want_stamp; printf 'built_at=%s\nbuilt_seconds=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$secs"; } >"$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
say "built $ROOTFS in $secs s ($(du -sh --one-file-system "$ROOTFS" | cut -f1))"
echo "$ROOTFS"
