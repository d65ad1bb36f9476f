# shellcheck shell=bash
# Native environment for ALRC's DJL/PyTorch training runs. Source it, then call the function:
#
#   . "$REPO/bin/native-env.sh"
#   alrc_native_env [THREADS]     # exports LD_PRELOAD/MALLOC_* and ALRC_JAVA_OPTS
#   java $ALRC_JAVA_OPTS -cp ... MainClass
#
# Why (measured, see docs/performance.md): every DJL op returns a new native tensor; with glibc's
# malloc the large short-lived buffers are mmapped and page-faulted afresh each time, which makes a
# training step 2.5-3x slower. jemalloc keeps freed pages for reuse (its default 10 s decay is far
# longer than a training step, so buffers are reused warm, and memory a run no longer needs still
# goes back to the OS: with decay off, fragmentation made RSS creep up by ~0.1 MB a step). Without
# jemalloc, glibc tunables that keep large blocks on the heap recover most of it.
#
# Variables honoured: ALRC_SHARED_CPU=1 (OMP_WAIT_POLICY=PASSIVE), ALRC_ALLOCATOR=jemalloc|glibc|system (default: jemalloc when installed,
# else glibc tunables; "system" leaves the allocator alone), ALRC_JEMALLOC=/path/libjemalloc.so.2.

alrc_native_env() {
  local threads="${1:-${ALRC_THREADS:-$(nproc 2>/dev/null || echo 2)}}"
  local jemalloc="${ALRC_JEMALLOC:-}"
  if [ -z "$jemalloc" ]; then
    for c in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2 \
             /usr/lib64/libjemalloc.so.2 /usr/lib/libjemalloc.so.2 /usr/local/lib/libjemalloc.so.2; do
      if [ -r "$c" ]; then jemalloc="$c"; break; fi
    done
  fi
  local mode="${ALRC_ALLOCATOR:-}"
  if [ -z "$mode" ]; then
    if [ -n "$jemalloc" ]; then mode=jemalloc; else mode=glibc; fi
  fi
  case "$mode" in
    jemalloc)
      if [ -z "$jemalloc" ] || [ ! -r "$jemalloc" ]; then
        echo "alrc_native_env: jemalloc not found (apt-get install libjemalloc2); using glibc tunables" >&2
        mode=glibc
      else
        case ":${LD_PRELOAD:-}:" in
          *":$jemalloc:"*) ;;
          *) export LD_PRELOAD="$jemalloc${LD_PRELOAD:+:$LD_PRELOAD}" ;;
        esac
        # freed pages stay for reuse for 10 s (many steps), then go back to the OS; oversize_threshold:0
        # keeps blocks of 8 MiB and more (float32 activations at batch 16, oneDNN scratchpads) in the
        # ordinary arenas under that decay: jemalloc's default puts them in an arena that returns
        # them at once, and each step page-faulted ~40 MB afresh (docs/performance.md, bf16)
        export MALLOC_CONF="${MALLOC_CONF:-dirty_decay_ms:10000,muzzy_decay_ms:0,oversize_threshold:0}"
      fi
      ;;
  esac
  if [ "$mode" = glibc ]; then
    # large blocks stay on the heap instead of being mmapped/munmapped per tensor
    export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1000000000}"
    export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1000000000}"
    export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-268435456}"
  fi
  export ALRC_ALLOCATOR_IN_USE="$mode"
  # intra-op threads for libtorch; one inter-op thread (DJL's default is one per core for both)
  export ALRC_JAVA_OPTS="-Dai.djl.pytorch.num_threads=$threads -Dai.djl.pytorch.num_interop_threads=1${ALRC_EXTRA_JAVA_OPTS:+ $ALRC_EXTRA_JAVA_OPTS}"
  export OMP_NUM_THREADS="$threads"
  # libgomp spin-waits by default: fastest on dedicated cores, a collapse (10x and worse) when the
  # machine is oversubscribed. ALRC_SHARED_CPU=1 makes idle OpenMP threads sleep instead.
  if [ "${ALRC_SHARED_CPU:-0}" = 1 ]; then
    export OMP_WAIT_POLICY=PASSIVE
  fi
}
