# Shell helpers for starting a sandbox and reading its contract. Source this file.
#   sandbox_start [wx-sandbox args…]   starts one in a fresh temp dir; sets SANDBOX_PID, SANDBOX_DIR,
#                                       SANDBOX_JSON and SANDBOX_ENV (the flat KEY=VALUE file)
#   sandbox_stop                        stops it
#   sandbox_get KEY                     a top-level key of sandbox.json (read from SANDBOX_ENV)
#   sandbox_fault KIND [COUNT] [opts…]  installs a fault (wx-sandbox fault)
#   sandbox_order I                     order I's fields, space separated:
#                                       related_webank_punish_no related_wxpay_punish_no mchid bal_account_no

: "${WX_SANDBOX_BIN:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/release/wx-sandbox}"

sandbox_start() {
    SANDBOX_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wx-sandbox.XXXXXX")
    local fifo="$SANDBOX_DIR/ready.fifo"
    mkfifo "$fifo"
    "$WX_SANDBOX_BIN" --state-dir "$SANDBOX_DIR/state" "$@" >"$fifo" 2>"$SANDBOX_DIR/sandbox.log" &
    SANDBOX_PID=$!
    local line=""
    if ! read -r -t 60 line <"$fifo"; then
        echo "sandbox did not become ready; its log:" >&2
        cat "$SANDBOX_DIR/sandbox.log" >&2
        return 1
    fi
    case "$line" in
        "ready "*) SANDBOX_JSON=${line#ready }; SANDBOX_ENV=$(dirname "$SANDBOX_JSON")/sandbox.env ;;
        *) echo "unexpected sandbox output: $line" >&2; return 1 ;;
    esac
    export SANDBOX_JSON SANDBOX_ENV SANDBOX_PID SANDBOX_DIR
}

sandbox_stop() {
    if [ -n "${SANDBOX_PID:-}" ]; then
        kill -TERM "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
        SANDBOX_PID=
    fi
}

sandbox_env() { # sandbox_env KEY: one value of the env file
    local line
    while IFS= read -r line; do
        case "$line" in "$1="*) printf '%s\n' "${line#*=}"; return 0 ;; esac
    done <"$SANDBOX_ENV"
    echo "sandbox.env has no $1" >&2
    return 1
}

sandbox_get() {
    sandbox_env "${1^^}"
}

sandbox_order() {
    local i=$1
    echo "$(sandbox_env "ORDER_${i}_RELATED_WEBANK_PUNISH_NO") $(sandbox_env "ORDER_${i}_RELATED_WXPAY_PUNISH_NO") $(sandbox_env "ORDER_${i}_MCHID") $(sandbox_env "ORDER_${i}_BAL_ACCOUNT_NO")"
}

sandbox_fault() {
    "$WX_SANDBOX_BIN" fault "$@" --env-file "$SANDBOX_ENV"
}
