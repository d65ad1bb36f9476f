#!/usr/bin/env bash
# The training engines of alrc train against PyTorch eager, side by side, alternating, same threads.
#
#   alrc-bench/speed-vs-pytorch.sh [--rounds 3] [--threads 2] [--steps1 30] [--steps16 8]
#                                  [--warmup1 500] [--warmup16 10] [--engines javacpp,djl]
#                                  [--channels-last] [--no-build]
#
# Builds the CLI (offline), then for each round runs, per batch size (1 and 16): `alrc bench` for
# each engine (ALRC on and off, one JVM per engine: full training steps of the paper network exactly
# as alrc train runs them) and shared/bench/torch_paper_net.py (ALRC on, then off).
# --channels-last adds, ALRC on: alrc-bench/torch_paper_net_cl.py (PyTorch eager with channels_last
# weights and inputs, as the javacpp engine runs).
# Prints every raw line, then a table of medians over rounds and the Java/PyTorch ratios, the best
# round of each (the machine is shared: the best round is the least disturbed one), and the median
# of the per-round ratios (each round's Java and PyTorch runs are minutes apart at most).
# Java warms up longer than the reference's 3 steps (--warmup1/--warmup16): the JVM's JIT compiles
# the per-step Java code while both cores are busy with libtorch; DJL's engine, with far more Java
# per step, reaches its steady batch-1 speed only after about 500 steps (measured: 22.5, 22.1,
# 24.7, 23.1, 25.6, 26.1 images/s over six consecutive 100-step segments). A training run spends
# all but its first seconds in the state measured here; the reference, interpreted Python, has no
# such phase.
# Environment: bin/native-env.sh through ./alrc (jemalloc if installed, else glibc tunables).
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
rounds=3 threads=2 steps1=30 steps16=8 warmup1=500 warmup16=10 engines=javacpp,djl build=1 cl=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps1) steps1="$2"; shift 2 ;;
    --steps16) steps16="$2"; shift 2 ;;
    --warmup1) warmup1="$2"; shift 2 ;;
    --warmup16) warmup16="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --channels-last) cl=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ ! -r "$torch_script" ]; then echo "PyTorch reference not found: $torch_script" >&2; exit 1; fi
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "PyTorch missing for /usr/bin/python3: apt-get install -y python3-torch" >&2; exit 1
fi
if [ "$build" = 1 ]; then
  (cd "$repo" && mvn -B -o -q -pl alrc-cli -am install -DskipTests)
fi
# shellcheck source=../bin/native-env.sh
. "$repo/bin/native-env.sh"
alrc_native_env "$threads"
echo "# allocator=$ALRC_ALLOCATOR_IN_USE LD_PRELOAD=${LD_PRELOAD:-} MALLOC_CONF=${MALLOC_CONF:-} threads=$threads engines=$engines"
echo "# java opts: $ALRC_JAVA_OPTS"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for r in $(seq 1 "$rounds"); do
  for bs in 1 16; do
    steps=$([ "$bs" = 1 ] && echo "$steps1" || echo "$steps16")
    warmup=$([ "$bs" = 1 ] && echo "$warmup1" || echo "$warmup16")
    for engine in ${engines//,/ }; do
      "$repo/alrc" bench --engine "$engine" --batch "$bs" --steps "$steps" --warmup "$warmup" \
        --threads "$threads" --alrc on,off 2>/dev/null \
        | grep '^java' | sed "s/^java /java round=$r /" | tee -a "$log"
    done
    for mode in alrc none; do
      /usr/bin/python3 "$torch_script" "$bs" "$steps" "$threads" "$mode" quartic 2>/dev/null \
        | sed "s/^/torch round=$r mode=$mode cl=off /" | tee -a "$log"
    done
    if [ "$cl" = 1 ]; then
      /usr/bin/python3 "$here/torch_paper_net_cl.py" "$bs" "$steps" "$threads" alrc quartic 2>/dev/null \
        | sed "s/^torch /torch round=$r mode=alrc /" | tee -a "$log"
    fi
  done
done
python3 - "$log" <<'PY'
import statistics, sys
java, torch, jr, tr = {}, {}, {}, {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    bs, cl = int(f["bs"]), f.get("cl", "off") == "on"
    if line.startswith("java"):
        key = (f["engine"], bs, f["alrc"] == "on", False)
        java.setdefault(key, []).append(f)
        jr[key + (f["round"],)] = float(f["imgs/s"])
    elif line.startswith("torch"):
        key = (bs, f["alrc"] == "True", cl)
        torch.setdefault(key, []).append(float(f["imgs/s"]))
        tr[key + (f["round"],)] = float(f["imgs/s"])
med = lambda xs: statistics.median(xs) if xs else float("nan")
name = {("javacpp", False): "alrc train, javacpp engine (channels-last)",
        ("djl", False): "alrc train, djl engine"}
print()
print("Ratios: Java images/s over PyTorch eager's (the reference script, NCHW) with the same ALRC")
print("setting; 'per round' is the median of the ratios within each round.")
print()
print("| what | batch | ALRC | Java images/s | PyTorch images/s | ratio of medians | median of per-round ratios | best rounds (ratio) |")
print("|---|---|---|---|---|---|---|---|")
for bs in (1, 16):
    for (engine, cl) in (("javacpp", False), ("djl", False)):
        for alrc in (True, False):
            js = [float(f["imgs/s"]) for f in java.get((engine, bs, alrc, cl), [])]
            ts = torch.get((bs, alrc, False), [])
            if not js or not ts:
                continue
            j, t = med(js), med(ts)
            rr = med([v / tr[(bs, alrc, False, k[4])] for k, v in jr.items()
                      if k[:4] == (engine, bs, alrc, cl) and (bs, alrc, False, k[4]) in tr])
            print(f"| {name[(engine, cl)]} | {bs} | {'on' if alrc else 'off'} | {j:.1f} | {t:.1f} | "
                  f"{j / t:.2f} | {rr:.2f} | {max(js):.1f} / {max(ts):.1f} ({max(js) / max(ts):.2f}) |")
    tcl = torch.get((bs, True, True), [])
    if tcl:
        t = med(torch.get((bs, True, False), []))
        print(f"| PyTorch eager, channels-last | {bs} | on | - | {med(tcl):.1f} | "
              f"{med(tcl) / t:.2f} (over NCHW) | | |")
print()
for bs in (1, 16):
    for engine in ("javacpp", "djl"):
        on = java.get((engine, bs, True, False), []); off = java.get((engine, bs, False, False), [])
        if on and off:
            ratio = med([float(f["imgs/s"]) for f in on]) / med([float(f["imgs/s"]) for f in off])
            hwm = max(float(f["vmhwm_mb"]) for f in on + off)
            print(f"batch {bs}, {engine}: throughput ALRC on/off {ratio:.3f}; peak RSS {hwm:.0f} MB;"
                  f" medians over {len(on)} rounds")
PY
