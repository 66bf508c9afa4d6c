#!/bin/sh
# Installs the gateway from this directory (made by `just pi`) on a Raspberry Pi.
# Run as root. Safe to run again: an existing config is kept.
set -eu
cd "$(dirname "$0")"
install -D -m 0755 styrene-gateway /usr/local/bin/styrene-gateway
install -D -m 0644 styrene.wasm /usr/local/lib/styrene-gateway/styrene.wasm
if [ ! -e /etc/styrene-gateway/gateway.toml ]; then
    install -D -m 0644 gateway.example.toml /etc/styrene-gateway/gateway.toml
    echo "edit /etc/styrene-gateway/gateway.toml, then: systemctl enable --now styrene-gateway"
fi
install -D -m 0644 styrene-gateway.service /etc/systemd/system/styrene-gateway.service
systemctl daemon-reload
echo "the first start compiles styrene.wasm for this CPU and caches it in /var/cache/styrene-gateway"
