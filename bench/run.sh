#!/usr/bin/env bash
# The benchmark of the bundle, in one command: builds, starts the bundle as a user would (the jar, in
# a folder of its own, secrets in the environment, the fake Huma API as API_URL) once per queue mode,
# and measures acks, start-up, the first burst, end to end and memory, next to two ceilings: a plain
# Vert.x server and a bare Camel platform-http route handing the body to a SEDA queue. Prints one
# markdown table and writes it to bench/results/latest.md. See bench/README.md.
#
#   bench/run.sh [--no-build] [--profile]
#
# Settings (environment): BENCH_MODES, BENCH_CEILINGS, BENCH_JAVA_OPTS, BENCH_DURATION, BENCH_WARMUP,
# BENCH_CONNECTIONS, BENCH_WRK_THREADS, BENCH_E2E_EVENTS, BENCH_E2E_RECORDS, BENCH_LIGHT_PAUSE_MS,
# BENCH_KEEP (README).
set -Eeuo pipefail
{ # the whole script is read before it runs: editing or checking out this file during a run cannot derail it

# queue modes, the default first; journal-sync is journal mode with huma.journal.sync=true
BENCH_MODES=${BENCH_MODES:-journal journal-sync memory durable}
# the mode --profile records (the default one)
BENCH_PROFILE_MODE=${BENCH_PROFILE_MODE:-journal}
# the ceilings measured, always in this order: vertx (CeilingServer) and camel (CamelCeilingServer)
BENCH_CEILINGS=${BENCH_CEILINGS-vertx camel}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# the README's launch flags, the class-data archive of the build first
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--XX:SharedArchiveFile=$ROOT/target/huma-camel.jsa -Xms64m -Xmx192m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError}
BENCH_DURATION=${BENCH_DURATION:-15}        # seconds per measured wrk run
BENCH_WARMUP=${BENCH_WARMUP:-10}           # seconds of unreported wrk load before the measured runs
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-8 64}
BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-2}
BENCH_E2E_EVENTS=${BENCH_E2E_EVENTS:-200}
BENCH_E2E_RECORDS=${BENCH_E2E_RECORDS:-500} # 5 pages at huma.pages.limit = 100
BENCH_LIGHT_PAUSE_MS=${BENCH_LIGHT_PAUSE_MS:-100} # light load: 2 connections, each waits this before a request
BENCH_BURST=${BENCH_BURST:-40}
BENCH_BURST_SENDERS=${BENCH_BURST_SENDERS:-20}
BENCH_KEEP=${BENCH_KEEP:-0}                 # 1: keep the working folder (logs, output/, data/)

BENCH_DIR=$ROOT/bench
JAR=$ROOT/target/huma-camel.jar
CLASSES=$ROOT/target/bench-classes
TOKEN=bench-callback-secret
WEBHOOK=/api/webhook-question-answered
BUILD=1
PROFILE=0

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: FAILED: %s\n' "$*" >&2; exit 1; }
trap 'rc=$?; printf "bench: FAILED (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR

for arg in "$@"; do
    case $arg in
        --no-build) BUILD=0 ;;
        --profile) PROFILE=1 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$arg' (try --help)" ;;
    esac
done

# ------------------------------------------------------------------------------------------------
# Processes: every one started is tracked and stopped on exit, whatever happens
# ------------------------------------------------------------------------------------------------
PIDS=()
WORK=
track() { PIDS+=("$1"); }
stop_pid() { # pid [seconds]: SIGTERM, then SIGKILL after the grace period
    local pid=$1 grace=${2:-30} i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "pid $pid still running after ${grace}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
    trap - ERR
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid" 15; done
    if [[ -n $WORK && -d $WORK ]]; then
        local file name
        rm -rf "$BENCH_DIR/results/logs"
        mkdir -p "$BENCH_DIR/results/logs"
        for file in "$WORK"/*.log "$WORK"/*.out "$WORK"/*/*.log "$WORK"/*/*.out; do
            [[ -f $file ]] || continue
            name=${file#"$WORK"/}
            cp "$file" "$BENCH_DIR/results/logs/${name//\//-}"
        done
        if [[ $BENCH_KEEP == 1 ]]; then log "working folder kept: $WORK"; else rm -rf "$WORK"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------
epoch_us() { date +%s%6N; }
USED_PORTS=" "
free_port() { # a port nobody listens on, below the ephemeral range so that clients do not take it
    local port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + RANDOM % 12000))
        if [[ $USED_PORTS != *" $port "* ]] && [[ -z $(ss -Htln "sport = :$port" 2>/dev/null) ]]; then
            USED_PORTS+="$port "
            echo "$port"
            return 0
        fi
    done
    die "no free port found"
}
calc() { awk "BEGIN { printf \"%s\", $* }"; }
kv() { sed -n "s/^$1=//p" "$2" | head -1; } # key file: the value of key=value
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; } # key "BENCH a=1 b=2"
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; } # utime + stime
rss_mb() { awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
alive_or_die() { # pid name log
    kill -0 "$1" 2>/dev/null && return 0
    printf '\n--- last lines of %s ---\n' "$3" >&2
    tail -n 30 "$3" >&2 || true
    local kept=${3#"$WORK"/}
    die "$2 exited unexpectedly (its log is kept as bench/results/logs/${kept//\//-})"
}

declare -A R # results: R[target,key]

machine_line() {
    local cpu
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    printf '%s' "$(nproc) cores, ${cpu:-unknown CPU}, $(free -g | awk '/^Mem:/ { print $2 " GB RAM" }'), $(uname -sr)"
}

# ------------------------------------------------------------------------------------------------
# Preconditions, build
# ------------------------------------------------------------------------------------------------
command -v java >/dev/null || die "java not found (Java 17 is needed)"
command -v javac >/dev/null || die "javac not found (a JDK 17 is needed, not a JRE)"
command -v curl >/dev/null || die "curl not found"
if ! command -v wrk >/dev/null; then
    log "wrk not found: installing it (apt-get install -y wrk)"
    if command -v apt-get >/dev/null && { [[ $(id -u) == 0 ]] && apt-get install -y -q wrk >&2 || sudo -n apt-get install -y -q wrk >&2; }; then
        :
    else
        die "wrk is missing and could not be installed: install it (apt-get install wrk, brew install wrk) and run again"
    fi
fi
CEILINGS=
for ceiling in vertx camel; do
    [[ " $BENCH_CEILINGS " == *" $ceiling "* ]] && CEILINGS+="$ceiling "
done
for ceiling in $BENCH_CEILINGS; do
    [[ $ceiling == vertx || $ceiling == camel ]] || die "BENCH_CEILINGS: unknown ceiling '$ceiling' (vertx, camel)"
done
CEILINGS=${CEILINGS% }
declare -A CEILING_NAME=([vertx]="Vert.x ceiling" [camel]="bare Camel + SEDA")
declare -A CEILING_CLASS=([vertx]=CeilingServer [camel]=CamelCeilingServer)
is_ceiling() { [[ $1 == vertx || $1 == camel ]]; }
for mode in $BENCH_MODES; do
    is_ceiling "$mode" && die "BENCH_MODES: '$mode' is the name of a ceiling"
    case $mode in
        journal|journal-sync|memory|durable) ;;
        broker) [[ -n ${HUMA_BROKER_URL:-} ]] || die "mode broker needs HUMA_BROKER_URL (an external Artemis)" ;;
        *) log "mode '$mode' is not one the bundle knows today; trying it anyway (HUMA_QUEUE_MODE=$mode)" ;;
    esac
done

cd "$ROOT"
if [[ $BUILD == 1 ]]; then
    log "building: mvn -B -q package -DskipTests"
    mvn -B -q package -DskipTests >&2 || die "the build failed (mvn -B -q package -DskipTests)"
fi
[[ -f $JAR ]] || die "$JAR is missing: run without --no-build"
if [[ $BENCH_JAVA_OPTS == *SharedArchiveFile=* ]]; then
    archive=${BENCH_JAVA_OPTS#*SharedArchiveFile=}
    archive=${archive%% *}
    [[ -f $archive ]] || die "$archive is missing (the build writes it; -Dhuma.cds.skip=true leaves it out): run without --no-build, or set BENCH_JAVA_OPTS without -XX:SharedArchiveFile"
fi
mkdir -p "$CLASSES"
javac -nowarn -d "$CLASSES" -cp "$JAR" "$BENCH_DIR"/src/ai/huma/camel/bench/*.java \
    || die "compiling the bench sources (bench/src) failed"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/huma-bench.XXXXXX")
log "working folder $WORK"
RUN_ID=$(printf '%04x' $((RANDOM % 65536)))
RUN_SEQ=0
START_EPOCH=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------------------------------------
# The fake Huma API. ONE place: when it moves to main code (ai.huma.camel.simulator.HumaSimulator)
# the java line below becomes `java -jar "$JAR" simulator "$port"` (and the bench questions, which
# BenchHumaApi registers today, have to be given to it). It must print API_URL= and API_SECRET_KEY=.
# ------------------------------------------------------------------------------------------------
start_fake_api() {
    local out=$WORK/fake-api.log i
    java -Xmx256m -cp "$CLASSES:$JAR" ai.huma.camel.bench.BenchHumaApi \
        "$BENCH_E2E_EVENTS" "$BENCH_E2E_RECORDS" >"$out" 2>&1 &
    FAKE_PID=$!
    track "$FAKE_PID"
    for ((i = 0; i < 300; i++)); do
        grep -qs '^API_SECRET_KEY=' "$out" && break
        alive_or_die "$FAKE_PID" "the fake Huma API" "$out"
        sleep 0.1
    done
    API_URL=$(kv API_URL "$out")
    API_SECRET_KEY=$(kv API_SECRET_KEY "$out")
    [[ -n $API_URL && -n $API_SECRET_KEY ]] || die "the fake Huma API did not say its URL and key (log: $out)"
    log "fake Huma API at $API_URL"
}

# ------------------------------------------------------------------------------------------------
# Starting a server, timed: the bench client is armed first (warm, polling), then java starts
# ------------------------------------------------------------------------------------------------
# start_server <target> <dir> <ready body> <command...>: sets SERVER_PID, PORT (already chosen)
start_server() {
    local target=$1 dir=$2 ready_body=$3
    shift 3
    local client_out=$dir/startup-client.out i t0
    java -cp "$CLASSES" ai.huma.camel.bench.BenchClient startup --url "http://127.0.0.1:$PORT" --token "$TOKEN" \
        --ready-body "$ready_body" --burst "$BENCH_BURST" --senders "$BENCH_BURST_SENDERS" \
        --warm-url "$API_URL/_fake/bench-client-warm-up" >"$client_out" 2>&1 &
    local client=$!
    track "$client"
    for ((i = 0; i < 600; i++)); do
        grep -qs '^ARMED' "$client_out" && break
        alive_or_die "$client" "the bench client" "$client_out"
        sleep 0.1
    done
    grep -qs '^ARMED' "$client_out" || die "the bench client did not warm up in 60 s"

    t0=$(epoch_us)
    (cd "$dir" && exec "$@") >"$dir/console.log" 2>&1 &
    SERVER_PID=$!
    track "$SERVER_PID"
    while kill -0 "$client" 2>/dev/null; do
        alive_or_die "$SERVER_PID" "$target" "$dir/console.log"
        sleep 0.05
    done
    wait "$client" || { cat "$client_out" >&2; alive_or_die "$SERVER_PID" "$target" "$dir/console.log"; die "$target did not get ready (see above)"; }
    R[$target,ready_ms]=$(calc "($(kv ready_us "$client_out") - $t0) / 1000")
    R[$target,first_answer_ms]=$(calc "($(kv first_answer_us "$client_out") - $t0) / 1000")
    local webhook
    webhook=$(kv first_webhook_200_us "$client_out")
    R[$target,webhook_ms]=$( [[ $webhook != 0 ]] && calc "($webhook - $t0) / 1000" || echo "none")
    R[$target,burst_p50]=$(kv burst_p50_ms "$client_out")
    R[$target,burst_max]=$(kv burst_max_ms "$client_out")
    R[$target,burst_non2xx]=$(kv burst_non2xx "$client_out")
    R[$target,burst_statuses]=$(kv burst_statuses "$client_out")
    # what GET / and the webhook answered before ready / before their first 200 (-1: no connection yet)
    R[$target,ready_polls]=$(kv ready_poll_statuses "$client_out" | sed 's/-1=[0-9]*, //; s/, 200=1//; s/200=1, //; s/[{}]//g; s/=/×/g')
    R[$target,webhook_polls]=$(kv webhook_poll_statuses "$client_out" | sed 's/-1=[0-9]*, //; s/, 200=1//; s/200=1, //; s/[{}]//g; s/=/×/g')
    log "$target ready in ${R[$target,ready_ms]} ms (first webhook 200 at ${R[$target,webhook_ms]} ms; GET / polls $(kv ready_poll_statuses "$client_out")); burst of $BENCH_BURST: p50 ${R[$target,burst_p50]} ms, max ${R[$target,burst_max]} ms, ${R[$target,burst_statuses]}"
}

# start_ceiling <vertx|camel>: the ceiling's server, from the bundle's jar (first on the class path, so
# that the class-data archive applies), with the bundle's JVM flags; both answer GET / with {}
start_ceiling() {
    local target=$1
    local dir=$WORK/$target
    mkdir -p "$dir"
    PORT=$(free_port)
    # shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of flags
    start_server "$target" "$dir" "{}" java $BENCH_JAVA_OPTS -cp "$JAR:$CLASSES" "ai.huma.camel.bench.${CEILING_CLASS[$target]}" "$PORT"
}

# start_bundle <target> <mode> [extra JVM flags]: the README launch, in a folder of its own
start_bundle() {
    local target=$1 mode=$2 extra=${3:-}
    local dir=$WORK/$target
    mkdir -p "$dir"
    cp "$ROOT/application.properties" "$dir/"
    cp -r "$ROOT/routes" "$dir/"
    PORT=$(free_port)
    MGMT_PORT=$(free_port)
    local sync=false
    if [[ $mode == *-sync ]]; then
        mode=${mode%-sync}
        sync=true
    fi
    # shellcheck disable=SC2086
    start_server "$target" "$dir" "hello!" env API_URL="$API_URL" API_SECRET_KEY="$API_SECRET_KEY" \
        API_CALLBACK_AUTH="$TOKEN" HUMA_QUEUE_MODE="$mode" HUMA_JOURNAL_SYNC="$sync" HUMA_PORT="$PORT" HUMA_HOST=127.0.0.1 \
        HUMA_MANAGEMENT_PORT="$MGMT_PORT" HUMA_MANAGEMENT_HOST=127.0.0.1 \
        java $BENCH_JAVA_OPTS $extra -jar "$JAR"
}

stop_server() { # target
    local t0
    t0=$(epoch_us)
    stop_pid "$SERVER_PID" 40
    R[$1,stop_ms]=$(calc "($(epoch_us) - $t0) / 1000")
}

# The bundle has worked everything it accepted (its metrics: completed + dead letters + duplicates
# >= webhooks answered 200), so that one run's backlog does not weigh on the next.
wait_drain() { # target; sets DRAIN_S (">60" when not worked off)
    local i metrics accepted worked
    DRAIN_S=0
    for ((i = 0; i < 600; i++)); do
        metrics=$(curl -s --max-time 2 "http://127.0.0.1:$MGMT_PORT/observe/metrics" || true)
        accepted=$(awk '/^huma_webhooks_total\{.*status="200"/ { s += $2 } END { printf "%d", s }' <<<"$metrics")
        worked=$(awk '/^huma_events_(completed|dead_letters|duplicates)_total\{/ { s += $2 } END { printf "%d", s }' <<<"$metrics")
        if [[ -n $metrics ]] && ((worked >= accepted)); then
            DRAIN_S=$(calc "$i / 10")
            ((i > 0)) && log "$1: backlog worked off in $(calc "$i / 10") s ($accepted events accepted so far)"
            return 0
        fi
        alive_or_die "$SERVER_PID" "$1" "$WORK/$1/console.log"
        sleep 0.1
    done
    DRAIN_S=">60"
    log "WARNING: $1 still has $((accepted - worked)) events to work after 60 s"
}

# ------------------------------------------------------------------------------------------------
# wrk runs
# ------------------------------------------------------------------------------------------------
# run_wrk <label> <connections> <keepalive|close> <seconds> [pause ms]: sets WRK_LINE (the BENCH line).
# Not to be called in $(...): RUN_SEQ, which keeps ticket numbers unique across runs, would not move on.
run_wrk() {
    local label=$1 conns=$2 conn_mode=$3 seconds=$4 pause=${5:-0} threads=$BENCH_WRK_THREADS out prefix
    ((threads > conns)) && threads=$conns
    RUN_SEQ=$((RUN_SEQ + 1))
    prefix=$(printf '%s%04x' "$RUN_ID" "$RUN_SEQ")
    out=$WORK/wrk-$label.out
    local headers=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
    [[ $conn_mode == close ]] && headers+=(-H "Connection: close")
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 10s "${headers[@]}" -s "$BENCH_DIR/lua/webhook.lua" \
        "http://127.0.0.1:$PORT$WEBHOOK" -- "$prefix" "$pause" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed ($label)"; }
    WRK_LINE=$(grep '^BENCH ' "$out") || { cat "$out" >&2; die "wrk printed no result ($label)"; }
}

# the four ack runs of a target: keep-alive and a new connection per request, at each connection count
measure_acks() { # target
    local target=$1 conn_mode conns line key seconds ok cpu0 cpu1
    run_wrk "$target-warmup" 8 keepalive "$BENCH_WARMUP"
    is_ceiling "$target" || wait_drain "$target"
    for conn_mode in keepalive close; do
        for conns in $BENCH_CONNECTIONS; do
            cpu0=$(cpu_ticks "$SERVER_PID")
            run_wrk "$target-$conn_mode-$conns" "$conns" "$conn_mode" "$BENCH_DURATION"
            line=$WRK_LINE
            DRAIN_S=
            is_ceiling "$target" || wait_drain "$target"
            cpu1=$(cpu_ticks "$SERVER_PID")
            key=$target,$conn_mode,$conns
            R[$key,drain_s]=$DRAIN_S
            ok=$(field ok "$line")
            seconds=$(calc "$(field duration_us "$line") / 1000000")
            R[$key,acks]=$(calc "$ok / $seconds")
            R[$key,p50]=$(calc "$(field p50_us "$line") / 1000")
            R[$key,p99]=$(calc "$(field p99_us "$line") / 1000")
            R[$key,non2xx]=$(field non2xx "$line")
            R[$key,s503]=$(field s503 "$line")
            R[$key,errors]=$(($(field err_connect "$line") + $(field err_read "$line") + $(field err_write "$line") + $(field err_timeout "$line")))
            R[$key,statuses]=$(field statuses "$line")
            R[$key,cpu_us]=$( ((ok > 0)) && calc "($cpu1 - $cpu0) * 1000000 / $CLK_TCK / $ok" || echo "-")
            log "$target $conn_mode $conns conns: $(printf '%.0f' "${R[$key,acks]}") acks/s, p50 ${R[$key,p50]} ms, p99 ${R[$key,p99]} ms, statuses ${R[$key,statuses]}, socket errors ${R[$key,errors]}, $(printf '%.0f' "${R[$key,cpu_us]}") µs CPU per ack"
        done
    done
    return 0
}

# 200 succeeded questions of 5 pages each, while a light wrk load runs on the webhook path
measure_e2e() { # target
    local target=$1 dir=$WORK/$1 light_out=$WORK/wrk-$1-light.out out=$WORK/$1/e2e-client.out line prefix
    RUN_SEQ=$((RUN_SEQ + 1))
    prefix=$(printf '%s%04x' "$RUN_ID" "$RUN_SEQ")
    wrk -t1 -c2 -d600s --timeout 10s -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
        -s "$BENCH_DIR/lua/webhook.lua" "http://127.0.0.1:$PORT$WEBHOOK" -- "$prefix" "$BENCH_LIGHT_PAUSE_MS" >"$light_out" 2>&1 &
    local light=$!
    track "$light"
    java -cp "$CLASSES" ai.huma.camel.bench.BenchClient e2e --url "http://127.0.0.1:$PORT" --token "$TOKEN" \
        --count "$BENCH_E2E_EVENTS" --records "$BENCH_E2E_RECORDS" --senders 20 --output "$dir/output" --timeout 600 \
        >"$out" 2>&1 || { cat "$out" >&2; die "the end-to-end client failed"; }
    kill -INT "$light" 2>/dev/null || true
    wait "$light" || true
    line=$(grep '^BENCH ' "$light_out") || { cat "$light_out" >&2; die "the light wrk load printed no result"; }
    R[$target,e2e_s]=$(calc "$(kv e2e_ms "$out") / 1000")
    R[$target,e2e_files]="$(kv files_complete "$out")/$BENCH_E2E_EVENTS"
    R[$target,e2e_missing]=$(kv files_missing "$out")
    R[$target,e2e_bad]=$(kv files_bad "$out")
    R[$target,e2e_acked_ms]=$(kv acked_ms "$out")
    R[$target,e2e_ack_p99]=$(kv ack_p99_ms "$out")
    R[$target,e2e_ack_non2xx]=$(kv ack_non2xx "$out")
    R[$target,light_p99]=$(calc "$(field p99_us "$line") / 1000")
    R[$target,light_rate]=$(calc "$(field requests "$line") / ($(field duration_us "$line") / 1000000)")
    R[$target,light_non2xx]=$(field non2xx "$line")
    R[$target,light_statuses]=$(field statuses "$line")
    log "$target end to end: ${R[$target,e2e_files]} complete results in ${R[$target,e2e_s]} s ($(kv acked_ms "$out") ms to send them all); light load p99 ${R[$target,light_p99]} ms, ${R[$target,light_statuses]}"
    [[ ${R[$target,e2e_missing]} == 0 && ${R[$target,e2e_bad]} == 0 ]] \
        || log "WARNING: $target end to end: ${R[$target,e2e_missing]} results missing, bad: ${R[$target,e2e_bad]}"
}

# ------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------
start_fake_api

for ceiling in $CEILINGS; do
    log "ceiling: ${CEILING_NAME[$ceiling]} (${CEILING_CLASS[$ceiling]})"
    start_ceiling "$ceiling"
    sleep 2
    R[$ceiling,rss_idle]=$(rss_mb "$SERVER_PID" VmRSS)
    measure_acks "$ceiling"
    R[$ceiling,rss_peak]=$(rss_mb "$SERVER_PID" VmHWM)
    stop_server "$ceiling"
done

for mode in $BENCH_MODES; do
    log "bundle, queue mode $mode"
    start_bundle "$mode" "$mode"
    sleep 2
    R[$mode,rss_idle]=$(rss_mb "$SERVER_PID" VmRSS)
    wait_drain "$mode"
    measure_acks "$mode"
    measure_e2e "$mode"
    R[$mode,rss_peak]=$(rss_mb "$SERVER_PID" VmHWM)
    duplicates=$(curl -s --max-time 2 "http://127.0.0.1:$MGMT_PORT/observe/metrics" \
        | awk '/^huma_events_duplicates_total\{/ { s += $2 } END { printf "%d", s }')
    stop_server "$mode"
    # on a broker the repeats are dropped by Artemis itself, one WARN line each
    R[$mode,duplicates]=$((duplicates + $(grep -c 'AMQ222059' "$WORK/$mode/console.log" || true)))
    grep -q 'OutOfMemoryError' "$WORK/$mode/console.log" && log "WARNING: $mode ran out of memory (see its console.log)"
    R[$mode,warn_503]=$(grep -c 'answered 503 (Huma will retry)' "$WORK/$mode/console.log" || true)
done

PROFILE_MD=
if [[ $PROFILE == 1 ]]; then
    log "profile: $BENCH_PROFILE_MODE mode, keep-alive 64 connections, with JFR"
    jfr_file=$WORK/profile.jfr
    start_bundle profile "$BENCH_PROFILE_MODE" "-XX:StartFlightRecording=name=bench,settings=profile,dumponexit=true,filename=$jfr_file"
    run_wrk profile-warmup 8 keepalive "$BENCH_WARMUP"
    wait_drain profile
    from_ms=$(($(epoch_us) / 1000))
    run_wrk profile-keepalive-64 64 keepalive "$BENCH_DURATION"
    line=$WRK_LINE
    to_ms=$(($(epoch_us) / 1000))
    stop_server profile
    [[ -s $jfr_file ]] || die "no JFR recording was written ($jfr_file)"
    mkdir -p "$BENCH_DIR/results"
    cp "$jfr_file" "$BENCH_DIR/results/profile.jfr"
    profile_acks=$(calc "$(field ok "$line") / ($(field duration_us "$line") / 1000000)")
    PROFILE_MD=$(
        printf '## Profile: %s mode, keep-alive, 64 connections, %s s, JFR settings=profile\n\n' "$BENCH_PROFILE_MODE" "$BENCH_DURATION"
        printf '%.0f acks/s with JFR on, p99 %s ms, statuses %s; the recording: `bench/results/profile.jfr`\n\n' \
            "$profile_acks" "$(calc "$(field p99_us "$line") / 1000")" "$(field statuses "$line")"
        java -cp "$CLASSES" ai.huma.camel.bench.JfrTop "$jfr_file" "$from_ms" "$to_ms" 15
    ) || die "reading the JFR recording failed"
fi

# ------------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------------
fmt() { # value [decimals]
    local v=$1 d=${2:-1}
    [[ $v =~ ^-?[0-9]+(\.[0-9]+)?$ ]] && printf "%.${d}f" "$v" || printf '%s' "${v:--}"
}
pct() { # value ceiling: value as a % of the ceiling ("–" when there is none)
    if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]]; then
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else printf "–" }'
    else
        printf '–'
    fi
}
# row <label> <key> [decimals] [with %]: one line of the table, the ceilings first; each figure also
# as a % of every ceiling left of it ("(3% / 45%)": of the Vert.x ceiling / of bare Camel + SEDA)
row() {
    local label=$1 key=$2 d=${3:-1} withpct=${4:-1} line target v c pcts
    line="| $label |"
    for target in $CEILINGS $BENCH_MODES; do
        v=${R[$target,$key]:-}
        if is_ceiling "$target" && [[ -z $v ]]; then
            line+=" – |"
            continue
        fi
        line+=" $(fmt "$v" "$d")"
        if [[ $withpct == 1 && $v =~ ^[0-9.]+$ ]]; then
            pcts=
            for c in $CEILINGS; do
                [[ $c == "$target" ]] && break
                pcts+="${pcts:+ / }$(pct "$v" "${R[$c,$key]:-}")"
            done
            [[ -n $pcts ]] && line+=" ($pcts)"
        fi
        line+=" |"
    done
    echo "$line"
}

TABLE=$WORK/latest.md
{
    echo "# huma-camel benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git -C "$ROOT" status --porcelain -- src routes application.properties pom.xml 2>/dev/null) ]] && echo ' (with local changes)')"
    echo "- machine: $(machine_line); load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- java: $(java -version 2>&1 | head -1); $(java -version 2>&1 | sed -n 3p)"
    echo "- JVM flags (bundle and ceilings): \`$BENCH_JAVA_OPTS\`"
    echo "- load: $( (wrk --version 2>&1 || true) | head -1 | cut -d' ' -f1-2), $BENCH_WRK_THREADS threads, ${BENCH_DURATION} s per run after ${BENCH_WARMUP} s of warm-up, loopback; each request a \`rejected\` Questions/Computed webhook with a ticket of its own (no call to Huma); working folder on $(df -PT "$WORK" | awk 'NR == 2 { print $2 }')"
    [[ " $CEILINGS " == *" vertx "* ]] && echo "- Vert.x ceiling: a plain Vert.x server with the bundle's server options that reads the body and answers \`200 {}\`"
    [[ " $CEILINGS " == *" camel "* ]] && echo "- bare Camel + SEDA: Camel Main's own platform-http server (Vert.x defaults), one route that reads the body, hands it InOnly to \`seda:ceiling?size=1000\` (drained by a route doing nothing), drops the headers and answers \`200 {}\`"
    if [[ -n $CEILINGS ]]; then
        pct_of=
        for ceiling in $CEILINGS; do pct_of+="${pct_of:+ / }${CEILING_NAME[$ceiling]}"; done
        echo "- (x%) = the figure ÷ each ceiling left of it, in this order: ($pct_of); same jar, same JVM flags; for latencies, CPU and memory above 100 % is worse"
    fi
    echo
    printf '| |'; for target in $CEILINGS; do printf ' %s |' "${CEILING_NAME[$target]}"; done
    for mode in $BENCH_MODES; do printf ' %s |' "$mode"; done; echo
    printf '|---|'; for target in $CEILINGS $BENCH_MODES; do printf -- '---:|'; done; echo
    for conn_mode in keepalive close; do
        what=$([[ $conn_mode == keepalive ]] && echo "keep-alive" || echo "new connection per request")
        for conns in $BENCH_CONNECTIONS; do
            row "**acks/s**, $what, $conns conns" "$conn_mode,$conns,acks" 0
            row "… p50 ms" "$conn_mode,$conns,p50" 2
            row "… p99 ms" "$conn_mode,$conns,p99" 2
            row "… CPU per ack, µs (the server process; the bundle's until its backlog is worked off)" "$conn_mode,$conns,cpu_us" 0
            row "… time to work off the backlog after the run, s" "$conn_mode,$conns,drain_s" 1 0
            line="| … non-2xx (of which 503) / socket errors |"
            for target in $CEILINGS $BENCH_MODES; do
                line+=" ${R[$target,$conn_mode,$conns,non2xx]:-?} (${R[$target,$conn_mode,$conns,s503]:-?}) / ${R[$target,$conn_mode,$conns,errors]:-?} |"
            done
            echo "$line"
        done
    done
    row "time from \`java\` to ready (\`GET /\` 200), ms" ready_ms 0
    row "time from \`java\` to the first 200 on $WEBHOOK, ms" webhook_ms 0
    row "… what \`GET /\` answered before (polled every 5 ms once listening)" ready_polls 0 0
    row "… what the webhook answered before its first 200 (polled every 10 ms)" webhook_polls 0 0
    row "first burst after ready ($BENCH_BURST webhooks, $BENCH_BURST_SENDERS senders): p50 ms" burst_p50 1
    row "… p100 ms" burst_max 1
    row "… non-2xx" burst_non2xx 0 0
    row "end to end: $BENCH_E2E_EVENTS \`succeeded\` questions × $((BENCH_E2E_RECORDS / 100)) pages, until every result file is complete, s" e2e_s 1 0
    row "… results complete" e2e_files 0 0
    row "… ack p99 of a light load (2 conns, ${BENCH_LIGHT_PAUSE_MS} ms pause) meanwhile, ms" light_p99 2 0
    row "… its non-2xx" light_non2xx 0 0
    row "duplicates dropped (every ticket is new: should be 0)" duplicates 0 0
    row "\"answered 503\" lines in the bundle's log, whole run" warn_503 0 0
    row "RSS idle after ready, MB" rss_idle 0
    row "RSS peak (VmHWM), MB" rss_peak 0
    echo
    [[ -n $PROFILE_MD ]] && { echo "$PROFILE_MD"; echo; }
    echo "Total run time: $(( $(date +%s) - START_EPOCH )) s. Logs of this run: \`bench/results/logs/\`."
} >"$TABLE"

mkdir -p "$BENCH_DIR/results"
cp "$TABLE" "$BENCH_DIR/results/latest.md"
cat "$TABLE"
log "written to bench/results/latest.md"
exit 0
}
