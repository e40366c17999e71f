#!/bin/bash
# Runs the browser tests on a LAN address: a network namespace of their own with a veth pair
# (10.77.0.1 and 10.77.0.2), so that the server's certificate, the browser's secure context and
# the trust page are tried on an address that is not loopback, as an office's would be. The
# namespace is removed at the end. Where namespaces cannot be made (not root), the tests run on
# 127.0.0.1 instead, and say so.
#   Tests/Browser/in-namespace.sh COMMAND...   (COMMAND is given --host ADDRESS)
set -uo pipefail
name="causerie-browser-$$"
if ip netns add "$name" 2>/dev/null; then
    trap 'ip netns del "$name" 2>/dev/null || true' EXIT
    # No IPv6 in there: its link-local addresses arrive a moment after the links come up, and
    # Chromium, seeing the network change, aborts the requests it has in flight
    # (ERR_NETWORK_CHANGED: 2 runs in 6 failed at the first page without this).
    ip netns exec "$name" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$name" ip link set lo up
    ip netns exec "$name" ip link add causerie0 type veth peer name causerie1
    ip netns exec "$name" ip addr add 10.77.0.1/24 dev causerie0
    ip netns exec "$name" ip addr add 10.77.0.2/24 dev causerie1
    ip netns exec "$name" ip link set causerie0 up
    ip netns exec "$name" ip link set causerie1 up
    # Until both ends are up, the addresses are still changing.
    for _ in $(seq 50); do
        [ "$(ip netns exec "$name" ip -br link show up | grep -c causerie)" = 2 ] && break
        sleep 0.1
    done
    echo "network namespace $name: serving on 10.77.0.1"
    ip netns exec "$name" "$@" --host 10.77.0.1
else
    echo "no network namespace could be made (not root?): serving on 127.0.0.1"
    "$@" --host 127.0.0.1
fi
