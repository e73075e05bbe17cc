#!/usr/bin/env bash
# baton's speed against git and Hugo, measured in one run on this machine.
#
#   benches/bench.sh [RELEASES...]     default: 1250 12500 (about 10,500 and 105,500 commits)
#   benches/bench.sh 1250              a quick run (a couple of minutes)
#
# For each size it generates a records repository with realistic history
# (benches/gen_repo.py, git fast-import: every release planned, signed off
# gate by gate by the right people, decided and deployed, 8 commits each;
# every 25th release causes an incident, fixed by a hotfix release and
# followed by a post-mortem, 11 commits more)
# and measures medians (hyperfine) against baselines from the same run:
#   check cold   `baton check --format json`, provenance cache (.git/baton/)
#                removed before every run      vs  git log --name-status -- content/
#   check warm   cache filled by a prior run, nothing new committed  vs  git log
#   build        `baton build`, warm cache, rebuilds back to back after three
#                unmeasured ones    vs  hugo --quiet on a site with as many
#                pages (../shared/judges/hugo-bench-site.sh), after as many
#                unmeasured runs: time and peak RSS
#   build cold   for information: no cache and no earlier site to replace
# then the edit-to-updated-page latency of `baton serve` at 1,000 releases
# (benches/serve_latency.py) and a line describing the machine.
#
# Environment:
#   BATON=PATH          use this binary instead of `cargo build --release`
#   BENCH_CACHE=DIR     where generated repositories are kept between runs
#                       (default ~/.cache/baton-bench; the 100,000-commit one takes
#                       about 10 minutes to generate on 2 cores); "off" to not keep them
#   SERVE_RELEASES=N    size for the serve latency (default 1000; 0 skips it)
#   SERVE_RUNS=N        edits measured (default 15)
# Needs: hyperfine, hugo and /usr/bin/time (Debian packages; installed with
# apt-get when missing and run as root), python3 and git.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1250 12500)
for n in "${sizes[@]}" "${SERVE_RELEASES:-1000}" "${SERVE_RUNS:-15}"; do
  [[ "$n" == 0 || "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: sizes (and SERVE_RELEASES, SERVE_RUNS) are numbers, not '$n'" >&2; exit 2; }
done
say() { printf '%s\n' "$*" >&2; }
die() { say "bench.sh: $*"; exit 1; }

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v hugo >/dev/null || need+=(hugo)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] ||
    die "missing ${need[*]}: install the Debian/Ubuntu packages of that name (or your system's equivalent)"
  say "installing ${need[*]} with apt-get..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null ||
    die "could not install ${need[*]}"
fi
for t in python3 git; do command -v "$t" >/dev/null || die "missing $t"; done

if [ -n "${BATON:-}" ]; then
  baton="$(cd "$(dirname "$BATON")" && pwd)/$(basename "$BATON")"
else
  command -v cargo >/dev/null || die "cargo not found; install Rust or point BATON= at a baton binary"
  cargo build --release --locked -q
  baton="$PWD/target/release/baton"
fi
[ -x "$baton" ] || die "no baton binary at $baton"
judges="$(cd .. && pwd)/shared/judges"
hugo_site_sh="$judges/hugo-bench-site.sh"
[ -f "$hugo_site_sh" ] || say "note: $hugo_site_sh not found; the Hugo columns will be empty"

work="$(mktemp -d "${TMPDIR:-/tmp}/baton-bench.XXXXXX")"
serve_pid=
cleanup() {
  # serve_latency.py stops its server and restores the record it edits on SIGTERM.
  [ -z "$serve_pid" ] || { kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; } || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

median() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$1"; }
median_kb() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "nan")}'; }
# hf NAME RUNS WARMUP [hyperfine options...] COMMAND: timings into $work/NAME.json
hf() {
  local name=$1 runs=$2 warm=$3; shift 3
  hyperfine -N --style none -r "$runs" -w "$warm" --export-json "$work/$name.json" "$@" >/dev/null ||
    die "hyperfine failed on: ${*: -1}"
}
# baton's exit codes in a hyperfine run (started with -i): 2 means it could not judge.
codes() {
  python3 - "$work/$1.json" <<'PY' || die "baton failed in '$1' (see the message above)"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
worst = max(r.get("exit_codes") or [0])
if worst >= 2:
    sys.exit(f"bench.sh: `{r['command']}` exited {worst}")
if worst == 1:
    print(f"   note: `{r['command']}` exits 1 (findings with errors in the generated records)", file=sys.stderr)
PY
}

# Generated repositories are kept between runs (100,000 commits take about ten
# minutes to generate on 2 cores): BENCH_CACHE=DIR to choose where, BENCH_CACHE=off not to.
keep="${BENCH_CACHE-${XDG_CACHE_HOME:-$HOME/.cache}/baton-bench}"
[ "$keep" != off ] || keep=
gen_key=$(sha256sum benches/gen_repo.py | cut -c1-12)
# repo_for N: the path of a clean generated repository of N releases, without baton's cache.
repo_for() {
  local n=$1 dir
  if [ -n "$keep" ]; then dir="$keep/r$n-$gen_key"; else dir="$work/r$n"; fi
  if [ ! -e "$dir/.git/bench-complete" ]; then
    say "   generating $n releases and $((n / 25)) incidents ($((n * 8 + n / 25 * 11 + 1)) commits)${keep:+, kept in $dir for the next runs}..."
    rm -rf "$dir" "$dir.tmp"
    mkdir -p "$(dirname "$dir")"
    python3 benches/gen_repo.py "$dir.tmp" "$n" >/dev/null || die "benches/gen_repo.py failed"
    touch "$dir.tmp/.git/bench-complete"
    mv "$dir.tmp" "$dir"
  elif [ -n "$(git -C "$dir" status --porcelain)" ]; then
    git -C "$dir" checkout -q -- . && git -C "$dir" clean -fdq
  fi
  rm -rf "$dir/.git/baton"
  printf '%s\n' "$dir"
}

no_cache=
results="$work/results.tsv"
: > "$results"
for n in "${sizes[@]}"; do
  say "== $n releases"
  repo=$(repo_for "$n")
  site="$work/site$n"
  commits=$(git -C "$repo" rev-list --count HEAD)
  now=$(git -C "$repo" log -1 --format=%cI)
  cache="$repo/.git/baton"
  # Fewer runs for the big history, where one git log takes a minute or more;
  # no warmup there: the OS file cache is already warm from the previous step.
  if [ "$commits" -gt 50000 ]; then runs=3; warm=0; cold_builds=1; else runs=5; warm=1; cold_builds=3; fi
  check="$baton check --root $repo --format json --now $now"
  build="$baton build --root $repo --out $site --now $now"

  say "   git log baseline..."
  hf git "$runs" "$warm" "git -C $repo log --name-status --format=%H -- content/"
  say "   check, cold cache..."
  hf check_cold "$runs" "$warm" -i --prepare "rm -rf $cache" "$check"
  codes check_cold
  [ -e "$cache" ] || no_cache=1
  # The last cold run filled the cache: that is the prior run of the warm case.
  say "   check, warm cache..."
  hf check_warm "$runs" "$warm" -i "$check"
  codes check_warm
  say "   build, cold cache..."
  # Cold as in a fresh clone: no cache and no earlier site in --out to replace.
  hf build_cold "$cold_builds" 0 -i --prepare "rm -rf $cache $site" "$build"
  codes build_cold
  # Warm: the cache and the site of the last cold build are there, and
  # builds run back to back. Builds alternate between two folders, so the
  # first three rebuilds are not yet the steady state and run unmeasured:
  # the first has no earlier site to start from (it renders every page),
  # and the next two are the first to start from each kept folder (they
  # list it in full, and note which of its folders, settled for 2 s, stand
  # unchanged). Measured: the rebuilds from then on. (At the small size a
  # build takes well under 2 s, so some folders are noted only during the
  # measured runs.)
  say "   build, warm cache..."
  for _ in 1 2 3; do $build >/dev/null 2>&1 || true; done
  hf build_warm "$runs" 0 -i "/usr/bin/time -a -o $work/build$n.rss -f %M $build"
  codes build_warm
  build_kb=$(median_kb "$work/build$n.rss")
  pages=$(find "$site" -name '*.html' | wc -l)

  if [ -f "$hugo_site_sh" ]; then
    say "   hugo, $pages pages..."
    hugo_site="$work/hugo$n"
    bash "$hugo_site_sh" "$pages" "$hugo_site" >/dev/null
    # As many unmeasured runs first as baton's warm builds had.
    for _ in 1 2 3; do hugo --quiet --source "$hugo_site" >/dev/null 2>&1 || true; done
    hf hugo "$runs" 0 "/usr/bin/time -a -o $work/hugo$n.rss -f %M hugo --quiet --source $hugo_site"
    hugo_s=$(median "$work/hugo.json")
    hugo_kb=$(median_kb "$work/hugo$n.rss")
    rm -rf "$hugo_site"
  else
    hugo_s=nan; hugo_kb=nan
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$commits" "$(median "$work/git.json")" \
    "$(median "$work/check_cold.json")" "$(median "$work/check_warm.json")" "$pages" "$hugo_s" \
    "$(median "$work/build_warm.json")" "$(median "$work/build_cold.json")" "$hugo_kb" "$build_kb" >>"$results"
  rm -rf "$site" "$cache"
  [ -n "$keep" ] || rm -rf "$repo"
done

serve_line=
serve_n=${SERVE_RELEASES:-1000}
if [ "$serve_n" != 0 ]; then
  say "== serve latency at $serve_n releases"
  serve_repo=$(repo_for "$serve_n")
  say "   ${SERVE_RUNS:-15} edits..."
  python3 benches/serve_latency.py --baton "$baton" --repo "$serve_repo" \
    --runs "${SERVE_RUNS:-15}" --markdown >"$work/serve.txt" &
  serve_pid=$!
  wait "$serve_pid" || die "benches/serve_latency.py failed"
  serve_pid=
  serve_line=$(cat "$work/serve.txt")
  rm -rf "$serve_repo/.git/baton"
fi

rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || rev="$rev+changes"
cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -1)
mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null)
machine="machine: $(nproc) cores, ${cpu:-unknown CPU}, ${mem:-unknown} RAM, $(uname -sr); baton $rev, $(git --version | cut -d' ' -f3- | sed 's/^/git /'), $(hugo version 2>/dev/null | cut -d' ' -f1-2 | sed 's/+.*//'), $(hyperfine --version)"

python3 - "$results" "$serve_line" "$machine" "$no_cache" <<'PY'
import math, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
serve_line, machine, no_cache = sys.argv[2], sys.argv[3], sys.argv[4]

def f(x):
    return float(x)
def secs(x):
    x = f(x)
    return "–" if math.isnan(x) else (f"{x:.3f}" if x < 0.1 else f"{x:.2f}" if x < 10 else f"{x:.1f}")
def ratio(a, b, target):
    a, b = f(a), f(b)
    if math.isnan(a) or math.isnan(b) or b == 0:
        return "–"
    r = a / b
    return f"{r:.2f}x {'✓' if r <= target else '✗'}"
def mb(kb):
    kb = f(kb)
    return "–" if math.isnan(kb) else f"{kb / 1024:.0f}"

metrics = [
    ("commits", "", lambda r: f"{int(r[1]):,}"),
    ("git log --name-status -- content/ (s)", "baseline", lambda r: secs(r[2])),
    ("baton check, cold cache (s)", "", lambda r: secs(r[3])),
    ("check cold / git log", "≤ 1.3x", lambda r: ratio(r[3], r[2], 1.3)),
    ("baton check, warm cache (s)", "", lambda r: secs(r[4])),
    ("check warm / git log", "≤ 0.25x", lambda r: ratio(r[4], r[2], 0.25)),
    ("pages (baton's HTML files = Hugo posts)", "", lambda r: f"{int(r[5]):,}"),
    ("hugo --quiet (s)", "baseline", lambda r: secs(r[6])),
    ("baton build, warm cache, replacing the site (s)", "", lambda r: secs(r[7])),
    ("build / hugo", "≤ 0.2x", lambda r: ratio(r[7], r[6], 0.2)),
    ("baton build, cold: no cache, empty --out (s)", "info", lambda r: secs(r[8])),
    ("hugo peak RSS (MB)", "baseline", lambda r: mb(r[9])),
    ("build peak RSS (MB)", "", lambda r: mb(r[10])),
    ("build peak / hugo peak", "≤ 0.5", lambda r: ratio(r[10], r[9], 0.5).replace("x", "")),
]
print()
print("| | target | " + " | ".join(f"{int(r[0]):,} releases" for r in rows) + " |")
print("|---|---|" + "---|" * len(rows))
for name, target, fmt in metrics:
    print(f"| {name} | {target} | " + " | ".join(fmt(r) for r in rows) + " |")
print()
if serve_line:
    print(serve_line)
    print()
print("Medians of hyperfine runs; ✓/✗ against the target.")
if no_cache:
    print("Note: baton wrote no provenance cache (.git/baton/), so cold and warm measure the same thing.")
print(machine)
PY
