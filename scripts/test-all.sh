#!/usr/bin/env bash
# The whole check suite, as CI runs it (.ci/run calls this script).
#
#   scripts/test-all.sh              # every stage, in order
#   scripts/test-all.sh test deps    # only the named stages
#   scripts/test-all.sh --list       # stage names
#
# Stages: fmt, deps, clippy, test, oracle, docs, fuzz. Each prints `== stage: NAME`, times itself, and
# a failing stage does not stop the others; the script exits non-zero if any failed.
# It installs what is missing first: Debian's real NUT 2.8.0 (the oracle for the `oracle` test
# binary) when /lib/nut/upsd is absent, and cargo-fuzz when the fuzz stage runs without it.
#
# Environment:
#   CI=true                 oracle tests must run (NUT_ORACLE_REQUIRED=1), nextest profile `ci`
#   NUT_TEST_FEATURES       features for the test stage (default nut-cli/tls, see stage_test)
#   FUZZ_SECONDS=10         libFuzzer time per fuzz target
#   FUZZ_SANITIZER=none     cargo-fuzz sanitizer (none|address|...); `none` builds and runs faster
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD

ALL_STAGES=(fmt deps clippy test oracle docs fuzz)
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
FUZZ_SANITIZER=${FUZZ_SANITIZER:-none}
# Crates that must not depend on tokio with default features (style guide Rule 4).
CORE_CRATES=(nut-proto nut-hid nut-serial nut-snmp nut-monitor)

is_ci() { [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; }

if is_ci; then
    export CARGO_INCREMENTAL=0      # a fresh clone gains nothing from incremental artifacts
    export CARGO_TERM_COLOR=never
    export NUT_ORACLE_REQUIRED=1    # a missing real NUT must fail, not skip
fi

log() { printf '%s\n' "$*"; }

# ---------------------------------------------------------------------------------------------
# Installation of missing tools
# ---------------------------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
    if [[ $(id -u) -ne 0 ]]; then
        log "warning: not root, cannot apt-get install $*; the oracle tests will skip" \
            "(or fail under CI)"
        return 0
    fi
    if [[ $APT_UPDATED -eq 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q
        APT_UPDATED=1
    fi
    # Packages are installed for their programs, not their services (snmpd would start an
    # agent on port 161): a temporary policy-rc.d keeps maintainer scripts from starting any.
    local policy=/usr/sbin/policy-rc.d own_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && own_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" || rc=$?
    [[ $own_policy -eq 1 ]] && rm -f "$policy"
    return "$rc"
}

# Debian packages for the oracle tests (nut-server nut-client nut-snmp python3-nut socat,
# iproute2 for the multi-host upsmon scenario), each checked
# by a file it installs, so a partial install is completed.
ensure_real_nut() {
    local missing=()
    [[ -x /lib/nut/upsd && -x /lib/nut/dummy-ups ]] || missing+=(nut-server)
    [[ -x /bin/upsc ]] || missing+=(nut-client)
    [[ -x /lib/nut/snmp-ups ]] || missing+=(nut-snmp)
    [[ -x /lib/nut/netxml-ups ]] || missing+=(nut-xml)
    [[ -x /usr/bin/python3 ]] && python3 -c 'import ensurepip' 2>/dev/null \
        || missing+=(python3-venv)
    command -v ip >/dev/null || missing+=(iproute2)
    [[ -f /usr/lib/python3/dist-packages/PyNUT.py ]] || missing+=(python3-nut)
    command -v socat >/dev/null || missing+=(socat)
    # net-snmp's tools and agent: our SNMPv3 agent and client against a second implementation
    command -v snmpget >/dev/null || missing+=(snmp)
    [[ -x /usr/sbin/snmpd ]] || missing+=(snmpd)
    if [[ ${#missing[@]} -gt 0 ]]; then
        log "installing real NUT for the oracle tests: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

# snmpsim (PyPI) for the SNMP oracle against a second agent implementation, in a venv made
# with Debian's python3 in a directory `nobody` can read (snmpsim drops to nobody as root; see
# real-nut-lab.md §5). The test finds it through SNMPSIM_VENV; under CI it must be there.
SNMPSIM_VENV_DIR=${SNMPSIM_VENV_DIR:-/var/tmp/nut-rs-snmpsim-venv}
ensure_snmpsim() {
    if [[ ! -x $SNMPSIM_VENV_DIR/bin/snmpsim-command-responder ]]; then
        log "installing snmpsim into $SNMPSIM_VENV_DIR"
        /usr/bin/python3 -m venv "$SNMPSIM_VENV_DIR" \
            && "$SNMPSIM_VENV_DIR/bin/pip" install -q snmpsim pysmi \
            || { log "warning: could not install snmpsim; its oracle test will skip (fail under CI)"; return 0; }
    fi
    chmod -R a+rX "$SNMPSIM_VENV_DIR"
    export SNMPSIM_VENV=$SNMPSIM_VENV_DIR
    is_ci && export NUT_RS_REQUIRE_SNMPSIM=1
    return 0
}

ensure_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        log "installing cargo-fuzz"
        cargo install --locked cargo-fuzz
    fi
}

# cargo-fuzz needs nightly flags: use the nightly toolchain when rustup has one, otherwise let
# the stable compiler accept them (RUSTC_BOOTSTRAP=1, as rustls CI does).
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    FUZZ=(cargo +nightly fuzz)
else
    FUZZ=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi

# ---------------------------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------------------------

stage_fmt() {
    if is_ci; then
        cargo fmt --all --check -- --color never   # CI logs show escape codes raw
    else
        cargo fmt --all --check
    fi
}

stage_clippy() {
    # --keep-going: report every crate's lints in one run, not just the first failing crate's.
    cargo clippy --workspace --all-targets --keep-going -- -D warnings
}

stage_docs() {
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
}

TEST_LOG=$(mktemp -t nut-test-all.XXXXXX)
trap 'rm -f "$TEST_LOG"' EXIT

stage_test() {
    ensure_real_nut
    ensure_snmpsim
    local profile=default
    is_ci && profile=ci
    # Debian's NUT clients are built with SSL and print `Init SSL without certificate
    # database`; ours do that only with nut-cli's `tls` feature, so the oracle tests run with it
    # to compare byte for byte. Same features for doctests, so nothing is built twice.
    local features=()
    if grep -qE '^tls *=' nut-cli/Cargo.toml; then
        features=(--features "${NUT_TEST_FEATURES:-nut-cli/tls}")
    fi
    local rc=0
    # The corpus-wide client oracle has its own stage (stage_oracle); every
    # other real-NUT comparison runs here with the crate it checks.
    cargo nextest run --workspace "${features[@]}" --profile "$profile" \
        -E 'not (package(nut-cli) & binary(oracle))' 2>&1 \
        | tee "$TEST_LOG" || rc=$?
    # nextest does not run doctests; run them even when nextest failed.
    cargo test --workspace "${features[@]}" --doc 2>&1 | tee -a "$TEST_LOG" || rc=$?
    return "$rc"
}

# The oracle: our clients against the real upsd and dummy-ups serving every corpus dump, byte for
# byte (nut-cli/tests/oracle). Under CI a missing real NUT fails (NUT_ORACLE_REQUIRED=1).
stage_oracle() {
    ensure_real_nut
    local profile=default
    is_ci && profile=ci
    cargo nextest run -p nut-cli --test oracle --profile "$profile" 2>&1 | tee -a "$TEST_LOG"
}

# Rule 4: the core crates never pull tokio in with their default features.
stage_deps() {
    local crate out err rc bad=0
    local err_file
    err_file=$(mktemp)
    for crate in "${CORE_CRATES[@]}"; do
        rc=0
        out=$(cargo tree -p "$crate" -e normal -i tokio 2>"$err_file") || rc=$?
        err=$(cat "$err_file")
        if [[ -n $out ]]; then
            log "FAIL: $crate depends on tokio with default features:"
            log "$out"
            bad=1
        elif [[ $rc -ne 0 && $err != *"did not match any packages"* ]]; then
            # "did not match" means tokio is not in the crate's graph at all: that passes.
            log "FAIL: cargo tree -p $crate failed:"
            log "$err"
            bad=1
        else
            log "ok: $crate does not depend on tokio"
        fi
    done
    rm -f "$err_file"
    return "$bad"
}

stage_fuzz() {
    if [[ ! -f fuzz/Cargo.toml ]]; then
        log "no fuzz/Cargo.toml: nothing to fuzz"
        return 0
    fi
    ensure_cargo_fuzz
    local targets target scratch bad=0
    targets=$("${FUZZ[@]}" list)
    if [[ -z $targets ]]; then
        log "FAIL: fuzz/ has no targets"
        return 1
    fi
    "${FUZZ[@]}" build --sanitizer "$FUZZ_SANITIZER"
    scratch=$(mktemp -d -t nut-fuzz.XXXXXX)
    for target in $targets; do
        log "-- fuzz $target for ${FUZZ_SECONDS}s"
        # New inputs go to a scratch corpus; the committed seeds (if any) are only read.
        # Quiet libFuzzer (-verbosity=0): a crash still prints its input, base64 and the
        # reproduce command; the final stats show how many inputs ran.
        local corpora=("$scratch/$target")
        mkdir -p "$scratch/$target"
        [[ -d fuzz/corpus/$target ]] && corpora+=("fuzz/corpus/$target")
        if ! timeout --kill-after=10 $((FUZZ_SECONDS + 120)) \
            "${FUZZ[@]}" run --sanitizer "$FUZZ_SANITIZER" "$target" "${corpora[@]}" -- \
            -max_total_time="$FUZZ_SECONDS" -verbosity=0 -print_final_stats=1; then
            log "FAIL: fuzz target $target"
            bad=1
        fi
    done
    rm -rf "$scratch"
    return "$bad"
}

# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------

usage() {
    log "usage: scripts/test-all.sh [--list] [STAGE...]"
    log "stages: ${ALL_STAGES[*]}"
}

STAGES=()
for arg in "$@"; do
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --list) printf '%s\n' "${ALL_STAGES[@]}"; exit 0 ;;
        *)
            if [[ " ${ALL_STAGES[*]} " != *" $arg "* ]]; then
                log "unknown stage: $arg"; usage; exit 2
            fi
            STAGES+=("$arg") ;;
    esac
done
[[ ${#STAGES[@]} -gt 0 ]] || STAGES=("${ALL_STAGES[@]}")

log "test-all: stages ${STAGES[*]} in $REPO_ROOT ($(cargo --version))"
SUMMARY=()
FAILED=0
RUN_START=$(date +%s)
for stage in "${STAGES[@]}"; do
    log ""
    log "== stage: $stage"
    start=$(date +%s)
    # The subshell keeps `set -e` active inside the stage (an `if` or `||` would switch it off).
    set +e
    ( set -euo pipefail; "stage_$stage" )
    rc=$?
    set -e
    secs=$(( $(date +%s) - start ))
    if [[ $rc -eq 0 ]]; then
        status=passed
    else
        status="FAILED (exit $rc)"
        FAILED=$((FAILED + 1))
    fi
    log "== stage: $stage $status in ${secs}s"
    SUMMARY+=("$(printf '%-8s %-18s %5ss' "$stage" "$status" "$secs")")
done

log ""
log "== summary ($(( $(date +%s) - RUN_START ))s in all)"
printf '  %s\n' "${SUMMARY[@]}"

if [[ $FAILED -gt 0 ]]; then
    log "test-all: $FAILED stage(s) failed"
else
    log "test-all: all stages passed"
fi

# Repeat the test counts last, as one plain line, so the CI log closes on them:
# nextest's "N tests run: P passed, F failed, S skipped" plus the doctests' "test result" lines.
if [[ -s $TEST_LOG ]]; then
    passed=0 failed=0 skipped=0
    # One nextest summary per nextest run (the test and oracle stages): add them up.
    while read -r line; do
        [[ $line =~ ([0-9]+)\ passed ]] && passed=$((passed + BASH_REMATCH[1]))
        [[ $line =~ ([0-9]+)\ failed ]] && failed=$((failed + BASH_REMATCH[1]))
        [[ $line =~ ([0-9]+)\ timed\ out ]] && failed=$((failed + BASH_REMATCH[1]))
        [[ $line =~ ([0-9]+)\ skipped ]] && skipped=$((skipped + BASH_REMATCH[1]))
    done < <(grep -E '^ *Summary \[.*tests? run:' "$TEST_LOG" || true)
    while read -r doc; do
        [[ $doc =~ ([0-9]+)\ passed\;\ ([0-9]+)\ failed ]] || continue
        passed=$((passed + BASH_REMATCH[1]))
        failed=$((failed + BASH_REMATCH[2]))
    done < <(grep -E '^test result: ' "$TEST_LOG" || true)
    log "tests: $passed passed, $failed failed, $skipped skipped"
fi

[[ $FAILED -eq 0 ]]
