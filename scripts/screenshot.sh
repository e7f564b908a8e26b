#!/usr/bin/env bash
# Re-make docs/report.png: `retro analyze` on the bundled sessions/ into a temp folder,
# then a headless-chromium screenshot of its index.html (the top of the page: headline
# figures, the Pareto chart, root causes and lessons).
#
#   scripts/screenshot.sh                    # from anywhere inside the repository
#   WIDTH=1280 HEIGHT=2400 scripts/screenshot.sh
#
# Needs chromium (Debian: apt-get install chromium) and the package installed in .venv
# (or `retro` on PATH). The page's timestamp is pinned to the last commit touching
# sessions/, so a re-run on unchanged sessions and code gives the same picture.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
width="${WIDTH:-1280}"
height="${HEIGHT:-2400}"
retro="$repo/.venv/bin/retro"
[[ -x "$retro" ]] || retro="$(command -v retro)" || { echo "screenshot: no retro (pip install -e .)" >&2; exit 1; }
browser="$(command -v chromium || command -v chromium-browser)" || {
  echo "screenshot: no chromium on PATH (Debian: apt-get install chromium)" >&2
  exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/retro-shot.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# the page's "Generated" time: the last commit that changed sessions/
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct -- sessions 2>/dev/null || date +%s)}"

# exit 1 means some reflection had a problem: the report is still written and shows it
status=0
"$retro" analyze sessions/ --out "$work/report" --no-cache --quiet || status=$?
if [[ $status -gt 1 || ! -f "$work/report/index.html" ]]; then
  echo "screenshot: retro analyze failed (exit $status)" >&2
  exit 1
fi

"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --disable-background-networking --disable-component-update --disable-sync \
  --no-first-run --user-data-dir="$work/profile" --hide-scrollbars \
  --force-device-scale-factor=1 --window-size="$width,$height" \
  --screenshot="$work/report.png" "file://$work/report/index.html" >/dev/null 2>&1
[[ -s "$work/report.png" ]] || { echo "screenshot: chromium wrote no image" >&2; exit 1; }

mkdir -p docs
cp "$work/report.png" docs/report.png
echo "wrote docs/report.png (${width}x${height}) from $(find sessions -name '*.md' | wc -l) reflection(s)"
