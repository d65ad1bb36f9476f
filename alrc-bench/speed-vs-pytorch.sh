#!/usr/bin/env bash
# The training engines of alrc train against PyTorch eager, side by side, alternating, same threads.
#
#   alrc-bench/speed-vs-pytorch.sh [--rounds 3] [--threads 2] [--steps1 30] [--steps16 8]
#                                  [--warmup1 500] [--warmup16 10] [--engines javacpp,djl]
#                                  [--precisions fp32] [--alrc on,off] [--channels-last]
#                                  [--train] [--train-steps1 400] [--train-steps16 30] [--no-build]
#
# Builds the CLI (offline, `mvn package`), then for each round runs, per batch size (1 and 16):
# `alrc bench` for each engine and precision (one JVM per engine: full training steps of the paper
# network exactly as alrc train runs them), shared/bench/torch_paper_net.py (PyTorch eager, fp32,
# NCHW) and, when bf16 is among --precisions, alrc-bench/torch_paper_net_bf16.py (PyTorch's fastest
# CPU recipe: torch.autocast("cpu", dtype=torch.bfloat16) with channels_last model and input), each
# with the --alrc settings (ALRC n = 3 on, and off).
# --precisions fp32,bf16 times the javacpp engine in both (bf16 is javacpp-only: djl runs fp32 only).
# --channels-last adds, ALRC on: alrc-bench/torch_paper_net_cl.py (PyTorch eager fp32 with
# channels_last weights and inputs, as the javacpp engine runs).
# --train adds, per round, batch size and precision, one end-to-end `alrc train` run of cifar10-sr
# (quartic loss, ALRC n = 3 cifar2019; --train-steps1/--train-steps16 steps; evaluation out of the
# way: one evaluation of 16 examples at the end; images/s = batch * steps / the run's wall time from
# summary.json, which starts after the data and the engine are loaded). It needs CIFAR-10 in
# shared/data (or $ALRC_DATA).
# Prints the CPU (model, bf16/AMX flags), the load average before and after, every raw line, then a
# table of medians over rounds and the Java/PyTorch ratios (fp32 against PyTorch eager fp32, bf16
# against PyTorch's bf16 autocast), the best round of each (the machine is shared: the best round is
# the least disturbed one), and the median of the per-round ratios (each round's Java and PyTorch
# runs are minutes apart at most); then bf16/fp32 speed-ups.
# Java warms up longer than the reference's 3 steps (--warmup1/--warmup16): the JVM's JIT compiles
# the per-step Java code while both cores are busy with libtorch; DJL's engine, with far more Java
# per step, reaches its steady batch-1 speed only after about 500 steps (measured: 22.5, 22.1,
# 24.7, 23.1, 25.6, 26.1 images/s over six consecutive 100-step segments). A training run spends
# all but its first seconds in the state measured here; the reference, interpreted Python, has no
# such phase.
# Environment: bin/native-env.sh (jemalloc if installed, else glibc tunables), for Java and Python.
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
precisions=fp32 alrc=on,off train=0 train1=400 train16=30
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps1) steps1="$2"; shift 2 ;;
    --steps16) steps16="$2"; shift 2 ;;
    --warmup1) warmup1="$2"; shift 2 ;;
    --warmup16) warmup16="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    --precisions) precisions="$2"; shift 2 ;;
    --alrc) alrc="$2"; shift 2 ;;
    --train) train=1; shift ;;
    --train-steps1) train1="$2"; shift 2 ;;
    --train-steps16) train16="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --channels-last) cl=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ ! -r "$torch_script" ]; then echo "PyTorch reference not found: $torch_script" >&2; exit 1; fi
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "PyTorch missing for /usr/bin/python3: apt-get install -y python3-torch" >&2; exit 1
fi
data="${ALRC_DATA:-$shared/data}"
if [ "$train" = 1 ] && [ ! -r "$data/cifar-10-batches-bin/data_batch_1.bin" ]; then
  echo "--train needs CIFAR-10 in $data (alrc data cifar10, or set ALRC_DATA)" >&2; exit 1
fi
if [ "$build" = 1 ]; then
  (cd "$repo" && mvn -B -o -q -pl alrc-cli -am package -DskipTests)
fi
# shellcheck source=../bin/native-env.sh
. "$repo/bin/native-env.sh"
alrc_native_env "$threads"
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "# cpu bf16/AMX flags: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx512_bf16|amx_bf16|amx_tile' | sort -u | tr '\n' ' ')"
echo "# allocator=$ALRC_ALLOCATOR_IN_USE LD_PRELOAD=${LD_PRELOAD:-} MALLOC_CONF=${MALLOC_CONF:-} threads=$threads engines=$engines precisions=$precisions alrc=$alrc"
echo "# java opts: $ALRC_JAVA_OPTS"
log="$(mktemp)"
runs="$(mktemp -d)"
trap 'rm -rf "$log" "$runs"' EXIT
modes=""
for a in ${alrc//,/ }; do modes="$modes $([ "$a" = on ] && echo alrc || echo none)"; done
for r in $(seq 1 "$rounds"); do
  for bs in 1 16; do
    steps=$([ "$bs" = 1 ] && echo "$steps1" || echo "$steps16")
    warmup=$([ "$bs" = 1 ] && echo "$warmup1" || echo "$warmup16")
    for engine in ${engines//,/ }; do
      p="$precisions"
      [ "$engine" = javacpp ] || p=fp32   # bf16 runs on the javacpp engine only
      "$repo/alrc" bench --engine "$engine" --batch "$bs" --steps "$steps" --warmup "$warmup" \
        --threads "$threads" --alrc "$alrc" --precision "$p" 2>/dev/null \
        | grep '^java' | sed "s/^java /java round=$r /" | tee -a "$log"
    done
    for mode in $modes; do
      /usr/bin/python3 "$torch_script" "$bs" "$steps" "$threads" "$mode" quartic 2>/dev/null \
        | sed "s/^/torch round=$r mode=$mode cl=off bf16=off /" | tee -a "$log"
      if [[ ",$precisions," == *,bf16,* ]]; then
        /usr/bin/python3 "$here/torch_paper_net_bf16.py" "$bs" "$steps" "$threads" "$mode" quartic 2>/dev/null \
          | sed "s/^torch /torch round=$r mode=$mode /" | tee -a "$log"
      fi
    done
    if [ "$cl" = 1 ]; then
      /usr/bin/python3 "$here/torch_paper_net_cl.py" "$bs" "$steps" "$threads" alrc quartic 2>/dev/null \
        | sed "s/^torch /torch round=$r mode=alrc bf16=off /" | tee -a "$log"
    fi
    if [ "$train" = 1 ]; then
      tsteps=$([ "$bs" = 1 ] && echo "$train1" || echo "$train16")
      for prec in ${precisions//,/ }; do
        out="$runs/r$r-b$bs-$prec"
        "$repo/alrc" train --task cifar10-sr --data "$data" --loss quartic --stabilizer alrc --n 3 \
          --profile cifar2019 --batch "$bs" --steps "$tsteps" --eval-every "$tsteps" --eval-examples 16 \
          --checkpoint-every "$tsteps" --threads "$threads" --precision "$prec" --seed "$r" \
          --out "$out" >/dev/null 2>&1 || { echo "alrc train failed: $out" >&2; continue; }
        /usr/bin/python3 - "$out/summary.json" "$bs" "$prec" "$r" "$tsteps" <<'PY' | tee -a "$log"
import json, sys
s = json.load(open(sys.argv[1])); bs = int(sys.argv[2])
print(f"train round={sys.argv[4]} bs={bs} precision={sys.argv[3]} steps={sys.argv[5]}"
      f" imgs/s={bs * s['steps_per_second']:.1f} wall_s={s['wall_seconds']:.1f}")
PY
      done
    fi
  done
done
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$log" <<'PY'
import statistics, sys
java, torch, jr, tr, train = {}, {}, {}, {}, {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    bs = int(f["bs"])
    if line.startswith("java"):
        key = (f["engine"], bs, f["alrc"] == "on", f.get("precision", "fp32"))
        java.setdefault(key, []).append(f)
        jr[key + (f["round"],)] = float(f["imgs/s"])
    elif line.startswith("torch"):
        # kind: eager (NCHW fp32), cl (channels-last fp32), bf16 (autocast, channels-last)
        kind = "bf16" if f.get("bf16") == "on" else ("cl" if f.get("cl") == "on" else "eager")
        key = (bs, f["alrc"] == "True", kind)
        torch.setdefault(key, []).append(float(f["imgs/s"]))
        tr[key + (f["round"],)] = float(f["imgs/s"])
    elif line.startswith("train"):
        train.setdefault((bs, f["precision"]), []).append(float(f["imgs/s"]))
med = lambda xs: statistics.median(xs) if xs else float("nan")
name = {"javacpp": "alrc train, javacpp engine (channels-last)", "djl": "alrc train, djl engine"}
ref = {"fp32": ("eager", "PyTorch eager fp32 (NCHW)"), "bf16": ("bf16", "PyTorch bf16 autocast, channels-last")}
print()
print("Ratios: Java images/s over PyTorch's with the same ALRC setting: fp32 Java against PyTorch eager")
print("fp32 (the reference script, NCHW), bf16 Java against PyTorch's bf16 autocast with channels_last;")
print("'per round' is the median of the ratios within each round.")
print()
print("| what | precision | batch | ALRC | Java images/s | PyTorch | PyTorch images/s | ratio of medians | median of per-round ratios | best rounds (ratio) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for bs in (1, 16):
    for engine in ("javacpp", "djl"):
        for prec in ("fp32", "bf16"):
            for alrc in (True, False):
                js = [float(f["imgs/s"]) for f in java.get((engine, bs, alrc, prec), [])]
                kind, label = ref[prec]
                ts = torch.get((bs, alrc, kind), [])
                if not js or not ts:
                    continue
                j, t = med(js), med(ts)
                rr = med([v / tr[(bs, alrc, kind, k[4])] for k, v in jr.items()
                          if k[:4] == (engine, bs, alrc, prec) and (bs, alrc, kind, k[4]) in tr])
                print(f"| {name[engine]} | {prec} | {bs} | {'on' if alrc else 'off'} | {j:.1f} | {label} | {t:.1f} | "
                      f"{j / t:.2f} | {rr:.2f} | {max(js):.1f} / {max(ts):.1f} ({max(js) / max(ts):.2f}) |")
    tcl = torch.get((bs, True, "cl"), [])
    if tcl:
        t = med(torch.get((bs, True, "eager"), []))
        print(f"| PyTorch eager, channels-last | fp32 | {bs} | on | - | PyTorch eager fp32 (NCHW) | {med(tcl):.1f} | "
              f"{med(tcl) / t:.2f} (over NCHW) | | |")
print()
for bs in (1, 16):
    for alrc in (True, False):
        j32, j16 = java.get(("javacpp", bs, alrc, "fp32"), []), java.get(("javacpp", bs, alrc, "bf16"), [])
        t32, t16 = torch.get((bs, alrc, "eager"), []), torch.get((bs, alrc, "bf16"), [])
        if j32 and j16:
            a = med([float(f["imgs/s"]) for f in j16]); b = med([float(f["imgs/s"]) for f in j32])
            line = f"batch {bs}, ALRC {'on' if alrc else 'off'}: bf16/fp32 speed-up javacpp {a / b:.2f}x"
            if t32 and t16:
                line += (f", PyTorch (bf16 autocast channels-last / eager fp32) {med(t16) / med(t32):.2f}x;"
                         f" javacpp bf16 over PyTorch eager fp32 {a / med(t32):.2f}x")
            print(line)
for bs in (1, 16):
    for engine in ("javacpp", "djl"):
        for prec in ("fp32", "bf16"):
            on = java.get((engine, bs, True, prec), []); off = java.get((engine, bs, False, prec), [])
            if on and off:
                ratio = med([float(f["imgs/s"]) for f in on]) / med([float(f["imgs/s"]) for f in off])
                hwm = max(float(f["vmhwm_mb"]) for f in on + off)
                print(f"batch {bs}, {engine} {prec}: throughput ALRC on/off {ratio:.3f}; peak RSS {hwm:.0f} MB;"
                      f" medians over {len(on)} rounds")
if train:
    print()
    print("| alrc train end to end (cifar10-sr, quartic, ALRC on) | precision | batch | images/s (median) | rounds | bench images/s (median, same setting) | train/bench |")
    print("|---|---|---|---|---|---|---|")
    for (bs, prec), xs in sorted(train.items()):
        js = [float(f["imgs/s"]) for f in java.get(("javacpp", bs, True, prec), [])]
        b = med(js)
        print(f"| javacpp | {prec} | {bs} | {med(xs):.1f} | {len(xs)} | {b:.1f} | {med(xs) / b:.2f} |")
PY
