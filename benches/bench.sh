#!/usr/bin/env bash
# baton's speed against git and Hugo, measured in one run on this machine.
#
#   benches/bench.sh [RELEASES...]     default: 1250 (about 10,000 commits)
#
# For each size it generates a records repository with realistic history
# (benches/gen_repo.py, git fast-import: every release planned, signed off
# gate by gate by the right people, decided and deployed; 8 commits each)
# and prints medians (hyperfine) and ratios against a baseline from the
# same run:
#   check (cold)  vs  git log --name-status -- content/   (same history)
#   build         vs  hugo (same number of pages, judges/hugo-bench-site.sh)
# Needs: hyperfine, hugo and /usr/bin/time (Debian packages), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1250}")
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v hugo >/dev/null || need+=(hugo)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --release --locked -q
baton="$PWD/target/release/baton"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
judges="$(cd .. && pwd)/shared/judges"

median() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$1"; }
peak_kb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

printf '| releases | commits | git log (s) | check cold (s) | ratio | hugo pages | hugo (s) | build (s) | ratio | hugo peak MB | build peak MB |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  repo="$work/r$n"
  python3 benches/gen_repo.py "$repo" "$n" >/dev/null
  commits=$(git -C "$repo" rev-list --count HEAD)
  now=$(git -C "$repo" log -1 --format=%cI)
  hyperfine -N -w 1 -r 5 --export-json "$work/git.json" \
    "git -C $repo log --name-status --format=%H -- content/" >/dev/null
  hyperfine -N -w 1 -r 5 --export-json "$work/check.json" \
    "$baton check --root $repo --format json --now $now" >/dev/null || true
  pages=$((n + 8))
  hugo_site="$work/hugo$n"
  if [ -x "$judges/hugo-bench-site.sh" ] || [ -f "$judges/hugo-bench-site.sh" ]; then
    bash "$judges/hugo-bench-site.sh" "$pages" "$hugo_site" >/dev/null
    hyperfine -w 1 -r 3 --export-json "$work/hugo.json" "cd $hugo_site && hugo --quiet" >/dev/null
    hugo_s=$(median "$work/hugo.json")
    hugo_kb=$(cd "$hugo_site" && peak_kb hugo --quiet)
  else
    hugo_s=nan; hugo_kb=0
  fi
  hyperfine -N -w 1 -r 3 --export-json "$work/build.json" \
    "$baton build --root $repo --out $work/site$n --now $now" >/dev/null
  build_kb=$(peak_kb "$baton" build --root "$repo" --out "$work/site$n" --now "$now")
  g=$(median "$work/git.json"); c=$(median "$work/check.json"); b=$(median "$work/build.json")
  python3 - "$n" "$commits" "$g" "$c" "$pages" "$hugo_s" "$b" "$hugo_kb" "$build_kb" <<'PY'
import sys
n, commits, g, c, pages, h, b, hk, bk = sys.argv[1:]
g, c, h, b = float(g), float(c), float(h), float(b)
print(f"| {n} | {commits} | {g:.2f} | {c:.2f} | {c/g:.2f}x | {pages} | {h:.2f} | {b:.2f} | {b/h:.2f}x | {int(hk)/1024:.0f} | {int(bk)/1024:.0f} |")
PY
done
