#!/usr/bin/env bash
# cluster-check.sh: alrc sweeps on a real Spark standalone cluster on this machine (a master and two
# workers, each its own JVM; executors of one core), with faults, each compared file by file with a
# local sweep of the same spec (child JVMs, --parallel 1 --threads 1):
#
#   0. local-cluster[2,1,1024] from the ./alrc launcher (SPARK_HOME assembled from Maven Central)
#   1. client mode from the launcher (--spark spark://...), one worker killed (SIGKILL) mid-run
#   2. spark-submit of the job jar (--spark submit), one executor JVM killed (SIGKILL) mid-run
#   3. a run that fails on every attempt: failed.txt, the other runs finish, exit 1
#   4. the driver killed (SIGKILL) mid-sweep, the sweep resubmitted: finished runs skipped, the rest resumed
#
# Every training uses one engine thread. Prints a transcript and "cluster-check: N of N checks
# passed"; exits 1 if any check failed. 4-7 minutes on 2 shared cores (3 runs of 2,000 steps
# per check). Run by `mvn -B -Pspark-cluster -pl alrc-spark -am verify` (alrc-spark/pom.xml).
#
#   alrc-spark/cluster-check.sh [WORK_DIR]     # default alrc-spark/target/cluster-check (emptied first)
#
# Environment: ALRC_CHECK_STEPS (steps per run, default 2000); JAVA_HOME.
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/alrc-spark/target/cluster-check}"
STEPS="${ALRC_CHECK_STEPS:-2000}"
ALRC="$ROOT/alrc"
STANDALONE="$ROOT/bin/spark-standalone.sh"
# a cluster of its own, beside any the user runs
export ALRC_SPARK_STATE="$WORK/cluster"
export SPARK_LOCAL_IP=127.0.0.1

RUNS=("n=off,seed=1" "n=2,seed=1" "n=3,seed=1")
PASSED=0
FAILED=0
CHECKS=()

say() { echo "[$(date +%T)] $*"; }
# (checks run as `check || ...`, where bash ignores set -e: failures are counted in BAD)
BAD=0
fail() {
  say "FAIL: $*"
  BAD=1
  return 1
}

rm -rf "$WORK"
mkdir -p "$WORK"
cat >"$WORK/spec.yaml" <<EOF
task: stem-completion
fixed: {steps: $STEPS, width: 0.25, image_size: 32, batch: 2, eval_every: $((STEPS / 4)), eval_examples: 8,
        checkpoint_every: 100, spike_probability: 0.02}
grid:
  n: [off, 2, 3]
seeds: [1]
EOF
cat >"$WORK/failing.yaml" <<EOF
fixed: {steps: 300, width: 0.25, image_size: 32, batch: 2, eval_every: 150, eval_examples: 8, checkpoint_every: 100}
variants:
  - {name: good, task: stem-completion}
  - {name: bad, task: cifar10-sr, data: $WORK/no-such-data}
EOF

rows() { # rows of a run's metrics.csv
  if [[ -f $1/metrics.csv ]]; then echo $(($(wc -l <"$1/metrics.csv") - 1)); else echo 0; fi
}

# waits until run directory $1 has a checkpoint and at least $2 rows of metrics (and has not finished)
wait_mid() {
  local dir="$1" min="$2" driver="$3" i
  for ((i = 0; i < 3000; i++)); do
    if [[ -f $dir/summary.json ]]; then fail "$dir finished before it could be interrupted"; return 1; fi
    if [[ -d $dir/checkpoint && $(rows "$dir") -ge $min ]]; then return 0; fi
    kill -0 "$driver" 2>/dev/null || { fail "the driver ended before $dir got to step $min"; return 1; }
    sleep 0.1
  done
  fail "$dir did not get to step $min in 300 s"
}

# waits until every run directory named in $2.. of sweep $1 holds summary.json
wait_finished() {
  local out="$1" driver="$2" i r done
  shift 2
  for ((i = 0; i < 3000; i++)); do
    done=1
    for r in "$@"; do [[ -f $out/$r/summary.json ]] || done=0; done
    [[ $done == 1 ]] && return 0
    kill -0 "$driver" 2>/dev/null || { fail "the driver ended first"; return 1; }
    sleep 0.1
  done
  fail "runs $* did not finish in 300 s"
}

attempt_pid() { # the executor pid in the last attempt line of a run's log
  grep '^== alrc sweep' "$1/log.txt" | tail -1 | sed -n 's/.*(pid \([0-9]*\)).*/\1/p'
}

attempts() { # the attempt lines of every run, shortened
  local out="$1" r
  for r in "${RUNS[@]}"; do
    [[ -f $out/$r/log.txt ]] || continue
    grep -E '^== alrc sweep|resuming ' "$out/$r/log.txt" | sed -E "s#: (start|resume): .*#: \1#; s#$out/##g; s#^#  $r: #"
  done
}

# compares metrics.csv and eval.csv of every run with the reference sweep's, byte for byte
compare() {
  local out="$1" r f bad=0
  for r in "${RUNS[@]}"; do
    for f in metrics.csv eval.csv; do
      if cmp -s "$WORK/reference/$r/$f" "$out/$r/$f"; then
        echo "  $r/$f: identical to the local sweep's ($(md5sum <"$out/$r/$f" | cut -c1-12), $(wc -l <"$out/$r/$f") lines)"
      else
        echo "  $r/$f: DIFFERS from the local sweep's"
        bad=1
      fi
    done
  done
  [[ $bad == 0 ]] || fail "files differ from the local sweep's"
}

sweep_tail() { # the driver's summary lines
  grep -E '^sweep |^  failed:|FAILED|^\[[0-9]+/[0-9]+\] (done|start)' "$1" | sed 's/^/  | /'
}

run_check() { # run_check NAME FUNCTION
  BAD=0
  "$2" || BAD=1
  if [[ $BAD == 0 ]]; then
    PASSED=$((PASSED + 1))
    CHECKS+=("PASS $1")
    say "check passed: $1"
  else
    FAILED=$((FAILED + 1))
    CHECKS+=("FAIL $1")
    say "check FAILED: $1"
  fi
}

restart_cluster() {
  "$STANDALONE" stop 2>/dev/null || true
  URL="$("$STANDALONE" start --workers 2 --cores 1 --memory 2g)"
}

cleanup() {
  "$STANDALONE" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "building what is missing (CLI, alrc-spark, job jar, SPARK_HOME)"
"$ALRC" --version >/dev/null
JOB_JAR="$("$STANDALONE" job-jar)"
SPARK_HOME_DIR="$("$STANDALONE" home)"
say "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
say "Spark: $(head -1 "$SPARK_HOME_DIR/RELEASE"); job jar $(du -h "$JOB_JAR" | cut -f1)"

say "reference: ./alrc sweep spec.yaml --out reference --parallel 1 --threads 1"
"$ALRC" sweep "$WORK/spec.yaml" --out "$WORK/reference" --parallel 1 --threads 1 >"$WORK/reference.out" 2>&1
sweep_tail "$WORK/reference.out"

# --- 0 ---------------------------------------------------------------------------------------------
check_local_cluster() {
  say "check 0: ./alrc sweep spec.yaml --out local-cluster --spark 'local-cluster[2,1,1024]' --threads 1"
  local code=0
  "$ALRC" sweep "$WORK/spec.yaml" --out "$WORK/local-cluster" --spark 'local-cluster[2,1,1024]' --threads 1 \
    >"$WORK/local-cluster.out" 2>&1 || code=$?
  sweep_tail "$WORK/local-cluster.out"
  say "exit code $code"
  [[ $code == 0 ]] || fail "exit code $code"
  attempts "$WORK/local-cluster"
  compare "$WORK/local-cluster"
}
run_check "0 local-cluster[2,1,1024] from the launcher" check_local_cluster

# --- 1 ---------------------------------------------------------------------------------------------
check_kill_worker() {
  restart_cluster
  local out="$WORK/kill-worker" victim="${RUNS[0]}" code=0
  say "check 1: ./alrc sweep spec.yaml --out kill-worker --spark $URL --spark-conf spark.jars=$(basename "$JOB_JAR") --threads 1"
  "$ALRC" sweep "$WORK/spec.yaml" --out "$out" --spark "$URL" --spark-conf "spark.jars=$JOB_JAR" --threads 1 \
    >"$out.out" 2>&1 &
  local driver=$!
  wait_mid "$out/$victim" 400 "$driver" || { kill -9 "$driver"; return 1; }
  local epid wpid k name=""
  epid="$(attempt_pid "$out/$victim")"
  wpid="$(ps -o ppid= -p "$epid" | tr -d ' ')"
  for k in "$ALRC_SPARK_STATE"/worker-*.pid; do [[ $(cat "$k") == "$wpid" ]] && name="$(basename "$k" .pid)"; done
  [[ -n $name ]] || { fail "executor pid $epid has no worker parent ($wpid)"; kill -9 "$driver"; return 1; }
  say "kill -9 $wpid: $name, whose executor (pid $epid) trains $victim, at step $(rows "$out/$victim") of $STEPS"
  kill -9 "$wpid"
  wait "$driver" || code=$?
  sweep_tail "$out.out"
  say "exit code $code"
  [[ $code == 0 ]] || fail "exit code $code"
  "$STANDALONE" status | sed 's/^/  status: /'
  attempts "$out"
  [[ $(grep -c '^== alrc sweep' "$out/$victim/log.txt") == 2 ]] || fail "$victim: not exactly 2 attempts"
  grep '^== alrc sweep' "$out/$victim/log.txt" | tail -1 | grep -q ': resume: ' || fail "$victim: the retry did not resume"
  ! grep '^== alrc sweep' "$out/$victim/log.txt" | tail -1 | grep -q "(pid $epid)" || fail "$victim: retried in the killed JVM?"
  compare "$out"
}
run_check "1 client mode, a worker killed mid-run" check_kill_worker

# --- 2 ---------------------------------------------------------------------------------------------
check_kill_executor() {
  restart_cluster
  local out="$WORK/kill-executor" victim="${RUNS[1]}" code=0
  say "check 2: bin/spark-standalone.sh submit --master $URL --class io.alrc.cli.AlrcCommand --conf spark.executor.cores=1 --conf spark.task.cpus=1 --conf spark.executor.memory=1g --conf spark.log.level=WARN $(basename "$JOB_JAR") sweep spec.yaml --out kill-executor --threads 1 --spark submit"
  "$STANDALONE" submit --master "$URL" --class io.alrc.cli.AlrcCommand \
    --conf spark.executor.cores=1 --conf spark.task.cpus=1 --conf spark.executor.memory=1g \
    --conf spark.log.level=WARN \
    "$JOB_JAR" sweep "$WORK/spec.yaml" --out "$out" --threads 1 --spark submit >"$out.out" 2>&1 &
  local driver=$!
  wait_mid "$out/$victim" 400 "$driver" || { kill -9 "$driver"; return 1; }
  local epid
  epid="$(attempt_pid "$out/$victim")"
  say "kill -9 $epid: the executor JVM that trains $victim, at step $(rows "$out/$victim") of $STEPS"
  kill -9 "$epid"
  wait "$driver" || code=$?
  sweep_tail "$out.out"
  say "exit code $code"
  [[ $code == 0 ]] || fail "exit code $code"
  attempts "$out"
  [[ $(grep -c '^== alrc sweep' "$out/$victim/log.txt") == 2 ]] || fail "$victim: not exactly 2 attempts"
  grep '^== alrc sweep' "$out/$victim/log.txt" | tail -1 | grep -q ': resume: ' || fail "$victim: the retry did not resume"
  compare "$out"
}
run_check "2 spark-submit of the job jar, an executor killed mid-run" check_kill_executor

# --- 3 ---------------------------------------------------------------------------------------------
check_failing_run() {
  restart_cluster
  local out="$WORK/failing" code=0
  say "check 3: ./alrc sweep failing.yaml --out failing --spark $URL --spark-conf spark.jars=... --spark-conf spark.task.maxFailures=3 --threads 1"
  "$ALRC" sweep "$WORK/failing.yaml" --out "$out" --spark "$URL" --spark-conf "spark.jars=$JOB_JAR" \
    --spark-conf spark.task.maxFailures=3 --threads 1 >"$out.out" 2>&1 || code=$?
  sweep_tail "$out.out"
  say "exit code $code (1: some runs failed)"
  [[ $code == 1 ]] || fail "exit code $code, not 1"
  [[ -f $out/good,seed=0/summary.json ]] || fail "the good run did not finish"
  echo "  good,seed=0: $(grep -c '^== alrc sweep' "$out/good,seed=0/log.txt") attempt, summary.json written"
  echo "  bad,seed=0: $(grep -c '^== alrc sweep' "$out/bad,seed=0/log.txt") attempts; failed.txt:"
  sed -n '1,3p' "$out/bad,seed=0/failed.txt" | cut -c1-240 | sed 's/^/    /'
  [[ $(grep -c '^== alrc sweep' "$out/bad,seed=0/log.txt") == 3 ]] || fail "bad run: not 3 attempts"
  grep -q '(3 attempts)' "$out/bad,seed=0/failed.txt" || fail "failed.txt does not say 3 attempts"
}
run_check "3 a run failing every attempt ends in failed.txt" check_failing_run

# --- 4 ---------------------------------------------------------------------------------------------
check_driver_killed() {
  restart_cluster
  local out="$WORK/driver-killed" victim="${RUNS[2]}" code=0
  local cmd=("$ALRC" sweep "$WORK/spec.yaml" --out "$out" --spark "$URL" --spark-conf "spark.jars=$JOB_JAR" --threads 1)
  say "check 4: ./alrc sweep spec.yaml --out driver-killed --spark $URL --spark-conf spark.jars=... --threads 1, killed, then the same again"
  "${cmd[@]}" >"$out.1.out" 2>&1 &
  local driver=$!
  wait_finished "$out" "$driver" "${RUNS[0]}" "${RUNS[1]}" || { kill -9 "$driver"; return 1; }
  wait_mid "$out/$victim" 400 "$driver" || { kill -9 "$driver"; return 1; }
  say "kill -9 $driver: the driver, with ${RUNS[0]} and ${RUNS[1]} finished and $victim at step $(rows "$out/$victim") of $STEPS"
  kill -9 "$driver"
  wait "$driver" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do
    [[ -z $("$STANDALONE" executors) ]] && break
    sleep 0.1
  done
  say "executors left after the driver died: $("$STANDALONE" executors | wc -l) (after $((i / 10)) s)"
  say "resubmitted: the same command"
  "${cmd[@]}" >"$out.2.out" 2>&1 || code=$?
  sweep_tail "$out.2.out"
  say "exit code $code"
  [[ $code == 0 ]] || fail "exit code $code"
  grep -q '3 runs: 1 finished, 2 skipped (finished before), 0 failed' "$out.2.out" || fail "not 1 finished and 2 skipped"
  attempts "$out"
  grep '^== alrc sweep' "$out/$victim/log.txt" | tail -1 | grep -q ': resume: ' || fail "$victim: not resumed"
  compare "$out"
}
run_check "4 the driver killed, the sweep resubmitted" check_driver_killed

echo
for c in "${CHECKS[@]}"; do echo "  $c"; done
echo "cluster-check: $PASSED of $((PASSED + FAILED)) checks passed (transcripts and run directories in $WORK)"
[[ $FAILED == 0 ]]
