#!/usr/bin/env python3
"""Browser tests of the web client against the real server, in headless Chromium.

    python Tests/Browser/run.py [--binary .build/debug/causerie] [--shots DIR] [--keep] [--only STEP] [--steps A,B]

Starts the server on a free port with a temporary store, then drives several browser sessions
(an administrator, Alice and Bob, later a phone): first-admin password change, registration,
a room joined from the directory, messages both ways, a direct conversation, an edit and a
delete seen live, formatting and XSS payloads rendered as text, a server restart with nothing
lost or doubled, a right removed live. Steps depend on each other: after a failure the rest
are skipped. Screenshots of the main screens go to --shots. The last line says
"N passed, N failed, N skipped"."""

import argparse
import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from browser import Browser  # noqa: E402
from scenarios import STEPS, Context  # noqa: E402
from server import Server  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def short_traceback():
    """The traceback without chromedriver's native stack (useless here)."""
    text = traceback.format_exc()
    return re.sub(r"\nStacktrace:\n(#\d+ .*\n?)+", "\n", text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "causerie"))
    parser.add_argument("--shots", default=os.path.join(REPO, ".build-browser", "screenshots"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary store and server logs")
    parser.add_argument("--only", help="run steps up to and including this one")
    parser.add_argument("--steps", help="run only these steps, comma-separated, in the suite's order (to iterate on one:"
                        " name the steps it needs too, e.g. first_admin_must_change_password,register_two_users,"
                        "search_finds_old_messages_and_opens_them)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to serve on (make browser-test: a LAN address in a network namespace)")
    parser.add_argument("--keep-going", action="store_true",
                        help="run every step even after a failure (later steps may fail because of it)")
    args = parser.parse_args()

    if not os.access(args.binary, os.X_OK):
        print(f"no server binary at {args.binary} (build it: swift build --product causerie)")
        return 2
    steps = STEPS
    if args.steps:
        wanted = {name.strip() for name in args.steps.split(",") if name.strip()}
        unknown = wanted - {step.__name__ for step in STEPS}
        if unknown:
            print(f"no such step: {', '.join(sorted(unknown))}")
            return 2
        steps = [step for step in STEPS if step.__name__ in wanted]
    server = Server(args.binary, os.path.join(REPO, "Sources", "Gateway", "Resources"), keep=args.keep, host=args.host)
    context = Context(server, args.shots)
    passed, failed, skipped = 0, 0, 0
    started = time.monotonic()
    try:
        server.start()
        server.trust_in_browsers()
        print(f"server {server.url} (store {server.dir})", flush=True)
        for step in steps:
            if failed and not args.keep_going:
                skipped += 1
                print(f"SKIP {step.__name__}")
                continue
            begin = time.monotonic()
            try:
                step(context)
                passed += 1
                print(f"PASS {step.__name__} ({time.monotonic() - begin:.1f} s)", flush=True)
            except Exception:  # noqa: BLE001 - every failure is reported, the run goes on to the summary
                failed += 1
                print(f"FAIL {step.__name__} ({time.monotonic() - begin:.1f} s)")
                print(short_traceback())
                context.on_failure(step.__name__)
            if args.only and step.__name__ == args.only:
                break
    finally:
        context.close()
        server.cleanup()
        if args.keep:
            print(f"store and logs kept in {server.dir}")
    print(f"screenshots in {args.shots}; {time.monotonic() - started:.0f} s")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
