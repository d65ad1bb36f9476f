#!/usr/bin/env bash
# Java (DJL) training step against PyTorch eager, side by side, alternating, same thread count.
#
#   alrc-bench/speed-vs-pytorch.sh [--rounds 3] [--threads 2] [--steps1 30] [--steps16 8]
#                                  [--opt adam|sgd] [--no-build]
#
# Builds alrc-bench (offline), then for each round runs, per batch size (1 and 16): the Java
# benchmark (ALRC on and off, one JVM) and shared/bench/torch_paper_net.py (ALRC on, then off).
# Prints every raw line, then a table of medians over rounds and the Java/PyTorch ratios, and the
# best round of each (the machine is shared: the best round is the least disturbed one).
# Environment: bin/native-env.sh (jemalloc if installed, else glibc tunables; DJL thread props).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# ../shared next to the repository root; from a git worktree, next to the main checkout
shared="$(cd "$repo/../shared" 2>/dev/null && pwd || true)"
if [ -z "$shared" ]; then
  common="$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
  [ -n "$common" ] && shared="$(cd "$common/../../shared" 2>/dev/null && pwd || true)"
fi
torch_script="${ALRC_TORCH_SCRIPT:-$shared/bench/torch_paper_net.py}"
rounds=3 threads=2 steps1=30 steps16=8 opt=adam build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps1) steps1="$2"; shift 2 ;;
    --steps16) steps16="$2"; shift 2 ;;
    --opt) opt="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ ! -r "$torch_script" ]; then echo "PyTorch reference not found: $torch_script" >&2; exit 1; fi
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "PyTorch missing for /usr/bin/python3: apt-get install -y python3-torch" >&2; exit 1
fi
if [ "$build" = 1 ]; then
  (cd "$repo" && mvn -B -o -q -pl alrc-bench -am package -DskipTests)
fi
jar="$repo/alrc-bench/target/benchmarks.jar"
# shellcheck source=../bin/native-env.sh
. "$repo/bin/native-env.sh"
alrc_native_env "$threads"
echo "# allocator=$ALRC_ALLOCATOR_IN_USE LD_PRELOAD=${LD_PRELOAD:-} MALLOC_CONF=${MALLOC_CONF:-} threads=$threads opt=$opt"
echo "# java opts: $ALRC_JAVA_OPTS"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for r in $(seq 1 "$rounds"); do
  for bs in 1 16; do
    steps=$([ "$bs" = 1 ] && echo "$steps1" || echo "$steps16")
    # shellcheck disable=SC2086
    java $ALRC_JAVA_OPTS -cp "$jar" io.alrc.bench.TrainStepBenchmark \
      --batch "$bs" --steps "$steps" --warmup 3 --alrc on,off --opt "$opt" 2>/dev/null \
      | grep '^java' | tee -a "$log"
    for mode in alrc none; do
      /usr/bin/python3 "$torch_script" "$bs" "$steps" "$threads" "$mode" quartic 2>/dev/null \
        | sed "s/^/torch mode=$mode /" | tee -a "$log"
    done
  done
done
python3 - "$log" <<'PY'
import re, statistics, sys
java, torch = {}, {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    if line.startswith("java"):
        key = (int(f["bs"]), f["alrc"] == "on")
        java.setdefault(key, []).append(f)
    elif line.startswith("torch"):
        key = (int(f["bs"]), f["alrc"] == "True")
        torch.setdefault(key, []).append(float(f["imgs/s"]))
med = lambda xs: statistics.median(xs) if xs else float("nan")
print()
print("| what | batch | Java images/s | PyTorch images/s | ratio | best-of-rounds Java / PyTorch (ratio) |")
print("|---|---|---|---|---|---|")
for bs in (1, 16):
    for alrc in (True, False):
        js = [float(f["imgs/s"]) for f in java.get((bs, alrc), [])]
        ts = torch.get((bs, alrc), [])
        if not js or not ts:
            continue
        j, t = med(js), med(ts)
        what = "training step, ALRC on" if alrc else "training step, ALRC off"
        print(f"| {what} | {bs} | {j:.1f} | {t:.1f} | {j / t:.2f} | "
              f"{max(js):.1f} / {max(ts):.1f} ({max(js) / max(ts):.2f}) |")
print()
for bs in (1, 16):
    on = java.get((bs, True), []); off = java.get((bs, False), [])
    if on and off:
        pct = med([float(f["alrc_pct"]) for f in on])
        ratio = med([float(f["imgs/s"]) for f in on]) / med([float(f["imgs/s"]) for f in off])
        hwm = max(float(f["vmhwm_mb"]) for f in on + off)
        print(f"batch {bs}: ALRC work {pct:.2f}% of a step (timed directly); throughput ALRC on/off "
              f"{ratio:.3f}; Java peak RSS {hwm:.0f} MB; medians over {len(on)} rounds")
PY
