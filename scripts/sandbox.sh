# Shell helpers for starting a sandbox and reading its contract. Source this file.
#   sandbox_start [wx-sandbox args…]   starts one in a fresh temp dir; sets SANDBOX_PID, SANDBOX_DIR, SANDBOX_JSON
#   sandbox_stop                        stops it
#   sandbox_get KEY                     a top-level key of sandbox.json
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
        "ready "*) SANDBOX_JSON=${line#ready } ;;
        *) echo "unexpected sandbox output: $line" >&2; return 1 ;;
    esac
    export SANDBOX_JSON SANDBOX_PID SANDBOX_DIR
}

sandbox_stop() {
    if [ -n "${SANDBOX_PID:-}" ]; then
        kill -TERM "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
        SANDBOX_PID=
    fi
}

sandbox_get() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SANDBOX_JSON" "$1"
}

sandbox_order() {
    python3 -c 'import json,sys
o = json.load(open(sys.argv[1]))["orders"][int(sys.argv[2])]
print(o["related_webank_punish_no"], o["related_wxpay_punish_no"], o["mchid"], o["bal_account_no"])' "$SANDBOX_JSON" "$1"
}
