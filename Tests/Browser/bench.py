#!/usr/bin/env python3
"""Measures the web client in headless Chromium against the real server: time from page load to
the first message shown, on a room with 10,000 messages of history, and the JavaScript and CSS
bytes the chat page ships (`messages`); time to open a board of 10,000 cards over 8 stages, from
the page's start and from the board's request to `performance.mark('board-drawn')` (`boards`).

    python Tests/Browser/bench.py [--binary .build/debug/causerie] [--measure messages|boards|all]
        [--messages 10000] [--cards 10000] [--runs 7] [--slowdown 4]

Prints a JSON object per measurement, the last one on the last line."""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from browser import Browser  # noqa: E402
from seed import post_many, raise_flood_limit, seed_board  # noqa: E402
from server import Server  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WEB = os.path.join(REPO, "Sources", "Gateway", "Resources", "web")


def shipped_bytes():
    """Every .js and .css file under web/ (what the chat and admin pages may load), and the
    subset the chat page may load (all but the admin page's own files), dialogs included."""
    total, chat = 0, 0
    for folder, _, files in os.walk(WEB):
        for name in files:
            if name.endswith((".js", ".css")):
                size = os.path.getsize(os.path.join(folder, name))
                total += size
                if not (name.startswith("admin") or name == "forms-admin.css"):
                    chat += size
    return total, chat


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "causerie"))
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--slowdown", type=int, default=4, help="CPU slowdown for the old-PC runs")
    parser.add_argument("--cards", type=int, default=10000, help="cards on the board of the boards measurement")
    parser.add_argument("--measure", choices=["messages", "boards", "all"], default="all")
    args = parser.parse_args()

    server = Server(args.binary, os.path.join(REPO, "Sources", "Gateway", "Resources"))
    browser = None
    try:
        server.start()
        server.trust_in_browsers()
        admin = server.login("admin", server.one_time_password)["token"]
        server.api("PUT", "me/password", {"current": server.one_time_password, "new": "bench-Secret-1"}, token=admin)
        raise_flood_limit(server, admin)
        if args.measure in ("boards", "all"):
            boards(server, admin, args)
        if args.measure == "boards":
            return
        began = time.monotonic()
        post_many(server, admin, "main", args.messages)
        seeded = time.monotonic() - began
        print(f"seeded {args.messages} messages in {seeded:.1f} s", flush=True)

        browser = Browser("bench", server.url, "/tmp")
        browser.open("/")
        browser.js("localStorage.setItem('causerie.token', arguments[0]); localStorage.setItem('causerie.room', 'main')", admin)
        def load(cold):
            if cold:
                browser.driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            browser.driver.get(server.url + "/")
            ms = browser.wait(lambda: browser.js(
                "const m = performance.getEntriesByName('causerie-first-message')[0]; return m && m.startTime"),
                30, "first message")
            last = browser.js("return document.querySelector('.timeline .msg:last-child .msg-body').textContent")
            assert f"{args.messages} of {args.messages}" in last, last
            # What the page had loaded by then: the bytes of its scripts and styles, decoded.
            loaded = browser.js("return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))"
                                ".filter((e) => /\\.(js|css)$/.test(new URL(e.name).pathname))"
                                ".reduce((n, e) => n + e.decodedBodySize, 0)")
            rows = browser.js("return document.querySelectorAll('.timeline .msg').length")
            print(f"{'cold' if cold else 'warm'}: first message after {ms:.0f} ms ({rows} rows, {loaded} bytes of JS+CSS)",
                  flush=True)
            return ms, loaded

        browser.driver.execute_cdp_cmd("Network.enable", {})
        cold = [load(True) for _ in range(args.runs)]
        warm = [load(False) for _ in range(args.runs)]
        # An old office PC: the same cold load with the CPU slowed down (Chromium's throttling).
        browser.driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": args.slowdown})
        slow = [load(True) for _ in range(args.runs)]
        browser.driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
        total, chat = shipped_bytes()
        result = {"bench": "web-first-message", "messages": args.messages, "runs": args.runs,
                  "cold_ms_median": round(statistics.median(m for m, _ in cold)),
                  "cold_ms_min": round(min(m for m, _ in cold)), "cold_ms_max": round(max(m for m, _ in cold)),
                  "warm_ms_median": round(statistics.median(m for m, _ in warm)),
                  "warm_ms_min": round(min(m for m, _ in warm)), "warm_ms_max": round(max(m for m, _ in warm)),
                  "cpu_slowdown": args.slowdown, "slow_cold_ms_median": round(statistics.median(m for m, _ in slow)),
                  "js_css_bytes_loaded_at_first_message": cold[0][1],
                  "js_css_bytes_chat_page_all": chat, "js_css_bytes_all_files": total,
                  "seed_seconds": round(seeded, 1)}
        print(json.dumps(result))
    finally:
        if browser:
            browser.quit()
        server.cleanup()


def boards(server, admin, args):
    """A board of `args.cards` cards over 8 stages, made over the HTTP API by a few threads, then
    opened from its address (#board=<id>) again and again: each load is a whole page load."""
    began = time.monotonic()
    board = seed_board(server, admin, cards=args.cards, stages=8)
    seeded = time.monotonic() - began
    print(f"seeded a board of {args.cards} cards in {seeded:.1f} s", flush=True)
    browser = Browser("bench-boards", server.url, "/tmp")
    try:
        browser.open("/")
        browser.js("localStorage.setItem('causerie.token', arguments[0])", admin)
        marks = """const get = (name) => performance.getEntriesByName(name)[0];
            if (!get('board-drawn')) return null;
            return { page: get('board-drawn').startTime, open: get('board-open-to-drawn').duration,
                     fetch: get('board-fetched').startTime - get('board-open').startTime,
                     tiles: document.querySelectorAll('.board-view .card').length }"""
        runs = []
        for _ in range(args.runs + 1):  # the first load warms the caches; it is not counted
            browser.driver.get("about:blank")
            browser.driver.get(f"{server.url}/#board={board}")
            runs.append(browser.wait(lambda: browser.js(marks), 60, "the board drawn"))
            print(f"board drawn {runs[-1]['page']:.0f} ms after the page's start; request to drawn {runs[-1]['open']:.0f} ms"
                  f" (fetch {runs[-1]['fetch']:.0f} ms), {runs[-1]['tiles']} tiles", flush=True)
        runs = runs[1:]
        result = {"bench": "web-board-open", "cards": args.cards, "stages": 8, "runs": args.runs,
                  "page_to_drawn_ms_median": round(statistics.median(r["page"] for r in runs)),
                  "open_to_drawn_ms_median": round(statistics.median(r["open"] for r in runs)),
                  "open_to_drawn_ms_min": round(min(r["open"] for r in runs)),
                  "open_to_drawn_ms_max": round(max(r["open"] for r in runs)),
                  "fetch_ms_median": round(statistics.median(r["fetch"] for r in runs)),
                  "tiles_drawn": runs[0]["tiles"], "seed_seconds": round(seeded, 1)}
        print(json.dumps(result), flush=True)
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
