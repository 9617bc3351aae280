#!/usr/bin/env bash
# System libraries for the PDF (WeasyPrint needs Pango >= 1.44 and a font).
# Installs them with apt when missing and running as root; otherwise says what to install.
set -euo pipefail
need=()
ldconfig -p | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so' || need+=(libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset.so' || need+=(libharfbuzz-subset0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system libraries for the PDF: ${need[*]}"
  apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
else
  echo "Missing system libraries for the PDF: ${need[*]} (Debian: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
