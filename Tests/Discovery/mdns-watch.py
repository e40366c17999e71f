"""Watches the LAN for DNS-SD services with python-zeroconf (an implementation of RFC 6762/6763
independent of ours), printing one JSON line per event, until its standard input closes.

    mdns-watch.py _causerie._tcp.local. _https._tcp.local.
"""
import json
import sys
import threading

from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf, IPVersion


def main():
    types = sys.argv[1:]
    zc = Zeroconf(ip_version=IPVersion.V4Only)
    lock = threading.Lock()

    def say(**event):
        with lock:
            print(json.dumps(event), flush=True)

    def changed(zeroconf, service_type, name, state_change):
        if state_change is ServiceStateChange.Removed:
            say(event="removed", type=service_type, name=name)
            return
        info = zeroconf.get_service_info(service_type, name, timeout=3000)
        if info is None:
            say(event="unresolved", type=service_type, name=name)
            return
        say(event="added" if state_change is ServiceStateChange.Added else "updated",
            type=service_type, name=name, server=info.server, port=info.port,
            addresses=info.parsed_addresses(),
            properties={k.decode(): (v.decode() if v is not None else None) for k, v in info.properties.items()})

    browsers = [ServiceBrowser(zc, t, handlers=[changed]) for t in types]
    say(event="ready")
    sys.stdin.read()
    for b in browsers:
        b.cancel()
    zc.close()


if __name__ == "__main__":
    main()
