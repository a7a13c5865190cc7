#!/usr/bin/env bash
# What the tests need from the system, installed the ordinary way (apt-get) on a Debian-like machine when run
# as root or with password-less sudo; `npm test` runs this first, and CI runs nothing else, so a newcomer's
# test run is CI's. Elsewhere it says what is missing and goes on: the tests that need it skip, and the
# suite's last lines say which and why.
#   chromium              the end-to-end tests' browser (they stop without it)
#   dataset-fashion-mnist the full real data set for the data tests and benchmarks
#   fonts-dejavu-core     one font everywhere, so that screenshots are the same on every machine
#   libfaketime           moves the clock of the app's processes alone, for the clock-change test
#   python3-torch         PyTorch and NumPy, the independent references the analyses are checked against
#   mesa-vulkan-drivers   lavapipe, a software Vulkan driver: Dawn's WebGPU adapter for the WebGPU tests
set -euo pipefail

PACKAGES=(chromium dataset-fashion-mnist fonts-dejavu-core libfaketime python3-torch python3-numpy mesa-vulkan-drivers)

installed() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed; }

command -v dpkg-query >/dev/null && command -v apt-get >/dev/null || {
  echo "tests: not a Debian-like system; install Chromium (or set WEIGHTLAPSE_CHROMIUM), PyTorch with NumPy, libfaketime and a Vulkan driver for the tests that need them" >&2
  exit 0
}
missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
# Dawn refuses the lavapipe of Mesa 22.3 (Debian 12's own) for lacking descriptor indexing features it
# requires; Mesa 25 from bookworm-backports has them, so on bookworm the driver comes from there.
backports=false
if grep -q '^VERSION_CODENAME=bookworm$' /etc/os-release 2>/dev/null; then
  mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [[ -n $mesa && $mesa != 22.* ]] || { backports=true; [[ " ${missing[*]} " == *" mesa-vulkan-drivers "* ]] || missing+=(mesa-vulkan-drivers); }
fi
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    echo "tests: missing system packages: ${missing[*]}; install them (sudo apt-get install ${missing[*]}); the tests that need them skip" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if $backports; then
  # The mirror this machine already uses: its own apt sources (deb822 .sources or one-line .list files).
  # (A missing sources file is no error here: grep's status is dropped, what it found is kept.)
  mirror=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true; } | awk '{print $2}';
            { grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } | sed -E 's/^deb (\[[^]]*\] )?//' | awk '{print $1}')
  mirror=$(printf '%s\n' "$mirror" | grep -v -e security -e backports | head -n 1 || true)
  [ -n "$mirror" ] || { echo "tests: no Debian mirror in this machine's apt sources; cannot add bookworm-backports for mesa-vulkan-drivers" >&2; exit 1; }
  echo "deb $mirror bookworm-backports main" | "${SUDO[@]}" tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
echo "tests: installing ${missing[*]}" >&2
"${SUDO[@]}" apt-get update -q
others=()
for p in "${missing[@]}"; do [ "$p" = mesa-vulkan-drivers ] && $backports || others+=("$p"); done
[ ${#others[@]} -eq 0 ] || "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${others[@]}"
if $backports; then "${SUDO[@]}" apt-get install -y -q --no-install-recommends -t bookworm-backports mesa-vulkan-drivers; fi
