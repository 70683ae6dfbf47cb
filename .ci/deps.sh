#!/bin/sh
# Install the Debian packages named as arguments that are not installed yet.
# Used by `make deps`; works as root or through sudo; says clearly when it cannot.
set -u
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
else
	echo "wiec: missing Debian packages:$missing; install them as root (apt-get install$missing)" >&2
	exit 1
fi
echo "wiec: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 &&
	$SUDO apt-get install -y -qq --no-install-recommends $missing >&2 || {
	echo "wiec: apt-get could not install:$missing" >&2
	exit 1
}
