# styrene-wasm tasks. `scripts/bootstrap demo` installs what `just demo` needs,
# `scripts/bootstrap test` what every task here needs.

set shell := ["bash", "-euo", "pipefail", "-c"]

# compiled components are cached inside the checkout, never in $HOME
export STYRENE_CACHE_DIR := justfile_directory() / "target/styrene-cache"

# the component's file names say where its sources were: crates from cargo's registry
# under $CARGO_HOME (the workspace's own are already relative). Mapping both to fixed
# prefixes makes styrene.wasm the same bytes whoever builds it where (`just repro`).
cargo_home := env("CARGO_HOME", home_directory() / ".cargo")
export CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS := "--remap-path-prefix=" + justfile_directory() + "=. --remap-path-prefix=" + cargo_home + "=/cargo"

python := justfile_directory() / ".venv/bin/python"
# the venv's tools first: `cargo deny` and `cargo fuzz` at the versions scripts/bootstrap pins
export PATH := justfile_directory() / ".venv/bin" + ":" + env("PATH")
wasm := "target/wasm32-wasip2/release/styrene.wasm"

# list the tasks
default:
    @just --list

# styrene.wasm (size-tuned release build), the native binaries (gateway, wasm test runner), and the wheel's copy of the component
build: (build-with "native")

# styrene.wasm, its copies in dist/ and in the wheel, and the native binaries built with cargo profile PROFILE
[private]
build-with PROFILE:
    #!/usr/bin/env bash
    set -euo pipefail
    # The two builds lock different profile directories (release, PROFILE), so they run side
    # by side: each fills the cores while the other waits on a single crate or on linking.
    cargo build --profile {{PROFILE}} -p styrene-gateway -p styrene-wasm-runner &
    host=$!
    trap 'kill $host 2>/dev/null || true' EXIT
    cargo build --target wasm32-wasip2 --release -p styrene
    mkdir -p dist
    cp {{wasm}} dist/styrene.wasm
    cp {{wasm}} python-host/src/styrene_wasm/styrene.wasm
    wait $host
    trap - EXIT
    echo "styrene.wasm: $(stat -c %s dist/styrene.wasm) bytes"

# every test: Rust natively, the component inside wasmtime, the Python dual-run suite,
# styrened's own test suite on styrened and on the component, the gateway against real
# Reticulum (RNS from PyPI), styrened's discovery on the component under RNS traffic,
# the browser page, bounded fuzzing
test: build vectors-check
    cargo test --profile native --workspace --exclude styrene
    cargo test --target wasm32-wasip2 -p styrene
    {{python}} -m pytest python-host/tests
    {{python}} tests/upstream/styrened_suite.py run
    {{python}} -m pytest -p no:cacheprovider tests/gateway
    {{python}} -m pytest -p no:cacheprovider tests/discovery
    {{just_executable()}} web-test
    {{just_executable()}} fuzz 10 none

# Seeded from the golden vectors and RNS's own streams and packets; prints executions
# per target; fails on any crash. Then, unless PROFILE is `none` (as in `just test`), the
# differential tests against styrened run under that Hypothesis profile (`long`: 20,000
# examples per test).
# coverage-guided fuzzing of every decoder for SECONDS each, then the long differential run
fuzz SECONDS="300" PROFILE="long":
    #!/usr/bin/env bash
    set -euo pipefail
    {{python}} fuzz/seed_corpus.py target/fuzz-corpus >/dev/null
    cd fuzz
    for t in envelope_decode payload_decode marshal_read announce_parse pqc_handshake hdlc_deframe kiss_deframe rns_packet relay; do
        log=../target/fuzz-$t.log
        if ! cargo +nightly fuzz run "$t" "../target/fuzz-corpus/$t" -- -max_total_time={{SECONDS}} \
            -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
            tail -60 "$log"
            echo "fuzz target $t failed: the input is in fuzz/artifacts/$t" >&2
            exit 1
        fi
        runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
        rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
        echo "fuzz $t: $runs executions in {{SECONDS}} s ($rate per second), no crash"
    done
    if [ "{{PROFILE}}" != none ]; then
        cd ..
        HYPOTHESIS_PROFILE={{PROFILE}} {{python}} -m pytest python-host/tests/test_differential.py \
            python-host/tests/test_wire_differential.py python-host/tests/test_core_lane.py
    fi

# Two checkouts of HEAD at different paths, separate target dirs; no absolute path may
# be left inside either. Two clean release builds: several minutes, so not in `just test`.
# build styrene.wasm twice from this commit and require the same bytes
repro:
    #!/usr/bin/env bash
    set -euo pipefail
    root={{justfile_directory()}}
    work=$(mktemp -d /tmp/styrene-repro.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    commit=$(git -C "$root" rev-parse HEAD)
    for side in a b; do
        # different names and depths, so that any leaked path would differ
        src=$work/$side/checkout
        [ "$side" = b ] && src=$work/$side/elsewhere/styrene-wasm-copy
        mkdir -p "$src"
        git -C "$root" archive "$commit" | tar -x -C "$src"
        (cd "$src" && CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="--remap-path-prefix=$src=. --remap-path-prefix={{cargo_home}}=/cargo" \
            cargo build --quiet --locked --target wasm32-wasip2 --release -p styrene --target-dir "$root/target/repro-$side")
    done
    a=target/repro-a/wasm32-wasip2/release/styrene.wasm
    b=target/repro-b/wasm32-wasip2/release/styrene.wasm
    if ! cmp "$a" "$b"; then
        echo "styrene.wasm is not reproducible: $a and $b differ" >&2
        exit 1
    fi
    if strings -n 6 "$a" | grep -E "$work|{{cargo_home}}|$HOME|$root" >&2; then
        echo "styrene.wasm holds the absolute paths above" >&2
        exit 1
    fi
    echo "reproducible: commit ${commit:0:12} built at two paths gives the same styrene.wasm, $(stat -c %s "$a") bytes, sha256 $(sha256sum "$a" | cut -c1-16)"

# The Rust host is built unoptimised (cargo profile `demo`): wasmtime then builds in about
# 40% of the CPU time, and the demo's five decodes do not need its speed.
# the same envelope from styrened, decoded by the component from Python and from the Rust host
demo: (build-with "demo")
    {{python}} scripts/demo.py target/demo/styrene-gateway

# the numbers: Python host and Rust host, side by side with their baselines
bench: build
    {{python}} python-host/bench/bench_wire.py
    cargo bench --profile native -p styrene-host --bench wire
    STYRENE_BENCH_OUT={{justfile_directory()}}/target/bench-nodes-rust.json cargo bench --profile native -p styrene-host --bench nodes
    STYRENE_BENCH_OUT={{justfile_directory()}}/target/bench-nodes-rust.json {{python}} python-host/bench/bench_nodes.py
    STYRENE_BENCH_OUT={{justfile_directory()}}/target/bench-pqc-rust.json cargo bench --profile native -p styrene-host --bench pqc
    STYRENE_BENCH_OUT={{justfile_directory()}}/target/bench-pqc-rust.json {{python}} python-host/bench/bench_pqc.py
    cargo bench --profile native -p styrene-gateway --bench gateway
    cargo bench --profile native -p styrene-gateway --bench transport
    {{python}} python-host/bench/bench_discovery.py
    corpus=$({{python}} python-host/bench/bench_messages.py --corpus) && STYRENE_BENCH_CORPUS=$corpus STYRENE_BENCH_OUT={{justfile_directory()}}/target/bench-messages-rust.json cargo bench --profile native -p styrene-host --bench messages
    STYRENE_BENCH_OUT={{justfile_directory()}}/target/bench-messages-rust.json {{python}} python-host/bench/bench_messages.py
    {{just_executable()}} web-bench

# regenerate the golden vectors by running styrened 0.18.0
vectors:
    {{python}} tests/vectors/generate_wire.py
    {{python}} tests/vectors/generate_nodes.py
    {{python}} tests/vectors/generate_store.py
    {{python}} tests/vectors/generate_pqc.py
    {{python}} tests/vectors/generate_rns.py
    {{python}} tests/vectors/generate_messages.py
    {{python}} tests/vectors/generate_attachments.py
    {{python}} tests/vectors/generate_transport.py

# check that the committed vectors are exactly what styrened produces now
vectors-check:
    #!/usr/bin/env bash
    set -euo pipefail
    tmp=$(mktemp -d)
    for name in wire nodes store pqc rns messages attachments transport; do
        cp "tests/vectors/$name.json.gz" "$tmp/$name.json.gz"
        {{python}} "tests/vectors/generate_$name.py" >/dev/null
        if ! cmp -s "tests/vectors/$name.json.gz" "$tmp/$name.json.gz"; then
            cp "$tmp/$name.json.gz" "tests/vectors/$name.json.gz"
            echo "tests/vectors/$name.json.gz differs from what styrened produces now"
            exit 1
        fi
    done

# the browser diagnostics page (web/dist), served on http://127.0.0.1:PORT/
web PORT="8090": build web-build
    node web/serve.mjs --port {{PORT}}

# web/dist: jco transpile of dist/styrene.wasm and the app bundled by esbuild (no server)
web-build:
    @test -d web/node_modules || { echo "web/node_modules is missing: run scripts/bootstrap test" >&2; exit 1; }
    node web/build.mjs

# the page in Debian's chromium (headless, driven by playwright-core), with fixtures made by styrened
web-test: build web-build
    {{python}} web/test/make_fixtures.py target/web-test/fixtures
    FIXTURES={{justfile_directory()}}/target/web-test/fixtures node --test web/test/

# the page's download sizes and its cold load-to-interactive time in chromium
web-bench: build web-build
    node web/bench.mjs

# the gateway for a Raspberry Pi (64-bit Raspberry Pi OS): cross-built with Debian's
# gcc-aarch64-linux-gnu, packaged with the component, the example config and the systemd unit
pi:
    rustup target add aarch64-unknown-linux-gnu
    command -v aarch64-linux-gnu-gcc >/dev/null || { echo "needs Debian's gcc-aarch64-linux-gnu (apt-get install gcc-aarch64-linux-gnu)" >&2; exit 1; }
    cargo build --target wasm32-wasip2 --release -p styrene
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
        cargo build --profile native --target aarch64-unknown-linux-gnu -p styrene-gateway --bin styrene-gateway
    rm -rf dist/pi && mkdir -p dist/pi
    cp target/aarch64-unknown-linux-gnu/native/styrene-gateway {{wasm}} packaging/gateway.example.toml packaging/styrene-gateway.service packaging/install.sh dist/pi/
    tar -C dist -czf dist/styrene-gateway-aarch64.tar.gz pi
    @echo "dist/styrene-gateway-aarch64.tar.gz: $(stat -c %s dist/styrene-gateway-aarch64.tar.gz) bytes"

# the pure-Python wheel that carries styrene.wasm
wheel: build
    {{python}} -m pip wheel --no-deps --no-build-isolation -w dist python-host

# RustSec advisories are not checked: their database is a git repository on GitHub,
# which these machines cannot reach (docs/security.md, "Supply chain").
# formatting, clippy (native and wasm) under the workspace's lints, rustdoc, ruff, cargo-deny
# (licenses, duplicates, sources)
lint:
    cargo fmt --all --check
    cargo deny check --hide-inclusion-graph licenses bans sources
    cargo clippy --profile native --workspace --exclude styrene --all-targets -- -D warnings
    cargo clippy --target wasm32-wasip2 -p styrene --all-targets -- -D warnings
    {{python}} -m ruff check python-host scripts tests fuzz web/test
    {{python}} -m ruff format --check python-host scripts tests fuzz web/test
    {{python}} -m mypy --config-file python-host/pyproject.toml python-host/src
    {{just_executable()}} doc

# the crates' API docs (target/doc, then target/wasm32-wasip2/doc for the component); any rustdoc warning fails
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --profile native --workspace --exclude styrene --no-deps
    RUSTDOCFLAGS="-D warnings" cargo doc --target wasm32-wasip2 -p styrene --no-deps
