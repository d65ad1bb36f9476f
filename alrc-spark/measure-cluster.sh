#!/usr/bin/env bash
# measure-cluster.sh: runs per hour of a fixed small sweep on a Spark standalone cluster on this
# machine (E workers of one core, one executor each: E runs at a time) against a local sweep with the
# same number of runs at a time (alrc sweep --parallel E --threads 1, child JVMs), for E = 1, 2, 3.
# Every training uses one engine thread. Local and Spark alternate within each round; with several
# rounds the table gives medians. Prints a markdown table with the CPU model; the transcript, the
# specs and the run directories stay in OUT.
#
#   alrc-spark/measure-cluster.sh [--executors "1 2 3"] [--runs K] [--steps S] [--rounds M] [--out DIR]
#
# Defaults: executors "1 2 3", 12 runs (seeds 0..11 of one configuration), 1,000 steps per run
# (STEM completion, 32 px, width 0.25, batch 2), 1 round, OUT alrc-spark/target/measure-cluster.
# Measure on an otherwise idle machine with at least as many cores as the largest E.
#
# Columns: runs/h = K / wall time of the whole sweep x 3600 (driver start to exit, the cluster
# already running); start-up = seconds from the sweep command to its first run's start (Spark: the
# context, the executors' JVMs, fetching the job jar; second resolution); overhead per run =
# (Spark's wall time - local's) x E / K, the executor-seconds Spark adds to each run; cluster start =
# seconds for bin/spark-standalone.sh start (once per E, not counted in runs/h).
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXECUTORS="1 2 3"
RUNS=12
STEPS=1000
ROUNDS=1
OUT="$ROOT/alrc-spark/target/measure-cluster"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --executors) EXECUTORS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "measure-cluster: unknown option $1" >&2; sed -n '9,10p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2 ;;
  esac
done
ALRC="$ROOT/alrc"
STANDALONE="$ROOT/bin/spark-standalone.sh"
export ALRC_SPARK_STATE="$OUT/cluster"
export SPARK_LOCAL_IP=127.0.0.1

rm -rf "$OUT"
mkdir -p "$OUT"
cat >"$OUT/spec.yaml" <<EOF
task: stem-completion
fixed: {steps: $STEPS, width: 0.25, image_size: 32, batch: 2, n: 2, eval_every: $STEPS, eval_examples: 8,
        checkpoint_every: $STEPS}
repeats: $RUNS
EOF
trap '"$STANDALONE" stop >/dev/null 2>&1 || true' EXIT

say() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# seconds from $2 (epoch) to the earliest attempt line of the runs under $1
first_start() {
  local first
  first="$(grep -h '^== alrc sweep' "$1"/*/log.txt | sed -E 's/^== alrc sweep ([0-9T:-]+)Z.*/\1/' | sort | head -1)"
  awk -v a="$2" -v b="$(date -d "${first}Z" +%s)" 'BEGIN { printf "%.0f", b - a }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

say "building what is missing (CLI, alrc-spark, job jar, SPARK_HOME)"
"$ALRC" --version >/dev/null
JOB_JAR="$("$STANDALONE" job-jar)"
"$STANDALONE" home >/dev/null
CORES="$(nproc)"
declare -A LOCAL_T SPARK_T LOCAL_UP SPARK_UP CLUSTER_UP

for e in $EXECUTORS; do
  (( e <= CORES )) || say "warning: $e executors on $CORES cores: runs share cores, the rates are not comparable"
  t0="$(now)"
  url="$("$STANDALONE" start --workers "$e" --cores 1 --memory 2g)"
  CLUSTER_UP[$e]="$(elapsed "$t0" "$(now)")"
  for ((r = 1; r <= ROUNDS; r++)); do
    for kind in local spark; do
      dir="$OUT/$kind-e$e-r$r"
      t0="$(now)"
      if [[ $kind == local ]]; then
        "$ALRC" sweep "$OUT/spec.yaml" --out "$dir" --parallel "$e" --threads 1 >"$dir.out" 2>&1
      else
        "$ALRC" sweep "$OUT/spec.yaml" --out "$dir" --spark "$url" --spark-conf "spark.jars=$JOB_JAR" \
          --threads 1 >"$dir.out" 2>&1
      fi
      t="$(elapsed "$t0" "$(now)")"
      up="$(first_start "$dir" "${t0%.*}")"
      grep -q "$RUNS runs: $RUNS finished" "$dir.out" || { say "$dir: not every run finished; see $dir.out"; exit 1; }
      say "$kind, $e at a time, round $r: $RUNS runs in $t s (first run started after $up s)"
      if [[ $kind == local ]]; then
        LOCAL_T[$e]+=" $t"; LOCAL_UP[$e]+=" $up"
      else
        SPARK_T[$e]+=" $t"; SPARK_UP[$e]+=" $up"
      fi
    done
  done
  "$STANDALONE" stop 2>/dev/null
done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
flags="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx512_bf16|amx_bf16|avx512f|avx2)$' | tr '\n' ' ' | sed 's/ $//')"
echo
echo "Runs per hour, $RUNS runs of $STEPS steps (STEM completion, 32 px, width 0.25, batch 2, ALRC n = 2), one engine"
echo "thread per run; $cpu, $CORES cores (flags: ${flags:-none of avx2/avx512f/avx512_bf16/amx_bf16});"
echo "$(date -u +%Y-%m-%d), load average at the end $(cut -d' ' -f1-3 /proc/loadavg); medians of $ROUNDS round(s)."
echo "Command: alrc-spark/measure-cluster.sh --executors \"$EXECUTORS\" --runs $RUNS --steps $STEPS --rounds $ROUNDS"
echo
echo "| runs at a time | local sweep (--parallel E) runs/h | Spark standalone runs/h | Spark / local | start-up local / Spark (s) | Spark overhead per run (s) | cluster start (s) |"
echo "|---|---|---|---|---|---|---|"
for e in $EXECUTORS; do
  lt="$(echo "${LOCAL_T[$e]}" | median)"
  st="$(echo "${SPARK_T[$e]}" | median)"
  awk -v e="$e" -v k="$RUNS" -v lt="$lt" -v st="$st" -v lu="$(echo "${LOCAL_UP[$e]}" | median)" \
    -v su="$(echo "${SPARK_UP[$e]}" | median)" -v cu="${CLUSTER_UP[$e]}" 'BEGIN {
      printf "| %d | %.0f | %.0f | %.2f | %s / %s | %.1f | %s |\n", e, k / lt * 3600, k / st * 3600, lt / st, lu, su, (st - lt) * e / k, cu }'
done
