#!/usr/bin/env bash
# spark-standalone.sh: a Spark standalone cluster on this machine (a master and N workers, each its own
# JVM, bound to 127.0.0.1) from the project's own files, for `alrc sweep --spark spark://...` and
# spark-submit of the job jar; see docs/cluster.md.
#
#   bin/spark-standalone.sh start [--workers N] [--cores C] [--memory MEM] [--port P]
#   bin/spark-standalone.sh status | url | executors | stop
#   bin/spark-standalone.sh home       # the SPARK_HOME layout only (also what local-cluster[N,C,MB] needs)
#   bin/spark-standalone.sh job-jar    # alrc-spark/target/alrc-spark-job.jar, built when missing or stale
#   bin/spark-standalone.sh submit SPARK-SUBMIT-ARGS...   # spark-submit: java ... org.apache.spark.deploy.SparkSubmit
#
# The Spark jars come from Maven Central: alrc-spark/spark-home/pom.xml resolves spark-core (the
# version of the root pom.xml) into alrc-spark/target/spark-home/jars, beside conf/ and RELEASE: the
# layout of a Spark distribution that Spark's launcher code (used by a worker to start executors)
# needs. An existing distribution in $SPARK_HOME is used instead when it has a jars/ folder.
#
# start: picks free ports (the master's port and every web UI port are chosen by the OS unless
# --port is given), waits until every worker has registered, and prints the master URL. Each
# worker offers C cores (default 1) and MEM memory (default 2g) to executors; with one core per
# worker each executor trains one run at a time. Workers get the native environment of the alrc
# launcher (jemalloc, see bin/native-env.sh), which their executors inherit.
#
# State (pid files, logs, worker work dirs with the executors' stdout/stderr): $ALRC_SPARK_STATE,
# default alrc-spark/target/spark-standalone.
#
# Environment: JAVA_HOME; SPARK_HOME (an existing distribution); ALRC_SPARK_STATE;
# ALRC_SPARK_DAEMON_MEMORY (heap of the master and worker JVMs, default 512m);
# ALRC_SPARK_DRIVER_MEMORY (heap of the spark-submit driver, default 1g); ALRC_MVN_OPTS.
set -euo pipefail

die() {
  echo "spark-standalone: $*" >&2
  exit 1
}

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${ALRC_SPARK_STATE:-$ROOT/alrc-spark/target/spark-standalone}"
OWN_HOME="$ROOT/alrc-spark/target/spark-home"
JOB_JAR="$ROOT/alrc-spark/target/alrc-spark-job.jar"
DAEMON_MEMORY="${ALRC_SPARK_DAEMON_MEMORY:-512m}"

if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
  JAVA="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
  JAVA="$(command -v java)"
else
  die "java not found: install a JDK 17 or newer, or set JAVA_HOME"
fi

# The JVM options Spark's own launcher gives its daemons on Java 17+ (module access for Spark's
# reflection into the JDK; org.apache.spark.launcher.JavaModuleOptions).
MODULE_OPTS=(-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true)

pom_property() {
  sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$ROOT/pom.xml" | head -1
}

# The SPARK_HOME to use: $SPARK_HOME if it holds a distribution, else ours, assembled when missing or
# older than its pom or the root pom (the Spark version).
spark_home() {
  if [[ -n ${SPARK_HOME:-} ]]; then
    [[ -d $SPARK_HOME/jars ]] || die "SPARK_HOME=$SPARK_HOME has no jars/ folder (unset SPARK_HOME to assemble one from Maven Central)"
    echo "$SPARK_HOME"
    return
  fi
  local release="$OWN_HOME/RELEASE"
  if [[ ! -f $release || $ROOT/pom.xml -nt $release || $ROOT/alrc-spark/spark-home/pom.xml -nt $release ]]; then
    command -v mvn >/dev/null 2>&1 || die "mvn (Apache Maven) not found on the PATH: it fetches Spark's jars"
    local version scala mvn_opts=()
    version="$(pom_property spark.version)"
    scala="$(pom_property scala.binary.version)"
    [[ -n $version && -n $scala ]] || die "no spark.version / scala.binary.version in $ROOT/pom.xml"
    echo "spark-standalone: assembling SPARK_HOME for Spark $version (Scala $scala) in $OWN_HOME ..." >&2
    read -r -a mvn_opts <<<"${ALRC_MVN_OPTS:-}"
    rm -rf "$OWN_HOME/jars"
    mvn -B -q "${mvn_opts[@]}" -f "$ROOT/alrc-spark/spark-home/pom.xml" package \
      -Dspark.version="$version" -Dscala.binary.version="$scala" -Dspark.home="$OWN_HOME" >&2 \
      || die "fetching Spark's jars failed; see the Maven output above"
    mkdir -p "$OWN_HOME/conf"
    printf 'Spark %s built for Scala %s: spark-core and its run-time dependencies from Maven Central\n(alrc-spark/spark-home/pom.xml, assembled by bin/spark-standalone.sh)\n' \
      "$version" "$scala" >"$release.tmp"
    mv "$release.tmp" "$release"
  fi
  echo "$OWN_HOME"
}

scala_version() {
  local jar
  jar="$(ls "$1"/jars/spark-core_*.jar 2>/dev/null | head -1)"
  [[ -n $jar ]] || die "$1/jars holds no spark-core jar"
  jar="${jar##*/spark-core_}"
  echo "${jar%%-*}"
}

alive() {
  [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# waits up to $3 seconds for the regular expression $2 in the file $1; prints the first match
await_line() {
  local file="$1" pattern="$2" seconds="$3" pidfile="$4" i
  for ((i = 0; i < seconds * 5; i++)); do
    if [[ -f $file ]] && grep -m1 -oE "$pattern" "$file"; then
      return 0
    fi
    alive "$pidfile" || return 1
    sleep 0.2
  done
  return 1
}

# starts "$@" as a daemon in its own session: pid in $1, output in $2
daemon() {
  local pidfile="$1" log="$2"
  shift 2
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >"$log" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "could not start $*"
}

master_url() {
  [[ -f $STATE/master.url ]] && alive "$STATE/master.pid" && cat "$STATE/master.url"
}

cmd_start() {
  local workers=2 cores=1 memory=2g port=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --workers) workers="$2"; shift 2 ;;
      --cores) cores="$2"; shift 2 ;;
      --memory) memory="$2"; shift 2 ;;
      --port) port="$2"; shift 2 ;;
      *) die "start: unknown option $1 (--workers N, --cores C, --memory MEM, --port P)" ;;
    esac
  done
  [[ $workers =~ ^[1-9][0-9]*$ ]] || die "--workers ($workers) must be a whole number >= 1"
  [[ $cores =~ ^[1-9][0-9]*$ ]] || die "--cores ($cores) must be a whole number >= 1"
  if alive "$STATE/master.pid"; then
    die "already running: $(cat "$STATE/master.url" 2>/dev/null) (bin/spark-standalone.sh stop first)"
  fi
  local home scala
  home="$(spark_home)"
  scala="$(scala_version "$home")"
  rm -rf "$STATE"
  mkdir -p "$STATE/logs" "$STATE/work"
  export SPARK_HOME="$home" SPARK_SCALA_VERSION="$scala" SPARK_LOCAL_IP=127.0.0.1
  local cp="$home/conf/:$home/jars/*"

  daemon "$STATE/master.pid" "$STATE/logs/master.log" "$JAVA" -Xmx"$DAEMON_MEMORY" "${MODULE_OPTS[@]}" -cp "$cp" \
    org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port 0
  local url ui
  url="$(await_line "$STATE/logs/master.log" 'spark://127\.0\.0\.1:[0-9]+' 60 "$STATE/master.pid")" \
    || die "the master did not start; see $STATE/logs/master.log"
  ui="$(await_line "$STATE/logs/master.log" 'http://[0-9.a-z]+:[0-9]+' 30 "$STATE/master.pid" || true)"
  echo "$url" >"$STATE/master.url"
  echo "$ui" >"$STATE/master.ui"

  # the training runs' native environment (allocator), inherited by the executors
  (
    # shellcheck source=bin/native-env.sh
    . "$ROOT/bin/native-env.sh"
    alrc_native_env 1
    unset ALRC_JAVA_OPTS
    local k
    for ((k = 1; k <= workers; k++)); do
      mkdir -p "$STATE/work/worker-$k"
      daemon "$STATE/worker-$k.pid" "$STATE/logs/worker-$k.log" "$JAVA" -Xmx"$DAEMON_MEMORY" "${MODULE_OPTS[@]}" -cp "$cp" \
        org.apache.spark.deploy.worker.Worker "$url" --host 127.0.0.1 --port 0 --webui-port 0 \
        --cores "$cores" --memory "$memory" --work-dir "$STATE/work/worker-$k"
    done
  )
  local k
  for ((k = 1; k <= workers; k++)); do
    await_line "$STATE/logs/worker-$k.log" 'Successfully registered with master' 60 "$STATE/worker-$k.pid" >/dev/null \
      || die "worker $k did not register with $url; see $STATE/logs/worker-$k.log"
  done
  echo "spark-standalone: master $url (web UI $ui), $workers workers x $cores cores, $memory each; state in $STATE" >&2
  echo "$url"
}

# the executor JVMs a worker started (its children running CoarseGrainedExecutorBackend)
executors_of() {
  local pid="$1"
  ps -o pid=,args= --ppid "$pid" 2>/dev/null | awk '/CoarseGrainedExecutorBackend/ {
    app = ""; id = "";
    for (i = 1; i <= NF; i++) { if ($i == "--app-id") app = $(i + 1); if ($i == "--executor-id") id = $(i + 1) }
    print $1, app, id }'
}

cmd_executors() {
  local f k
  for f in "$STATE"/worker-*.pid; do
    [[ -f $f ]] || continue
    k="${f##*/worker-}"
    k="${k%.pid}"
    alive "$f" || continue
    executors_of "$(cat "$f")" | while read -r pid app id; do
      echo "worker-$k $pid $app executor-$id"
    done
  done
}

cmd_status() {
  if ! alive "$STATE/master.pid"; then
    echo "not running (state: $STATE)"
    return 1
  fi
  echo "master $(cat "$STATE/master.url") pid $(cat "$STATE/master.pid"), web UI $(cat "$STATE/master.ui")"
  local f k
  for f in "$STATE"/worker-*.pid; do
    [[ -f $f ]] || continue
    k="${f##*/worker-}"
    k="${k%.pid}"
    if alive "$f"; then
      echo "worker-$k pid $(cat "$f"), $(executors_of "$(cat "$f")" | wc -l) executors"
    else
      echo "worker-$k pid $(cat "$f") not running"
    fi
  done
  cmd_executors | sed 's/^/  /'
}

stop_pid() {
  local pidfile="$1" pid i
  alive "$pidfile" || return 0
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

cmd_stop() {
  local f pid
  for f in "$STATE"/worker-*.pid; do
    [[ -f $f ]] || continue
    if alive "$f"; then
      for pid in $(executors_of "$(cat "$f")" | awk '{print $1}'); do
        kill "$pid" 2>/dev/null || true
      done
    fi
    stop_pid "$f"
  done
  stop_pid "$STATE/master.pid"
  echo "spark-standalone: stopped (logs stay in $STATE/logs)" >&2
}

# the job jar for spark-submit and spark.jars, built when missing or older than a pom or main source
cmd_job_jar() {
  local newer=""
  if [[ -f $JOB_JAR ]]; then
    newer="$(find "$ROOT/pom.xml" "$ROOT"/*/pom.xml "$ROOT"/*/src/main -newer "$JOB_JAR" -print -quit 2>/dev/null || true)"
  fi
  if [[ ! -f $JOB_JAR || -n $newer ]]; then
    command -v mvn >/dev/null 2>&1 || die "mvn (Apache Maven) not found on the PATH: it builds the job jar"
    echo "spark-standalone: building $JOB_JAR ..." >&2
    local mvn_opts=()
    read -r -a mvn_opts <<<"${ALRC_MVN_OPTS:-}"
    (cd "$ROOT" && mvn -B -q -DskipTests -Pjob-jar "${mvn_opts[@]}" -pl alrc-spark -am package) >&2 \
      || die "building the job jar failed; see the Maven output above"
    touch "$JOB_JAR"
  fi
  echo "$JOB_JAR"
}

# spark-submit without a distribution's scripts: SparkSubmit on SPARK_HOME's jars, with the module
# options and environment that bin/spark-submit would give it
cmd_submit() {
  local home
  home="$(spark_home)"
  export SPARK_HOME="$home" SPARK_SCALA_VERSION="$(scala_version "$home")"
  exec "$JAVA" -Xmx"${ALRC_SPARK_DRIVER_MEMORY:-1g}" "${MODULE_OPTS[@]}" -cp "$home/conf/:$home/jars/*" \
    org.apache.spark.deploy.SparkSubmit "$@"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) master_url || { echo "spark-standalone: not running" >&2; exit 1; } ;;
  executors) cmd_executors ;;
  home) spark_home ;;
  job-jar) cmd_job_jar ;;
  submit) shift; cmd_submit "$@" ;;
  *)
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
