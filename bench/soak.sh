#!/usr/bin/env bash
# The soak: what a bad day loses. Sends Huma-like webhooks at a steady rate for some minutes while the
# bundle is killed with SIGKILL (and restarted on the same folder and ports) every 8-25 s and the fake
# Huma API goes down (503 or connection refused) for 2-8 s every 20-60 s. Then lets the bundle work
# everything off, replays the dead letters once, and accounts for every webhook that was answered 200:
# a complete result file, or a readable dead letter holding its payload, or LOST. Prints a markdown
# summary (also in bench/results/soak/latest.md); exits 1 if anything answered 200 was lost, a dead
# letter is unreadable or an event was worked twice beyond those a SIGKILL may cut (one per worker).
#
#   bench/soak.sh [--minutes 3] [--mode default|memory|durable|journal|broker|kafka] [--rate 15]
#                 [--instances N] [--no-build] [--keep] [--seed N]
#
# --mode default leaves HUMA_QUEUE_MODE unset (the bundle's default). --mode broker runs 2 instances
# (--instances), each its own folder, ports and kills, on the external Artemis of HUMA_BROKER_URL or,
# without it, on one the soak starts (SoakBroker, never killed); the webhooks go to the instances in
# turn, a refused connection to the next one, as a load balancer sends them. Timings (environment):
# SOAK_KILL_EVERY, SOAK_KILL_AFTER, SOAK_OUTAGE_EVERY, SOAK_OUTAGE_LENGTH ("min-max" seconds), SOAK_REPEAT, SOAK_QUIET,
# SOAK_SETTLE_MAX, SOAK_JAVA_OPTS, SOAK_BROKER_MAX_DELIVERY_ATTEMPTS. The HUMA_* settings of the
# environment reach the bundle, but for those that move its folders or outputs. See bench/README.md
# "The soak".
set -Eeuo pipefail
{ # the whole script is read before it runs: editing or checking out this file during a run cannot derail it

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=3
MODE=default
RATE=15
INSTANCES=   # 2 in broker mode, else 1
BUILD=1
KEEP=0
SEED=$(( $(date +%s) % 32768 ))
SOAK_KILL_EVERY=${SOAK_KILL_EVERY:-8-25}         # seconds between a bundle's start and its SIGKILL
SOAK_KILL_AFTER=${SOAK_KILL_AFTER:-start}        # ready: SOAK_KILL_EVERY counts from the moment it is ready
SOAK_OUTAGE_EVERY=${SOAK_OUTAGE_EVERY:-20-60}    # seconds between API outages
SOAK_OUTAGE_LENGTH=${SOAK_OUTAGE_LENGTH:-2-8}    # seconds an API outage lasts
SOAK_REPEAT=${SOAK_REPEAT:-0.05}                 # share of acked webhooks Huma sends once more
SOAK_QUIET=${SOAK_QUIET:-30}                     # seconds without any change: the bundle has worked everything
SOAK_SETTLE_MAX=${SOAK_SETTLE_MAX:-300}          # at most this long for it
SOAK_JAVA_OPTS=${SOAK_JAVA_OPTS:--XX:SharedArchiveFile=$ROOT/target/huma-camel.jsa -Xms64m -Xmx192m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError}
SOAK_BROKER_MAX_DELIVERY_ATTEMPTS=${SOAK_BROKER_MAX_DELIVERY_ATTEMPTS:-10} # the soak's own broker: Artemis's default

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
        --instances) INSTANCES=${2:?--instances needs a number}; shift ;;
        --no-build) BUILD=0 ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
[[ $SOAK_KILL_AFTER == start || $SOAK_KILL_AFTER == ready ]] || die "SOAK_KILL_AFTER: start or ready, not '$SOAK_KILL_AFTER'"
range OUTAGE_EVERY "$SOAK_OUTAGE_EVERY"
range OUTAGE "$SOAK_OUTAGE_LENGTH"
OWN_BROKER=0 # 1: the soak starts the external broker of broker mode itself (SoakBroker)
case $MODE in
    default|memory|durable|journal) ;;
    broker) [[ -n ${HUMA_BROKER_URL:-} ]] || OWN_BROKER=1 ;;
    kafka) [[ -n ${HUMA_KAFKA_BROKERS:-} ]] || die "mode kafka needs HUMA_KAFKA_BROKERS" ;;
    *) log "mode '$MODE' is not one the bundle knows today; trying it anyway (HUMA_QUEUE_MODE=$MODE)" ;;
esac
[[ -n $INSTANCES ]] || { [[ $MODE == broker ]] && INSTANCES=2 || INSTANCES=1; }
[[ $INSTANCES =~ ^[1-9]$ ]] || die "--instances: 1 to 9, not '$INSTANCES'"
if ((INSTANCES > 1)); then
    case $MODE in
        default|memory|durable|journal) die "--instances $INSTANCES: mode $MODE keeps its queue in one instance; several instances share a broker (--mode broker) or Kafka (--mode kafka)" ;;
    esac
fi
[[ $SOAK_BROKER_MAX_DELIVERY_ATTEMPTS =~ ^-?[0-9]+$ ]] || die "SOAK_BROKER_MAX_DELIVERY_ATTEMPTS: a number (-1: no limit), not '$SOAK_BROKER_MAX_DELIVERY_ATTEMPTS'"
RANDOM=$SEED

# ------------------------------------------------------------------------------------------------
# Processes: every one started is tracked and stopped on exit, whatever happens
# ------------------------------------------------------------------------------------------------
PIDS=()
PID_OF=() # the running bundle of each instance, empty once reaped
BROKER_PID=
RUN=
stop_pid() { # pid [seconds]: SIGTERM, then SIGKILL after the grace period
    local pid=$1 grace=${2:-20} i
    [[ -n $pid ]] || return 0
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
    for pid in "${PID_OF[@]}" "${PIDS[@]}"; do [[ -z $pid ]] || stop_pid "$pid" 25; done
    [[ -z $BROKER_PID ]] || stop_pid "$BROKER_PID" 60 # the broker last: the bundles may still be stopping
    if [[ -n $RUN && $KEEP == 0 ]]; then
        # the bulk (results, journals, spool); dead letters, replays, the delivery record and logs stay
        local home
        for home in "$RUN"/home "$RUN"/home-*; do
            [[ -d $home ]] && rm -rf "$home/output" "$home/data/broker" "$home/data/spool"
        done
        rm -rf "$RUN/broker"
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
# each instance: its home folder (a fresh one: the jar's built-in settings and routes, as deployed),
# its console logs, how it is named in the timeline; one instance keeps the names of old
HOME_OF=() TAG_OF=() THE=() BN=()
for ((i = 1; i <= INSTANCES; i++)); do
    if ((INSTANCES == 1)); then
        HOME_OF[i]=$RUN/home TAG_OF[i]= THE[i]="the bundle" BN[i]=bundle
    else
        HOME_OF[i]=$RUN/home-$i TAG_OF[i]=$i- THE[i]="bundle $i" BN[i]="bundle $i"
    fi
    mkdir -p "${HOME_OF[i]}"
done
OUTPUTS=() DEADS=()
for ((i = 1; i <= INSTANCES; i++)); do
    OUTPUTS+=("${HOME_OF[i]}/output")
    DEADS+=("${HOME_OF[i]}/data/dead-letter")
done
: >"$RUN/timeline.log"
: >"$RUN/kills.txt" # each SIGKILL: epoch ms, instance, log of the process killed, for the accounting
log "run folder ${RUN#"$ROOT"/}"
now_ms; RUN_START=$NOW

# secrets of this run only: in the environment of the processes, on no command line and in no log
API_SECRET_KEY=soak-api-key-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
CALLBACK_AUTH=soak-callback-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
PREFIX=50a4$(od -An -tx1 -N2 /dev/urandom | tr -d ' \n') # ticket numbers: prefix + 16 hex digits
COUNT=$(awk -v r="$RATE" -v m="$MINUTES" 'BEGIN { printf "%d", r * m * 60 + 10 }')

# ------------------------------------------------------------------------------------------------
# The fake Huma API (SoakHumaApi): up, or down as the state file says
# ------------------------------------------------------------------------------------------------
free_port; API_PORT=$PORT_FOUND
PORT_OF=() MGMT_OF=()
free_port; PORT_OF[1]=$PORT_FOUND
free_port; MGMT_OF[1]=$PORT_FOUND
for ((i = 2; i <= INSTANCES; i++)); do
    free_port; PORT_OF[i]=$PORT_FOUND
    free_port; MGMT_OF[i]=$PORT_FOUND
done
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
# Broker mode without HUMA_BROKER_URL: the external broker (SoakBroker), its journal in the run
# folder, one user; started once, never killed
# ------------------------------------------------------------------------------------------------
BROKER_URL=${HUMA_BROKER_URL:-}
if ((OWN_BROKER)); then
    free_port; BROKER_PORT=$PORT_FOUND
    BROKER_USER=soak
    BROKER_PASSWORD=soak-broker-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
    SOAK_BROKER_USER=$BROKER_USER SOAK_BROKER_PASSWORD=$BROKER_PASSWORD \
        SOAK_BROKER_MAX_DELIVERY_ATTEMPTS=$SOAK_BROKER_MAX_DELIVERY_ATTEMPTS \
        java -Xms64m -Xmx256m -XX:+UseSerialGC -cp "$CLASSES:$JAR" ai.huma.camel.bench.SoakBroker \
        "$BROKER_PORT" "$RUN/broker" >"$RUN/broker.log" 2>&1 &
    BROKER_PID=$!
    for ((i = 0; i < 1200; i++)); do
        grep -qs '^BROKER_URL=' "$RUN/broker.log" && break
        kill -0 "$BROKER_PID" 2>/dev/null || { tail -20 "$RUN/broker.log" >&2; die "the broker exited"; }
        sleep 0.1
    done
    BROKER_URL=$(kv BROKER_URL "$RUN/broker.log")
    [[ -n $BROKER_URL ]] || die "the broker did not start in 120 s (log: $RUN/broker.log)"
    log "broker at $BROKER_URL (SoakBroker: Artemis $(sed -n 's/.*Artemis Message Broker version \([^ ]*\).*/\1/p' "$RUN/broker.log" | head -1), journal in ${RUN#"$ROOT"/}/broker)"
fi

# ------------------------------------------------------------------------------------------------
# The bundle: started as README does, in the run's home folder, always on the same ports
# ------------------------------------------------------------------------------------------------
# the HUMA_* of the environment that would move what the soak reads (the home, data and output
# folders, the destinations, a transform) or that the soak sets itself: not passed to the bundle
not_passed() {
    compgen -e | grep -E '^HUMA_(HOME|DATA_DIR|OUTPUT_|DEAD_LETTER_|REPLAY_|TRANSFORM_|PORT$|HOST$|MANAGEMENT_PORT$|MANAGEMENT_HOST$)' || true
    # the soak's own broker: its URL and user are the soak's
    ((OWN_BROKER == 0)) || compgen -e | grep -E '^HUMA_BROKER_(URL|USER|PASSWORD)$' || true
}
STARTS=0
KILLS=0
KILLS_STARTING=0
EXITS=0          # exits the soak did not cause
SLOW_STARTS=0    # not ready within 90 s
# per instance (1..INSTANCES): pid, state (down, starting, ready), since when, log, starts, kills, the
# next kill, the next restart
PID_OF=() STATE_OF=() SINCE_OF=() LOG_OF=() STARTS_OF=() KILLS_OF=() NEXT_KILL_OF=() RESTART_AT_OF=() READY_AT_OF=()
NEVER=9000000000000000
for ((i = 1; i <= INSTANCES; i++)); do
    STATE_OF[i]=down STARTS_OF[i]=0 KILLS_OF[i]=0 RESTART_AT_OF[i]=0
done
start_bundle() { # instance
    local i=$1
    STARTS=$((STARTS + 1))
    STARTS_OF[i]=$((STARTS_OF[i] + 1))
    LOG_OF[i]=$RUN/bundle-${TAG_OF[i]}$(printf '%03d' "${STARTS_OF[i]}").log
    local envs=(API_URL="$API_URL" API_SECRET_KEY="$API_SECRET_KEY" API_CALLBACK_AUTH="$CALLBACK_AUTH"
        HUMA_PORT="${PORT_OF[i]}" HUMA_HOST=127.0.0.1 HUMA_MANAGEMENT_PORT="${MGMT_OF[i]}" HUMA_MANAGEMENT_HOST=127.0.0.1)
    [[ $MODE == default ]] || envs+=(HUMA_QUEUE_MODE="$MODE")
    ((OWN_BROKER == 0)) || envs+=(HUMA_BROKER_URL="$BROKER_URL" HUMA_BROKER_USER="$BROKER_USER" HUMA_BROKER_PASSWORD="$BROKER_PASSWORD")
    local unset=() name
    for name in HUMA_QUEUE_MODE $(not_passed); do unset+=(-u "$name"); done
    # shellcheck disable=SC2086 # SOAK_JAVA_OPTS is a list of flags
    (cd "${HOME_OF[i]}" && exec env "${unset[@]}" "${envs[@]}" java $SOAK_JAVA_OPTS -jar "$JAR") >"${LOG_OF[i]}" 2>&1 &
    PID_OF[i]=$! # not in PIDS: once waited for, its number may be another process's (cleanup stops PID_OF)
    now_ms
    SINCE_OF[i]=$NOW
    STATE_OF[i]=starting
}
bundle_ready() { [[ $(curl -s --max-time 1 "http://127.0.0.1:${PORT_OF[$1]}/" 2>/dev/null) == "hello!" ]]; }
bundle_alive() { [[ -n ${PID_OF[$1]} ]] && kill -0 "${PID_OF[$1]}" 2>/dev/null; }
bundle_exited() { # instance: it ended without the soak killing it: note it, restart it at once
    local i=$1 rc=0
    wait "${PID_OF[i]}" 2>/dev/null || rc=$?
    PID_OF[i]=
    EXITS=$((EXITS + 1))
    event "UNEXPECTED: ${THE[i]} exited by itself (exit code $rc, while ${STATE_OF[i]}; log $(basename "${LOG_OF[i]}")): restarting it"
    STATE_OF[i]=down
    now_ms
    RESTART_AT_OF[i]=$NOW
}
kill_bundle() { # instance
    local i=$1
    kill -KILL "${PID_OF[i]}" 2>/dev/null || true
    now_ms # after the signal: a line the process logged is older than this
    echo "$NOW $i $(basename "${LOG_OF[i]}")" >>"$RUN/kills.txt"
    KILLS_OF[i]=$((KILLS_OF[i] + 1))
    wait "${PID_OF[i]}" 2>/dev/null || true
    PID_OF[i]= # reaped: its number may go to another process
}
await_ready() { # instance what: waits up to 120 s for it to be ready, or dies
    local i=$1 n
    for ((n = 0; n < 1200; n++)); do
        bundle_ready "$i" && break
        bundle_alive "$i" || { tail -30 "${LOG_OF[i]}" >&2; die "${THE[i]} exited while starting $2 (log: ${LOG_OF[i]})"; }
        sleep 0.1
    done
    bundle_ready "$i" || die "${THE[i]} was not ready 120 s after its start $2 (log: ${LOG_OF[i]})"
    STATE_OF[i]=ready
}

# ------------------------------------------------------------------------------------------------
# The load and the chaos
# ------------------------------------------------------------------------------------------------
log "mode $MODE$([[ $MODE == default ]] && echo ' (HUMA_QUEUE_MODE unset)'), $MINUTES min at $RATE webhooks/s, seed $SEED"
for ((i = 1; i <= INSTANCES; i++)); do start_bundle "$i"; done
for ((i = 1; i <= INSTANCES; i++)); do await_ready "$i" "(the first)"; done
QUEUE_MODE=$(sed -n 's/.*| queue \([^|]*\) |.*/\1/p' "${LOG_OF[1]}" | head -1 | sed 's/ *$//')
if ((INSTANCES == 1)); then
    log "bundle ready on port ${PORT_OF[1]} (queue ${QUEUE_MODE:-?}), management on ${MGMT_OF[1]}"
else
    log "$INSTANCES bundles ready on ports ${PORT_OF[*]} (queue ${QUEUE_MODE:-?}), management on ${MGMT_OF[*]}"
fi
URLS=
for ((i = 1; i <= INSTANCES; i++)); do URLS+=${URLS:+,}http://127.0.0.1:${PORT_OF[i]}; done

SOAK_CALLBACK_AUTH=$CALLBACK_AUTH java -Xmx128m -XX:+UseSerialGC -cp "$CLASSES:$JAR" ai.huma.camel.bench.SoakClient \
    --url "$URLS" --rate "$RATE" --seconds $((MINUTES * 60)) --count "$COUNT" --prefix "$PREFIX" \
    --repeat "$SOAK_REPEAT" --out "$RUN/tickets.tsv" >"$RUN/client.log" 2>&1 &
CLIENT_PID=$!
PIDS+=("$CLIENT_PID")
now_ms
T0=$NOW
if ((INSTANCES == 1)); then
    event "load started; bundle up (start 1, queue ${QUEUE_MODE:-?}), API up"
else
    event "load started; $INSTANCES bundles up (queue ${QUEUE_MODE:-?}), API up"
fi
for ((i = 1; i <= INSTANCES; i++)); do
    rand_ms "$KILL_MIN" "$KILL_MAX"; NEXT_KILL_OF[i]=$((NOW + RAND_MS)) READY_AT_OF[i]=$NOW
done
rand_ms "$OUTAGE_EVERY_MIN" "$OUTAGE_EVERY_MAX"; NEXT_OUTAGE=$((NOW + RAND_MS))
OUTAGE_END=0
OUTAGES=0
OUTAGE_MS=0
OUTAGE_KINDS=

chaos() { # instance: one look at it, each its own kill schedule
    local i=$1
    case ${STATE_OF[i]} in
        starting)
            if ! bundle_alive "$i"; then
                bundle_exited "$i"
            elif ((NOW >= NEXT_KILL_OF[i])); then
                kill_bundle "$i"
                KILLS=$((KILLS + 1)); KILLS_STARTING=$((KILLS_STARTING + 1))
                rand_ms 0 2; RESTART_AT_OF[i]=$((NOW + 500 + RAND_MS / 2))
                STATE_OF[i]=down
                event "SIGKILL ${THE[i]} during its start-up, $(secs $((NOW - SINCE_OF[i]))) s after java started (kill $KILLS)"
            elif bundle_ready "$i"; then
                STATE_OF[i]=ready
                READY_AT_OF[i]=$NOW
                if ((NEXT_KILL_OF[i] == NEVER)); then # SOAK_KILL_AFTER=ready: the kill counts from now
                    rand_ms "$KILL_MIN" "$KILL_MAX"; NEXT_KILL_OF[i]=$((NOW + RAND_MS))
                fi
                event "${BN[i]} ready, $(secs $((NOW - SINCE_OF[i]))) s after java started (start ${STARTS_OF[i]})"
            elif ((NOW - SINCE_OF[i] > 90000)); then
                SLOW_STARTS=$((SLOW_STARTS + 1))
                event "UNEXPECTED: ${THE[i]} is not ready 90 s after java started (log $(basename "${LOG_OF[i]}")): SIGKILL and restart"
                kill_bundle "$i"
                STATE_OF[i]=down
                RESTART_AT_OF[i]=$NOW
            fi
            ;;
        ready)
            if ! bundle_alive "$i"; then
                bundle_exited "$i"
            elif ((NOW >= NEXT_KILL_OF[i])); then
                kill_bundle "$i"
                KILLS=$((KILLS + 1))
                rand_ms 0 2; RESTART_AT_OF[i]=$((NOW + 500 + RAND_MS / 2))
                STATE_OF[i]=down
                event "SIGKILL ${THE[i]}, $(secs $((NOW - SINCE_OF[i]))) s after java started$([[ $SOAK_KILL_AFTER == ready ]] && echo ", $(secs $((NOW - READY_AT_OF[i]))) s after it was ready") (kill $KILLS)"
            fi
            ;;
        down)
            if ((NOW >= RESTART_AT_OF[i])); then
                start_bundle "$i"
                # the next kill: mostly 8-25 s after this start (or after it is ready), one time in ten
                # during the start-up itself
                if ((RANDOM % 10 == 0)); then
                    rand_ms 1 4
                    NEXT_KILL_OF[i]=$((NOW + RAND_MS))
                elif [[ $SOAK_KILL_AFTER == start ]]; then
                    rand_ms "$KILL_MIN" "$KILL_MAX"
                    NEXT_KILL_OF[i]=$((NOW + RAND_MS))
                else
                    NEXT_KILL_OF[i]=$NEVER # drawn when it is ready
                fi
                event "${BN[i]} restarted on the same folder and ports (start ${STARTS_OF[i]})"
            fi
            ;;
    esac
}

while kill -0 "$CLIENT_PID" 2>/dev/null; do
    now_ms
    for ((i = 1; i <= INSTANCES; i++)); do chaos "$i"; done
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
LOAD_MS=$((NOW - T0))

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
for ((i = 1; i <= INSTANCES; i++)); do
    if [[ ${STATE_OF[i]} == down ]] || ! bundle_alive "$i"; then
        bundle_alive "$i" || { [[ ${STATE_OF[i]} == down ]] || bundle_exited "$i"; }
        start_bundle "$i"
        event "${BN[i]} restarted for the end (start ${STARTS_OF[i]})"
    fi
done
for ((i = 1; i <= INSTANCES; i++)); do await_ready "$i" "for the end"; done
if ((INSTANCES == 1)); then event "bundle ready for the end"; else event "bundles ready for the end"; fi

# acked tickets with neither a result file nor a dead letter yet, in any instance's folders (by file
# names and the tickets the dead letters name: not their content, which the accounting checks)
unaccounted() {
    local dir
    for dir in "${OUTPUTS[@]}"; do ls -A "$dir" 2>/dev/null || true; done >"$RUN/.results"
    for dir in "${DEADS[@]}"; do
        (cd "$dir" 2>/dev/null && grep -ho '"ticket_number" *: *"[0-9a-f]*"' -- *.json 2>/dev/null) \
            | grep -o '[0-9a-f]\{24\}' || true
    done >"$RUN/.dead"
    awk -F'\t' 'FILENAME ~ /[.]results$/ { file[$0] = 1; next } FILENAME ~ /[.]dead$/ { dead[$0] = 1; next }
        FNR > 1 && $3 == 1 && !($2 in dead) && !($7 in file) { missing++ }
        END { print missing + 0 }' "$RUN/.results" "$RUN/.dead" "$RUN/tickets.tsv"
}
# waits until every acked ticket has a result or a dead letter, or nothing changed for SOAK_QUIET s
settle() { # label; sets SETTLE_S
    local start last_change signature previous="" missing i sizes
    now_ms; start=$NOW; last_change=$NOW
    while :; do
        now_ms
        for ((i = 1; i <= INSTANCES; i++)); do
            bundle_alive "$i" || { bundle_exited "$i"; start_bundle "$i"; event "${BN[i]} restarted (start ${STARTS_OF[i]})"; }
        done
        missing=$(unaccounted)
        if ((missing == 0)); then
            SETTLE_S=$(secs $((NOW - start)))
            event "$1: every acked ticket has a result or a dead letter after $SETTLE_S s"
            return 0
        fi
        sizes=
        for ((i = 1; i <= INSTANCES; i++)); do sizes+=" $(stat -c %s "${LOG_OF[i]}")"; done
        signature="$({ find "${OUTPUTS[@]}" "${DEADS[@]}" -maxdepth 1 -type f 2>/dev/null || true; } | wc -l)$sizes"
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
count_files() { local files=("$@"); echo "${#files[@]}"; } # the files a glob found
REPLAYS=() REPLAYS_FAILED=()
for ((i = 1; i <= INSTANCES; i++)); do
    REPLAYS+=("${HOME_OF[i]}/data/replay")
    REPLAYS_FAILED+=("${HOME_OF[i]}/data/replay/.failed")
done
DL_BEFORE=0
for dir in "${DEADS[@]}"; do DL_BEFORE=$((DL_BEFORE + $(count_files "$dir"/*.json))); done
SETTLE_AFTER=-
if ((DL_BEFORE > 0)); then
    # each instance replays its own dead letters (the events go back to the queue: any instance may work them)
    for ((i = 1; i <= INSTANCES; i++)); do
        dead_letters=("${DEADS[i - 1]}"/*.json)
        ((${#dead_letters[@]} == 0)) && continue
        mkdir -p "${REPLAYS[i - 1]}"
        mv -- "${dead_letters[@]}" "${REPLAYS[i - 1]}/"
    done
    event "replaying $DL_BEFORE dead letter(s)"
    for ((n = 0; n < 300; n++)); do
        waiting=0
        for dir in "${REPLAYS[@]}"; do waiting=$((waiting + $(count_files "$dir"/*.json))); done
        ((waiting == 0)) && break
        sleep 0.2
    done
    settle "after replay"
    SETTLE_AFTER=$SETTLE_S
fi
DL_AFTER=0
for dir in "${DEADS[@]}"; do DL_AFTER=$((DL_AFTER + $(count_files "$dir"/*.json))); done
REPLAY_FAILED=0
for dir in "${REPLAYS_FAILED[@]}"; do REPLAY_FAILED=$((REPLAY_FAILED + $(count_files "$dir"/*.json))); done
mkdir -p "$RUN/report"
for ((i = 1; i <= INSTANCES; i++)); do
    # shellcheck disable=SC2059 # the instance's name, when there are several, heads each line
    { find "${OUTPUTS[i - 1]}" -maxdepth 1 -name '.*.part' -printf "${TAG_OF[i]:+bundle ${TAG_OF[i]%-}: }%TT %s bytes %f\n" 2>/dev/null || true; }
done >"$RUN/report/left-over-part-files.txt"
PART_FILES=$(wc -l <"$RUN/report/left-over-part-files.txt")
SPOOL_FILES=0
for ((i = 1; i <= INSTANCES; i++)); do
    SPOOL_FILES=$((SPOOL_FILES + $({ find "${HOME_OF[i]}/data/spool" -type f 2>/dev/null || true; } | wc -l)))
    metrics=$RUN/metrics-last-start${TAG_OF[i]:+-${TAG_OF[i]%-}}.txt
    curl -s --max-time 5 "http://127.0.0.1:${MGMT_OF[i]}/observe/metrics" >"$metrics" || true
done
shopt -u nullglob
rm -f "$RUN/.results" "$RUN/.dead"

# ------------------------------------------------------------------------------------------------
# The accounting
# ------------------------------------------------------------------------------------------------
for ((i = 1; i <= INSTANCES; i++)); do stop_pid "${PID_OF[i]}" 25; done
if ((INSTANCES == 1)); then event "bundle stopped (SIGTERM)"; else event "bundles stopped (SIGTERM)"; fi
# the soak's broker: SIGTERM, and what its queues still hold (SoakBroker prints it as it stops)
BROKER_LEFT=- BROKER_KILLED=- BROKER_DLQ=- BROKER_DELIVERIES=-
if ((OWN_BROKER)); then
    stop_pid "$BROKER_PID" 60
    BROKER_PID=
    event "broker stopped (SIGTERM)"
    if grep -q '^STOPPED' "$RUN/broker.log"; then
        BROKER_LEFT=$(awk '/^QUEUE name=huma[.]/ { sub("messages=", "", $3); s += $3 } END { print s + 0 }' "$RUN/broker.log")
        BROKER_KILLED=$(awk '/^QUEUE name=/ { sub("killed=", "", $7); s += $7 } END { print s + 0 }' "$RUN/broker.log")
        BROKER_DLQ=$(grep -c '^DLQ ' "$RUN/broker.log" || true)
        BROKER_DELIVERIES=$(sed -n 's/^DELIVERIES_AT_ACK \(.*\)/\1/p' "$RUN/broker.log" | tail -1)
        grep -E '^(QUEUE|DLQ|ExpiryQueue|DELIVERIES_AT_ACK) ' "$RUN/broker.log" >"$RUN/report/broker-queues.txt" || true
    fi
fi
DEAD_DIRS=("${DEADS[@]}" "${REPLAYS_FAILED[@]}" "${REPLAYS[@]}")
if ((INSTANCES == 1)); then # the order of old
    DEAD_DIRS=("${DEADS[0]}" "${REPLAYS_FAILED[0]}" "${REPLAYS[0]}")
fi
# a kill may cut one event per worker of the queue: huma.workers, the bundle's 4 unless HUMA_WORKERS says
java -Xmx256m -Dsoak.workers="${HUMA_WORKERS:-4}" -cp "$CLASSES:$JAR" ai.huma.camel.bench.SoakAccount "$RUN/tickets.tsv" "$RUN/kills.txt" \
    "$(IFS=:; echo "${OUTPUTS[*]}")" "$RUN/report" "$RUN"/bundle-*.log -- "${DEAD_DIRS[@]}" >"$RUN/account.out" 2>&1 \
    || { cat "$RUN/account.out" >&2; die "the accounting failed"; }
a() { kv "$1" "$RUN/account.out"; }
c() { kv "$1" "$RUN/client.log"; }
LOST=$(a lost)
UNREADABLE=$(a unreadable_dead_letters)
BEYOND=$(a worked_twice_beyond_allowance)
BUNDLE_LOGS=("$RUN"/bundle-*.log)
DUPLICATES=$(( $(count_lines 'duplicate delivery, already worked' "${BUNDLE_LOGS[@]}") + $(count_lines 'AMQ222059' "${BUNDLE_LOGS[@]}") ))
if ((OWN_BROKER)); then # the external broker drops Huma's repeats in its own log
    DUPLICATES=$((DUPLICATES + $(count_lines 'AMQ222059' "$RUN/broker.log")))
    grep -h -E ' (ERROR|WARN) ' "$RUN/broker.log" 2>/dev/null \
        | sed -E 's/^[0-9-]+ [0-9:.]+ //; s/\[[^]]*\] //; s/\(MessageId: [^)]*\)/(…)/; s/Message information:.*//;
            s/[0-9a-fA-F]{8}(-[0-9a-fA-F]{4,})+//g; s/[0-9a-f]{24}/<id>/g; s/[0-9]+/N/g' | cut -c1-200 \
        | sort | uniq -c | sort -rn >"$RUN/report/broker-log-messages.txt" || true
fi
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
    if ((INSTANCES > 1)); then
        echo "- instances: $INSTANCES, each its own folder (\`home-1/\`…) and ports, killed and restarted each on its own schedule"
    fi
    if ((OWN_BROKER)); then
        echo "- broker: the soak's own (\`SoakBroker\`, Artemis $(sed -n 's/.*Artemis Message Broker version \([^ ]*\).*/\1/p' "$RUN/broker.log" | head -1) in a process of its own, persistent journal synced, security on, set up as \`artemis create\` does: $SOAK_BROKER_MAX_DELIVERY_ATTEMPTS delivery attempts then \`DLQ\`, redelivery delay 0, id-cache-size 20 000), started once, never killed"
    elif [[ $MODE == broker ]]; then
        echo "- broker: external, \`HUMA_BROKER_URL=$BROKER_URL\`"
    fi
    echo "- chaos: SIGKILL $KILL_MIN–$KILL_MAX s after each start$([[ $SOAK_KILL_AFTER == ready ]] && echo ' was ready (SOAK_KILL_AFTER=ready)') (one start in ten: 1–4 s, during the start-up), restart 0.5–1.5 s later$( ((INSTANCES > 1)) && echo ', each instance on its own schedule'); API down $OUTAGE_MIN–$OUTAGE_MAX s every $OUTAGE_EVERY_MIN–$OUTAGE_EVERY_MAX s (503 or connection refused)"
    echo "- client: 3 attempts per webhook (5 s time-out, 1 s then 2 s apart), $SOAK_REPEAT of the acked ones repeated 1–15 s later$( ((INSTANCES > 1)) && echo "; each request to the next instance in turn, a refused connection to the next one (a load balancer)")"
    echo
    echo "| | |"
    echo "|---|---:|"
    echo "| bundle kills (SIGKILL), of which during start-up | $KILLS, $KILLS_STARTING |"
    echo "| bundle starts / exits it did by itself / starts not ready in 90 s | $STARTS / $EXITS / $SLOW_STARTS |"
    if ((INSTANCES > 1)); then
        per=
        for ((i = 1; i <= INSTANCES; i++)); do per+="${per:+, }$i: ${KILLS_OF[i]} / ${STARTS_OF[i]}"; done
        echo "| kills / starts per instance | $per |"
    fi
    echo "| API outages (503 / refused), down in all | $OUTAGES ($outage_503 / $outage_refused), $(secs "$OUTAGE_MS") s |"
    echo "| webhooks sent (one ticket each) | $(c sent) |"
    echo "| attempts, and their answers | $(c attempts): $(fmt_map "$(c attempt_answers)") |"
    echo "| **acked** (answered 200) | $(c acked) |"
    echo "| refused (3 attempts, none 200: Huma gives up) | $(c refused) |"
    echo "| Huma's repeats of acked webhooks, and their answers | $(c repeats): $(fmt_map "$(c repeat_answers)") |"
    if ((INSTANCES > 1)); then
        echo "| acked per instance (the one that answered the 200) | $(sed 's/[{}]//g; s/=/: /g' <<<"$(c acked_by)") |"
        echo "| requests refused by an instance and sent to the next (the load balancer) | $(c failovers) |"
    fi
    echo "| acked → complete result file | $(a acked_results) |"
    echo "| acked → readable dead letter (no result) | $(a acked_dead_letters) |"
    echo "| **LOST** (acked, neither) | **$LOST**$( [[ $LOST != 0 ]] && echo " (their answers: $(fmt_map "$(a lost_by_answers)"); from their 200 to the next SIGKILL: $(a lost_to_next_kill_ms) ms$( [[ $(a lost_without_kill_after) != 0 ]] && echo "; $(a lost_without_kill_after) with no SIGKILL after their 200"))") |"
    echo "| dead letters before replay / after replay | $DL_BEFORE / $DL_AFTER |"
    echo "| replays that failed (data/replay/.failed) | $REPLAY_FAILED |"
    echo "| unreadable dead letters | $UNREADABLE |"
    echo "| incomplete result files | $(a incomplete_results) |"
    echo "| worked twice (a result fetched more than once, from the bundle's log), of which repeated by the client / acked after a retry | $(a worked_twice), $(a worked_twice_repeated) / $(a worked_twice_retried) |"
    echo "| worked twice after a SIGKILL of the process that had worked it / without one; most at one kill | $(a worked_twice_after_kill) / $(a worked_twice_without_kill); $(a worked_twice_most_at_one_kill) |"
    echo "| **worked twice beyond one per worker at a kill** ($(a worked_twice_allowance_per_kill) workers on the queue), and beyond one at a kill | **$BEYOND**, $(a worked_twice_beyond_one_at_a_kill) |"
    if ((INSTANCES > 1)); then
        per=
        for ((i = 1; i <= INSTANCES; i++)); do
            per+="${per:+, }$i: $({ find "${OUTPUTS[i - 1]}" -maxdepth 1 -type f -name '*.json' 2>/dev/null || true; } | wc -l)"
        done
        echo "| result files per instance (its output/) / results written by both (each a complete file) | $per / $(a results_in_two_folders) |"
    fi
    if ((OWN_BROKER)); then
        echo "| broker at the end: messages left on the huma queues / sent to DLQ after too many deliveries / in DLQ | $BROKER_LEFT / $BROKER_KILLED / $BROKER_DLQ |"
        echo "| deliveries a message had taken when it was acked (broker), messages | $(fmt_map "${BROKER_DELIVERIES:--}") |"
    fi
    echo "| results of webhooks never acked (taken, but the 200 never arrived) | $(a results_not_acked) |"
    echo "| duplicates dropped (log lines) | $DUPLICATES |"
    echo "| \"answered 503\" lines / ERROR lines / OutOfMemoryError | $WARN_503 / $ERRORS / $OOM |"
    echo "| left-over \`.part\` files in output/ / files in data/spool | $PART_FILES / $SPOOL_FILES |"
    echo "| time to settle after the load: before / after the replay, s | $SETTLE_BEFORE / $SETTLE_AFTER |"
    now_ms
    echo "| duration: the load / the whole run (start-up, settling and accounting too), s | $(secs "$LOAD_MS") / $(secs $((NOW - RUN_START))) |"
    echo
    echo "Logs: \`${RUN#"$ROOT"/}/\` (timeline.log, bundle-$( ((INSTANCES > 1)) && echo 'I-')NNN.log per start, client.log, tickets.tsv$( ((OWN_BROKER)) && echo ', broker.log'), report/)."
} >"$SUMMARY"
cp "$SUMMARY" "$RESULTS/latest.md"
cat "$SUMMARY"
FAILED=0
if [[ $LOST != 0 ]]; then
    log "LOST $LOST acked webhook(s): ${RUN#"$ROOT"/}/report/lost.tsv"
    FAILED=1
fi
if [[ $UNREADABLE != 0 ]]; then
    log "$UNREADABLE unreadable dead letter(s): ${RUN#"$ROOT"/}/report/unreadable-dead-letters.txt"
    FAILED=1
fi
if [[ $BEYOND != 0 ]]; then
    log "$BEYOND working(s) beyond one per worker at a kill: ${RUN#"$ROOT"/}/report/worked-twice.tsv"
    FAILED=1
fi
exit $FAILED
}
