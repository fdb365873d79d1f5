#!/bin/bash
# Records the DUMPALL of the REAL dummy-ups (NUT 2.8.0, /lib/nut/dummy-ups)
# for every nut-ddl corpus file, for tests/ddl_corpus.rs:
#
#   nut-server/tests/record_real_dummy_dumps.sh OUTDIR [CORPUS_DDL_DIR] [JOBS]
#   NUT_DUMMY_REAL_DUMPS=OUTDIR cargo test -p nut-server --test ddl_corpus -- --nocapture
#
# Each file runs in its own temporary NUT_CONFPATH/NUT_STATEPATH with
# `port = x.<ext>`; no network port is used. A dump the driver cuts short
# (2.8.0 drops a slow socket reader in "synchronous = auto") is retried
# with "synchronous = yes". Every driver is stopped by its PID.
set -u
OUT=${1:?usage: $0 OUTDIR [CORPUS_DDL_DIR] [JOBS]}
DDL=${2:-$(dirname "$0")/../../../shared/corpus/ddl}
JOBS=${3:-4}
DRIVER=${DUMMY_UPS:-/lib/nut/dummy-ups}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DDL=$(cd "$DDL" && pwd)

record_one() {
    local f=$1 sync=$2 name lab pid ext
    name=$(echo "${f#"$DDL"/}" | sed 's|/|__|g')
    [ -s "$OUT/$name.dump" ] && return 0
    lab=$(mktemp -d -t nutrec.XXXXXX); mkdir -p "$lab/state"
    ext=${f##*.}
    cp "$f" "$lab/x.$ext"
    printf '[d]\ndriver = dummy-ups\nport = x.%s\n' "$ext" > "$lab/ups.conf"
    [ "$sync" = yes ] && echo 'synchronous = yes' >> "$lab/ups.conf"
    NUT_CONFPATH=$lab NUT_STATEPATH=$lab/state NUT_ALTPIDPATH=$lab/state \
        timeout 30 "$DRIVER" -a d -u root -D > "$lab/log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do [ -S "$lab/state/dummy-ups-d" ] && break; sleep 0.1; done
    python3 - "$lab/state/dummy-ups-d" > "$lab/dump" <<'EOF'
import select, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"DUMPALL\n")
buf, end = b"", time.time() + 10
while time.time() < end and not buf.endswith(b"DUMPDONE\n"):
    if select.select([s], [], [], 1)[0]:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
sys.stdout.write(buf.decode("latin1"))
EOF
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    if tail -1 "$lab/dump" | grep -qx DUMPDONE; then
        mv "$lab/dump" "$OUT/$name.dump"
    elif [ "$sync" != yes ]; then
        rm -rf "$lab"; record_one "$f" yes; return
    else
        echo "FAILED: $f (see the driver log below)" >&2; tail -3 "$lab/log" >&2
    fi
    rm -rf "$lab"
}
export -f record_one
export OUT DDL DRIVER

find "$DDL" -type f \( -name '*.dev' -o -name '*.seq' \) -print0 |
    xargs -0 -n1 -P"$JOBS" bash -c 'record_one "$1" no' _
echo "recorded $(ls "$OUT" | grep -c '\.dump$') dumps in $OUT"
