#!/usr/bin/env bash
# The soak: what a bad day loses. Sends Huma-like webhooks at a steady rate for some minutes while the
# bundle is killed with SIGKILL (and restarted on the same folder and ports) every 8-25 s and the fake
# Huma API goes down (503 or connection refused) for 2-8 s every 20-60 s. Then lets the bundle work
# everything off, replays the dead letters once, and accounts for every webhook that was answered 200:
# a complete result file, or a readable dead letter holding its payload, or LOST. Prints a markdown
# summary (also in bench/results/soak/latest.md); exits 1 if anything answered 200 was lost.
#
#   bench/soak.sh [--minutes 3] [--mode default|memory|durable|journal|broker|kafka] [--rate 15]
#                 [--no-build] [--keep] [--seed N]
#
# --mode default leaves HUMA_QUEUE_MODE unset (the bundle's default). Timings (environment):
# SOAK_KILL_EVERY, SOAK_OUTAGE_EVERY, SOAK_OUTAGE_LENGTH ("min-max" seconds), SOAK_REPEAT, SOAK_QUIET,
# SOAK_SETTLE_MAX, SOAK_JAVA_OPTS. The HUMA_* settings of the environment reach the bundle, but for
# those that move its folders or outputs. See bench/README.md "The soak".
set -Eeuo pipefail
{ # the whole script is read before it runs: editing or checking out this file during a run cannot derail it

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=3
MODE=default
RATE=15
BUILD=1
KEEP=0
SEED=$(( $(date +%s) % 32768 ))
SOAK_KILL_EVERY=${SOAK_KILL_EVERY:-8-25}         # seconds between a bundle's start and its SIGKILL
SOAK_OUTAGE_EVERY=${SOAK_OUTAGE_EVERY:-20-60}    # seconds between API outages
SOAK_OUTAGE_LENGTH=${SOAK_OUTAGE_LENGTH:-2-8}    # seconds an API outage lasts
SOAK_REPEAT=${SOAK_REPEAT:-0.05}                 # share of acked webhooks Huma sends once more
SOAK_QUIET=${SOAK_QUIET:-30}                     # seconds without any change: the bundle has worked everything
SOAK_SETTLE_MAX=${SOAK_SETTLE_MAX:-300}          # at most this long for it
SOAK_JAVA_OPTS=${SOAK_JAVA_OPTS:--XX:SharedArchiveFile=$ROOT/target/huma-camel.jsa -Xms64m -Xmx192m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError}

JAR=$ROOT/target/huma-camel.jar
CLASSES=$ROOT/target/soak-classes
RESULTS=$ROOT/bench/results/soak

log() { printf '%s soak: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'soak: FAILED: %s\n' "$*" >&2; exit 2; }
trap 'rc=$?; printf "soak: FAILED (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR

while (($#)); do
    case $1 in
        --minutes) MINUTES=${2:?--minutes needs a number}; shift ;;
        --mode) MODE=${2:?--mode needs a mode}; shift ;;
        --rate) RATE=${2:?--rate needs a number}; shift ;;
        --seed) SEED=${2:?--seed needs a number}; shift ;;
        --no-build) BUILD=0 ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
    shift
done
[[ $MINUTES =~ ^[0-9]+$ && $MINUTES -gt 0 ]] || die "--minutes: a whole number of minutes, not '$MINUTES'"
[[ $RATE =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--rate: webhooks per second, not '$RATE'"
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed: a number, not '$SEED'"
range() { # name "min-max": sets ${name}_MIN, ${name}_MAX (seconds)
    [[ $2 =~ ^([0-9]+)-([0-9]+)$ && ${BASH_REMATCH[1]} -le ${BASH_REMATCH[2]} ]] || die "$1: 'min-max' in seconds, not '$2'"
    printf -v "$1_MIN" '%s' "${BASH_REMATCH[1]}"
    printf -v "$1_MAX" '%s' "${BASH_REMATCH[2]}"
}
range KILL "$SOAK_KILL_EVERY"
range OUTAGE_EVERY "$SOAK_OUTAGE_EVERY"
range OUTAGE "$SOAK_OUTAGE_LENGTH"
case $MODE in
    default|memory|durable|journal) ;;
    broker) [[ -n ${HUMA_BROKER_URL:-} ]] || die "mode broker needs HUMA_BROKER_URL (an external Artemis)" ;;
    kafka) [[ -n ${HUMA_KAFKA_BROKERS:-} ]] || die "mode kafka needs HUMA_KAFKA_BROKERS" ;;
    *) log "mode '$MODE' is not one the bundle knows today; trying it anyway (HUMA_QUEUE_MODE=$MODE)" ;;
esac
RANDOM=$SEED

# ------------------------------------------------------------------------------------------------
# Processes: every one started is tracked and stopped on exit, whatever happens
# ------------------------------------------------------------------------------------------------
PIDS=()
BUNDLE_PID=
RUN=
stop_pid() { # pid [seconds]: SIGTERM, then SIGKILL after the grace period
    local pid=$1 grace=${2:-20} i
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
    for pid in "${PIDS[@]}"; do stop_pid "$pid" 25; done
    if [[ -n $RUN && -d $RUN/home && $KEEP == 0 ]]; then
        # the bulk (results, journals, spool); dead letters, replays, the delivery record and logs stay
        rm -rf "$RUN/home/output" "$RUN/home/data/broker" "$RUN/home/data/spool"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------
USED_PORTS=" "
free_port() { # a port nobody listens on, below the ephemeral range so that clients do not take it
    local port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + RANDOM % 12000))
        if [[ $USED_PORTS != *" $port "* ]] && [[ -z $(ss -Htln "sport = :$port" 2>/dev/null) ]]; then
            USED_PORTS+="$port "
            PORT_FOUND=$port
            return 0
        fi
    done
    die "no free port found"
}
now_ms() { NOW=$(( ${EPOCHREALTIME//[!0-9]/} / 1000 )); }
rand_ms() { # min_s max_s: sets RAND_MS, uniform in [min, max] seconds (not in $(...): RANDOM would not move on)
    RAND_MS=$(( $1 * 1000 + (RANDOM * 32768 + RANDOM) % (($2 - $1) * 1000 + 1) ))
}
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
T0=0
event() { # a line of the timeline: seconds since the load started, then what happened
    now_ms
    printf '%7s s  %s\n' "$(secs $((NOW - T0)))" "$*" >>"$RUN/timeline.log"
    log "$*"
}
kv() { sed -n "s/^$1=//p" "$2" | tail -1; } # key file: the value of key=value
count_lines() { { grep -c -E "$1" "${@:2}" 2>/dev/null || true; } | awk -F: '{ s += $NF } END { print s + 0 }'; }

# ------------------------------------------------------------------------------------------------
# Preconditions, build
# ------------------------------------------------------------------------------------------------
command -v java >/dev/null || die "java not found (Java 17 is needed)"
command -v javac >/dev/null || die "javac not found (a JDK 17 is needed, not a JRE)"
command -v curl >/dev/null || die "curl not found"
command -v ss >/dev/null || die "ss not found (iproute2)"
cd "$ROOT"
if [[ $BUILD == 1 ]]; then
    log "building: mvn -B -q package -DskipTests"
    mvn -B -q package -DskipTests >&2 || die "the build failed (mvn -B -q package -DskipTests)"
fi
[[ -f $JAR ]] || die "$JAR is missing: run without --no-build"
if [[ $SOAK_JAVA_OPTS == *SharedArchiveFile=* ]]; then
    archive=${SOAK_JAVA_OPTS#*SharedArchiveFile=}
    archive=${archive%% *}
    [[ -f $archive ]] || die "$archive is missing (the build writes it): run without --no-build, or set SOAK_JAVA_OPTS without -XX:SharedArchiveFile"
fi
rm -rf "$CLASSES"
mkdir -p "$CLASSES"
javac -nowarn -d "$CLASSES" -cp "$JAR" "$ROOT"/bench/src/ai/huma/camel/bench/Soak*.java \
    || die "compiling the soak's sources (bench/src/.../Soak*.java) failed"

RUN=$RESULTS/$(date +%Y%m%d-%H%M%S)-$MODE
HOME_DIR=$RUN/home
mkdir -p "$HOME_DIR" # a fresh folder: the jar's built-in settings and routes, as deployed
: >"$RUN/timeline.log"
: >"$RUN/kills.txt" # epoch ms of each SIGKILL, for the accounting
log "run folder ${RUN#"$ROOT"/}"

# secrets of this run only: in the environment of the processes, on no command line and in no log
API_SECRET_KEY=soak-api-key-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
CALLBACK_AUTH=soak-callback-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
PREFIX=50a4$(od -An -tx1 -N2 /dev/urandom | tr -d ' \n') # ticket numbers: prefix + 16 hex digits
COUNT=$(awk -v r="$RATE" -v m="$MINUTES" 'BEGIN { printf "%d", r * m * 60 + 10 }')

# ------------------------------------------------------------------------------------------------
# The fake Huma API (SoakHumaApi): up, or down as the state file says
# ------------------------------------------------------------------------------------------------
free_port; API_PORT=$PORT_FOUND
free_port; PORT=$PORT_FOUND
free_port; MGMT_PORT=$PORT_FOUND
API_STATE=$RUN/api-state
echo up >"$API_STATE"
SOAK_API_KEY=$API_SECRET_KEY java -Xmx256m -XX:+UseSerialGC -cp "$CLASSES:$JAR" ai.huma.camel.bench.SoakHumaApi \
    "$API_PORT" "$API_STATE" "$PREFIX" "$COUNT" >"$RUN/fake-api.log" 2>&1 &
API_PID=$!
PIDS+=("$API_PID")
for ((i = 0; i < 300; i++)); do
    grep -qs '^API_URL=' "$RUN/fake-api.log" && break
    kill -0 "$API_PID" 2>/dev/null || { tail -20 "$RUN/fake-api.log" >&2; die "the fake Huma API exited"; }
    sleep 0.1
done
API_URL=$(kv API_URL "$RUN/fake-api.log")
[[ -n $API_URL ]] || die "the fake Huma API did not start (log: $RUN/fake-api.log)"
log "fake Huma API at $API_URL ($COUNT questions of 1 to 450 records)"
API_DOWN=0
api_state() { echo "$1" >"$API_STATE.tmp" && mv "$API_STATE.tmp" "$API_STATE"; }

# ------------------------------------------------------------------------------------------------
# The bundle: started as README does, in the run's home folder, always on the same ports
# ------------------------------------------------------------------------------------------------
# the HUMA_* of the environment that would move what the soak reads (the home, data and output
# folders, the destinations, a transform) or that the soak sets itself: not passed to the bundle
not_passed() {
    compgen -e | grep -E '^HUMA_(HOME|DATA_DIR|OUTPUT_|DEAD_LETTER_|REPLAY_|TRANSFORM_|PORT$|HOST$|MANAGEMENT_PORT$|MANAGEMENT_HOST$)' || true
}
STARTS=0
KILLS=0
KILLS_STARTING=0
EXITS=0          # exits the soak did not cause
SLOW_STARTS=0    # not ready within 90 s
BUNDLE_STATE=down
BUNDLE_LOG=
start_bundle() {
    STARTS=$((STARTS + 1))
    BUNDLE_LOG=$RUN/bundle-$(printf '%03d' "$STARTS").log
    local envs=(API_URL="$API_URL" API_SECRET_KEY="$API_SECRET_KEY" API_CALLBACK_AUTH="$CALLBACK_AUTH"
        HUMA_PORT="$PORT" HUMA_HOST=127.0.0.1 HUMA_MANAGEMENT_PORT="$MGMT_PORT" HUMA_MANAGEMENT_HOST=127.0.0.1)
    [[ $MODE == default ]] || envs+=(HUMA_QUEUE_MODE="$MODE")
    local unset=() name
    for name in HUMA_QUEUE_MODE $(not_passed); do unset+=(-u "$name"); done
    # shellcheck disable=SC2086 # SOAK_JAVA_OPTS is a list of flags
    (cd "$HOME_DIR" && exec env "${unset[@]}" "${envs[@]}" java $SOAK_JAVA_OPTS -jar "$JAR") >"$BUNDLE_LOG" 2>&1 &
    BUNDLE_PID=$!
    PIDS+=("$BUNDLE_PID")
    now_ms
    BUNDLE_SINCE=$NOW
    BUNDLE_STATE=starting
}
bundle_ready() { [[ $(curl -s --max-time 1 "http://127.0.0.1:$PORT/" 2>/dev/null) == "hello!" ]]; }
bundle_alive() { kill -0 "$BUNDLE_PID" 2>/dev/null; }
bundle_exited() { # the bundle ended without the soak killing it: note it, restart it at once
    local rc=0
    wait "$BUNDLE_PID" 2>/dev/null || rc=$?
    EXITS=$((EXITS + 1))
    event "UNEXPECTED: the bundle exited by itself (exit code $rc, while $BUNDLE_STATE; log $(basename "$BUNDLE_LOG")): restarting it"
    BUNDLE_STATE=down
    now_ms
    RESTART_AT=$NOW
}
kill_bundle() {
    now_ms
    echo "$NOW" >>"$RUN/kills.txt"
    kill -KILL "$BUNDLE_PID" 2>/dev/null || true
    wait "$BUNDLE_PID" 2>/dev/null || true
}

# ------------------------------------------------------------------------------------------------
# The load and the chaos
# ------------------------------------------------------------------------------------------------
log "mode $MODE$([[ $MODE == default ]] && echo ' (HUMA_QUEUE_MODE unset)'), $MINUTES min at $RATE webhooks/s, seed $SEED"
start_bundle
for ((i = 0; i < 1200; i++)); do
    bundle_ready && break
    bundle_alive || { tail -30 "$BUNDLE_LOG" >&2; die "the bundle did not start (log: $BUNDLE_LOG)"; }
    sleep 0.1
done
bundle_ready || die "the bundle was not ready in 120 s (log: $BUNDLE_LOG)"
BUNDLE_STATE=ready
QUEUE_MODE=$(sed -n 's/.*| queue \([^|]*\) |.*/\1/p' "$BUNDLE_LOG" | head -1 | sed 's/ *$//')
log "bundle ready on port $PORT (queue ${QUEUE_MODE:-?}), management on $MGMT_PORT"

SOAK_CALLBACK_AUTH=$CALLBACK_AUTH java -Xmx128m -XX:+UseSerialGC -cp "$CLASSES:$JAR" ai.huma.camel.bench.SoakClient \
    --url "http://127.0.0.1:$PORT" --rate "$RATE" --seconds $((MINUTES * 60)) --count "$COUNT" --prefix "$PREFIX" \
    --repeat "$SOAK_REPEAT" --out "$RUN/tickets.tsv" >"$RUN/client.log" 2>&1 &
CLIENT_PID=$!
PIDS+=("$CLIENT_PID")
now_ms
T0=$NOW
event "load started; bundle up (start 1, queue ${QUEUE_MODE:-?}), API up"
rand_ms "$KILL_MIN" "$KILL_MAX"; NEXT_KILL=$((NOW + RAND_MS))
rand_ms "$OUTAGE_EVERY_MIN" "$OUTAGE_EVERY_MAX"; NEXT_OUTAGE=$((NOW + RAND_MS))
OUTAGE_END=0
OUTAGES=0
OUTAGE_MS=0
OUTAGE_KINDS=
RESTART_AT=0

while kill -0 "$CLIENT_PID" 2>/dev/null; do
    now_ms
    case $BUNDLE_STATE in
        starting)
            if ! bundle_alive; then
                bundle_exited
            elif ((NOW >= NEXT_KILL)); then
                kill_bundle
                KILLS=$((KILLS + 1)); KILLS_STARTING=$((KILLS_STARTING + 1))
                rand_ms 0 2; RESTART_AT=$((NOW + 500 + RAND_MS / 2))
                BUNDLE_STATE=down
                event "SIGKILL the bundle during its start-up, $(secs $((NOW - BUNDLE_SINCE))) s after java started (kill $KILLS)"
            elif bundle_ready; then
                BUNDLE_STATE=ready
                event "bundle ready, $(secs $((NOW - BUNDLE_SINCE))) s after java started (start $STARTS)"
            elif ((NOW - BUNDLE_SINCE > 90000)); then
                SLOW_STARTS=$((SLOW_STARTS + 1))
                event "UNEXPECTED: the bundle is not ready 90 s after java started (log $(basename "$BUNDLE_LOG")): SIGKILL and restart"
                kill_bundle
                BUNDLE_STATE=down
                RESTART_AT=$NOW
            fi
            ;;
        ready)
            if ! bundle_alive; then
                bundle_exited
            elif ((NOW >= NEXT_KILL)); then
                kill_bundle
                KILLS=$((KILLS + 1))
                rand_ms 0 2; RESTART_AT=$((NOW + 500 + RAND_MS / 2))
                BUNDLE_STATE=down
                event "SIGKILL the bundle, $(secs $((NOW - BUNDLE_SINCE))) s after java started (kill $KILLS)"
            fi
            ;;
        down)
            if ((NOW >= RESTART_AT)); then
                start_bundle
                # the next kill: mostly 8-25 s after this start, one time in ten during the start-up itself
                if ((RANDOM % 10 == 0)); then
                    rand_ms 1 4
                else
                    rand_ms "$KILL_MIN" "$KILL_MAX"
                fi
                NEXT_KILL=$((NOW + RAND_MS))
                event "bundle restarted on the same folder and ports (start $STARTS)"
            fi
            ;;
    esac
    if ((API_DOWN == 0 && NOW >= NEXT_OUTAGE)); then
        if ((RANDOM % 2)); then kind=503; else kind=refused; fi
        api_state "$kind"
        API_DOWN=1
        OUTAGES=$((OUTAGES + 1))
        OUTAGE_KINDS+="$kind "
        rand_ms "$OUTAGE_MIN" "$OUTAGE_MAX"; OUTAGE_END=$((NOW + RAND_MS))
        OUTAGE_START=$NOW
        event "API DOWN ($kind) for $(secs "$RAND_MS") s (outage $OUTAGES)"
    elif ((API_DOWN == 1 && NOW >= OUTAGE_END)); then
        api_state up
        API_DOWN=0
        OUTAGE_MS=$((OUTAGE_MS + NOW - OUTAGE_START))
        rand_ms "$OUTAGE_EVERY_MIN" "$OUTAGE_EVERY_MAX"; NEXT_OUTAGE=$((NOW + RAND_MS))
        event "API UP"
    fi
    sleep 0.2
done
wait "$CLIENT_PID" || die "the load client failed (log: $RUN/client.log)"
event "load finished: $(kv sent "$RUN/client.log") webhooks sent, $(kv acked "$RUN/client.log") acked"

# ------------------------------------------------------------------------------------------------
# The end: the API up, the bundle running, everything worked off; the dead letters replayed once
# ------------------------------------------------------------------------------------------------
if ((API_DOWN == 1)); then
    api_state up
    API_DOWN=0
    now_ms
    OUTAGE_MS=$((OUTAGE_MS + NOW - OUTAGE_START))
    event "API UP (the end)"
fi
if [[ $BUNDLE_STATE == down ]] || ! bundle_alive; then
    bundle_alive || { [[ $BUNDLE_STATE == down ]] || bundle_exited; }
    start_bundle
    event "bundle restarted for the end (start $STARTS)"
fi
for ((i = 0; i < 1200; i++)); do
    bundle_ready && break
    bundle_alive || { tail -30 "$BUNDLE_LOG" >&2; die "the bundle exited while starting for the end (log: $BUNDLE_LOG)"; }
    sleep 0.1
done
bundle_ready || die "the bundle was not ready 120 s after its last start (log: $BUNDLE_LOG)"
BUNDLE_STATE=ready
event "bundle ready for the end"

DEAD=$HOME_DIR/data/dead-letter
OUTPUT=$HOME_DIR/output
# acked tickets with neither a result file nor a dead letter yet (by file names and the tickets the
# dead letters name: not their content, which the accounting checks)
unaccounted() {
    ls -A "$OUTPUT" 2>/dev/null >"$RUN/.results" || true
    (cd "$DEAD" 2>/dev/null && grep -ho '"ticket_number" *: *"[0-9a-f]*"' -- *.json 2>/dev/null) \
        | grep -o '[0-9a-f]\{24\}' >"$RUN/.dead" || true
    awk -F'\t' 'FILENAME ~ /[.]results$/ { file[$0] = 1; next } FILENAME ~ /[.]dead$/ { dead[$0] = 1; next }
        FNR > 1 && $3 == 1 && !($2 in dead) && !($7 in file) { missing++ }
        END { print missing + 0 }' "$RUN/.results" "$RUN/.dead" "$RUN/tickets.tsv"
}
# waits until every acked ticket has a result or a dead letter, or nothing changed for SOAK_QUIET s
settle() { # label; sets SETTLE_S
    local start last_change signature previous="" missing
    now_ms; start=$NOW; last_change=$NOW
    while :; do
        now_ms
        bundle_alive || { bundle_exited; start_bundle; event "bundle restarted (start $STARTS)"; }
        missing=$(unaccounted)
        if ((missing == 0)); then
            SETTLE_S=$(secs $((NOW - start)))
            event "$1: every acked ticket has a result or a dead letter after $SETTLE_S s"
            return 0
        fi
        signature="$({ find "$OUTPUT" "$DEAD" -maxdepth 1 -type f 2>/dev/null || true; } | wc -l) $(stat -c %s "$BUNDLE_LOG")"
        [[ $signature != "$previous" ]] && { previous=$signature; last_change=$NOW; }
        if ((NOW - last_change >= SOAK_QUIET * 1000)); then
            SETTLE_S=$(secs $((NOW - start)))
            event "$1: nothing changed for $SOAK_QUIET s ($missing acked tickets without a result or dead letter) after $SETTLE_S s"
            return 0
        fi
        if ((NOW - start >= SOAK_SETTLE_MAX * 1000)); then
            SETTLE_S=">$SOAK_SETTLE_MAX"
            event "$1: still changing after $SOAK_SETTLE_MAX s ($missing acked tickets without a result or dead letter): accounting as it is"
            return 0
        fi
        sleep 2
    done
}
settle "before replay"
SETTLE_BEFORE=$SETTLE_S
shopt -s nullglob
dead_letters=("$DEAD"/*.json)
DL_BEFORE=${#dead_letters[@]}
SETTLE_AFTER=-
if ((DL_BEFORE > 0)); then
    mkdir -p "$HOME_DIR/data/replay"
    mv -- "${dead_letters[@]}" "$HOME_DIR/data/replay/"
    event "replaying $DL_BEFORE dead letter(s)"
    for ((i = 0; i < 300; i++)); do
        waiting=("$HOME_DIR"/data/replay/*.json)
        ((${#waiting[@]} == 0)) && break
        sleep 0.2
    done
    settle "after replay"
    SETTLE_AFTER=$SETTLE_S
fi
dead_letters=("$DEAD"/*.json)
DL_AFTER=${#dead_letters[@]}
replay_failed=("$HOME_DIR"/data/replay/.failed/*.json)
mkdir -p "$RUN/report"
{ find "$OUTPUT" -maxdepth 1 -name '.*.part' -printf '%TT %s bytes %f\n' 2>/dev/null || true; } >"$RUN/report/left-over-part-files.txt"
PART_FILES=$(wc -l <"$RUN/report/left-over-part-files.txt")
SPOOL_FILES=$({ find "$HOME_DIR/data/spool" -type f 2>/dev/null || true; } | wc -l)
curl -s --max-time 5 "http://127.0.0.1:$MGMT_PORT/observe/metrics" >"$RUN/metrics-last-start.txt" || true
shopt -u nullglob
rm -f "$RUN/.results" "$RUN/.dead"

# ------------------------------------------------------------------------------------------------
# The accounting
# ------------------------------------------------------------------------------------------------
stop_pid "$BUNDLE_PID" 25
event "bundle stopped (SIGTERM)"
java -Xmx256m -cp "$CLASSES:$JAR" ai.huma.camel.bench.SoakAccount "$RUN/tickets.tsv" "$RUN/kills.txt" "$OUTPUT" "$RUN/report" \
    "$RUN"/bundle-*.log -- "$DEAD" "$HOME_DIR/data/replay/.failed" "$HOME_DIR/data/replay" >"$RUN/account.out" 2>&1 \
    || { cat "$RUN/account.out" >&2; die "the accounting failed"; }
a() { kv "$1" "$RUN/account.out"; }
c() { kv "$1" "$RUN/client.log"; }
LOST=$(a lost)
BUNDLE_LOGS=("$RUN"/bundle-*.log)
DUPLICATES=$(( $(count_lines 'duplicate delivery, already worked' "${BUNDLE_LOGS[@]}") + $(count_lines 'AMQ222059' "${BUNDLE_LOGS[@]}") ))
ERRORS=$(count_lines ' ERROR ' "${BUNDLE_LOGS[@]}")
WARN_503=$(count_lines 'answered 503' "${BUNDLE_LOGS[@]}")
OOM=$(count_lines 'OutOfMemoryError' "${BUNDLE_LOGS[@]}")
# the distinct ERROR and WARN messages (digits and ids folded), most frequent first
grep -h -E ' (ERROR|WARN) ' "${BUNDLE_LOGS[@]}" 2>/dev/null \
    | sed -E 's/^[0-9-]+ [0-9:.]+ //; s/\[[^]]*\] //; s/\(MessageId: [^)]*\)/(…)/; s/Message information:.*//;
        s/[0-9a-fA-F]{8}(-[0-9a-fA-F]{4,})+//g; s/[0-9a-f]{24}/<id>/g; s/[0-9]+/N/g' | cut -c1-200 \
    | sort | uniq -c | sort -rn >"$RUN/report/log-messages.txt" || true
outage_503=0
outage_refused=0
for kind in $OUTAGE_KINDS; do
    if [[ $kind == refused ]]; then outage_refused=$((outage_refused + 1)); else outage_503=$((outage_503 + 1)); fi
done
# the HUMA_* settings the bundle took from the soak's environment (values of secrets left out)
inherited_settings() {
    local name list=
    while read -r name; do
        [[ $name == HUMA_QUEUE_MODE || " $(not_passed | tr '\n' ' ') " == *" $name "* ]] && continue
        if [[ $name =~ PASSWORD|SECRET|KEY|TOKEN|AUTH ]]; then list+=", $name"; else list+=", $name=${!name}"; fi
    done < <(compgen -e | grep '^HUMA_' || true)
    [[ -n $list ]] && printf ' but%s from the environment' "${list#,}"
    return 0
}
fmt_map() { sed 's/[{}]//g; s/=/×/g' <<<"$1"; }

SUMMARY=$RUN/summary.md
{
    echo "## Soak: mode \`$MODE\`, $MINUTES min at $RATE webhooks/s"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git -C "$ROOT" status --porcelain -- src routes application.properties pom.xml 2>/dev/null) ]] && echo ' (with local changes)'), seed $SEED"
    echo "- machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
    echo "- bundle: queue \`${QUEUE_MODE:-?}\` (its ready line; $([[ $MODE == default ]] && echo 'HUMA_QUEUE_MODE unset' || echo "HUMA_QUEUE_MODE=$MODE")), settings built in$(inherited_settings), \`$SOAK_JAVA_OPTS\`"
    echo "- chaos: SIGKILL $KILL_MIN–$KILL_MAX s after each start (one start in ten: 1–4 s, during the start-up), restart 0.5–1.5 s later; API down $OUTAGE_MIN–$OUTAGE_MAX s every $OUTAGE_EVERY_MIN–$OUTAGE_EVERY_MAX s (503 or connection refused)"
    echo "- client: 3 attempts per webhook (5 s time-out, 1 s then 2 s apart), $SOAK_REPEAT of the acked ones repeated 1–15 s later"
    echo
    echo "| | |"
    echo "|---|---:|"
    echo "| bundle kills (SIGKILL), of which during start-up | $KILLS, $KILLS_STARTING |"
    echo "| bundle starts / exits it did by itself / starts not ready in 90 s | $STARTS / $EXITS / $SLOW_STARTS |"
    echo "| API outages (503 / refused), down in all | $OUTAGES ($outage_503 / $outage_refused), $(secs "$OUTAGE_MS") s |"
    echo "| webhooks sent (one ticket each) | $(c sent) |"
    echo "| attempts, and their answers | $(c attempts): $(fmt_map "$(c attempt_answers)") |"
    echo "| **acked** (answered 200) | $(c acked) |"
    echo "| refused (3 attempts, none 200: Huma gives up) | $(c refused) |"
    echo "| Huma's repeats of acked webhooks, and their answers | $(c repeats): $(fmt_map "$(c repeat_answers)") |"
    echo "| acked → complete result file | $(a acked_results) |"
    echo "| acked → readable dead letter (no result) | $(a acked_dead_letters) |"
    echo "| **LOST** (acked, neither) | **$LOST**$( [[ $LOST != 0 ]] && echo " (their answers: $(fmt_map "$(a lost_by_answers)"); from their 200 to the next SIGKILL: $(a lost_to_next_kill_ms) ms$( [[ $(a lost_without_kill_after) != 0 ]] && echo "; $(a lost_without_kill_after) with no SIGKILL after their 200"))") |"
    echo "| dead letters before replay / after replay | $DL_BEFORE / $DL_AFTER |"
    echo "| replays that failed (data/replay/.failed) | ${#replay_failed[@]} |"
    echo "| unreadable dead letters | $(a unreadable_dead_letters) |"
    echo "| incomplete result files | $(a incomplete_results) |"
    echo "| worked twice (a result fetched more than once, from the bundle's log), of which repeated by the client / acked after a retry | $(a worked_twice), $(a worked_twice_repeated) / $(a worked_twice_retried) |"
    echo "| results of webhooks never acked (taken, but the 200 never arrived) | $(a results_not_acked) |"
    echo "| duplicates dropped (log lines) | $DUPLICATES |"
    echo "| \"answered 503\" lines / ERROR lines / OutOfMemoryError | $WARN_503 / $ERRORS / $OOM |"
    echo "| left-over \`.part\` files in output/ / files in data/spool | $PART_FILES / $SPOOL_FILES |"
    echo "| time to settle after the load: before / after the replay, s | $SETTLE_BEFORE / $SETTLE_AFTER |"
    echo
    echo "Logs: \`${RUN#"$ROOT"/}/\` (timeline.log, bundle-NNN.log per start, client.log, tickets.tsv, report/)."
} >"$SUMMARY"
cp "$SUMMARY" "$RESULTS/latest.md"
cat "$SUMMARY"
if [[ $LOST != 0 ]]; then
    log "LOST $LOST acked webhook(s): ${RUN#"$ROOT"/}/report/lost.tsv"
    exit 1
fi
exit 0
}
