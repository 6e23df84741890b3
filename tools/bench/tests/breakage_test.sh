#!/usr/bin/env bash
# Every correctness check of scripts/bench fails the run when what it checks is wrong: runs
# `scripts/bench --smoke --only STEPS` with PASAR_BENCH_BREAK modes (tools/bench/src/breakage.h:
# the benchmark programs break themselves, the services are the real ones) and requires, for
# each mode, a non-zero exit and that mode's named failure, and no failure that no mode explains.
#   breakage_test.sh BUILD_DIR [--each] [--quick]
# By default three runs, each breaking one check in each step it runs (a step's checks are judged
# on that step's results alone, and every failed check fails the run); --each runs every mode
# alone (one scripts/bench run per mode: about three times longer). --quick runs scripts/bench
# --quick instead of --smoke (the same checks on CI's sizes: minutes longer).
# Starts its own PostgreSQL and Redis (scripts/stack) in a temporary folder on free ports; the
# binaries are BUILD_DIR's as they are (PASAR_BENCH_PREBUILT=1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${1:?usage: breakage_test.sh BUILD_DIR [--each] [--quick]}
shift
each=0
size=--smoke
for a in "$@"; do
  case "$a" in
    --each) each=1 ;;
    --quick) size=--quick ;;
    *) echo "breakage_test: unknown argument $a" >&2; exit 2 ;;
  esac
done

# mode -> the step it breaks | the failure it must cause (grep -E on the output) | other failures
# it may cause (grep -E, or empty).
declare -A step must may
add() { step[$1]=$2; must[$1]=$3; may[$1]=${4:-}; }
add hot-refused hot_product 'hot_product: refusals other than INSUFFICIENT_STOCK: [A-Z_/]+ [0-9]+'
add hot-oversold hot_product 'hot_product: oversold: [0-9]+ units reserved of [0-9]+' \
  'hot_product: inventory shows stock'
add hot-undersold hot_product 'hot_product: sold [0-9]+ of [0-9]+ units: with twice the stock' \
  'hot_product: inventory shows stock'
add place-order-failed place_order_peak 'place_order_peak: failed calls: INVALID_ARGUMENT [0-9]+'
add list-error list_products 'list_products: failed calls: INVALID_ARGUMENT [0-9]+'
add list-short list_products 'list_products: failed calls: INTERNAL/SHORT_PAGE [0-9]+'
add locations-rejected locations 'locations: rejected fixes: [0-9]+' 'locations: fixes sent'
add events-lost events 'events: not consumed: [0-9]+ of'
add events-dead events 'events: dead-lettered: [0-9]+ events' 'events: not consumed: [0-9]+ of'
add geo-wrong geo 'geo: the index differs from a brute-force scan on [0-9]+ of' \
  'geo: agreement with Redis GEOSEARCH'
add assign-empty assignment 'assignment: no instance was solved'
add assign-crash assignment 'benchmarks that failed to run: (.* )?assignment( |$)'
add assign-cost assignment 'assignment: [0-9]+x[0-9]+: total cost'
add get-order-foreign growth 'growth: (fresh|preloaded) get_order: failed calls: NOT_FOUND [0-9]+'
add list-orders-short growth \
  'growth: (fresh|preloaded) list_orders: failed calls: INTERNAL/SHORT_PAGE [0-9]+'

if [ $each -eq 1 ]; then
  runs=()
  for m in "${!step[@]}"; do runs+=("$m"); done
else
  runs=("hot-refused,place-order-failed,list-error,locations-rejected,events-lost,geo-wrong,assign-empty"
        "hot-oversold,list-short,events-dead,assign-crash"
        "hot-undersold,assign-cost,get-order-foreign,list-orders-short")
fi

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
export PASAR_BENCH_STACK_DIR
PASAR_BENCH_STACK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pasar-bench-breakage.XXXXXX")
export PASAR_BENCH_PG_PORT PASAR_BENCH_REDIS_PORT
PASAR_BENCH_PG_PORT=$(free_port)
PASAR_BENCH_REDIS_PORT=$(free_port)
while [ "$PASAR_BENCH_REDIS_PORT" = "$PASAR_BENCH_PG_PORT" ]; do PASAR_BENCH_REDIS_PORT=$(free_port); done
export PASAR_BENCH_BUILD=$BUILD PASAR_BENCH_PREBUILT=1
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/pasar-bench-breakage-logs.XXXXXX")
cleanup() {
  PASAR_STACK_DIR=$PASAR_BENCH_STACK_DIR PASAR_PG_PORT=$PASAR_BENCH_PG_PORT \
    PASAR_REDIS_PORT=$PASAR_BENCH_REDIS_PORT "$ROOT/scripts/stack" destroy >/dev/null 2>&1 || true
  rm -rf "$LOGS"
}
trap cleanup EXIT

errors=0
n=0
for modes in "${runs[@]}"; do
  n=$((n + 1))
  steps=()
  for m in ${modes//,/ }; do steps+=("${step[$m]}"); done
  only=$(printf '%s\n' "${steps[@]}" | sort -u | paste -sd,)
  log="$LOGS/run-$n.log"
  echo "== PASAR_BENCH_BREAK=$modes ./scripts/bench $size --only $only"
  status=0
  t0=$(date +%s)
  PASAR_BENCH_BREAK=$modes "$ROOT/scripts/bench" $size --only "$only" >"$log" 2>&1 || status=$?
  echo "   exit status $status after $(( $(date +%s) - t0 )) s"
  bad=0
  if [ $status -eq 0 ]; then
    echo "FAIL: exit status 0 (a broken run must fail)"
    bad=1
  fi
  explained=()
  for m in ${modes//,/ }; do
    if grep -Eq -- "${must[$m]}" "$log"; then
      echo "   $m: failed as it must ($(grep -Eo -m1 -- "${must[$m]}" "$log"))"
    else
      echo "FAIL: $m: no failure matching '${must[$m]}'"
      bad=1
    fi
    explained+=("${must[$m]}")
    [ -n "${may[$m]}" ] && explained+=("${may[$m]}")
  done
  # Every failed check must be one of the breakages' (nothing else in these steps went wrong).
  pattern=$(printf '%s|' "${explained[@]}")
  pattern=${pattern%|}
  while IFS= read -r line; do
    if ! grep -Eq -- "$pattern" <<<"$line"; then
      echo "FAIL: a failure no breakage explains: $line"
      bad=1
    fi
  done < <(grep -E '^- check failed: ' "$log" || true)
  if [ $bad -ne 0 ]; then
    errors=$((errors + 1))
    echo "---- its output (exit status $status):"
    tail -n 80 "$log"
    echo "----"
  fi
done

if [ $errors -ne 0 ]; then
  echo "breakage_test: $errors of ${#runs[@]} broken runs did not fail as they must"
  exit 1
fi
echo "breakage_test: each of the ${#step[@]} breakages failed the run with its named failure"
