#!/usr/bin/env python3
"""A smoke test of the web client in Firefox (headless, driven over Marionette, Firefox's own
remote protocol: no geckodriver needed). Not part of `make test`; run with `make browser-firefox`.

    python Tests/Browser/firefox_smoke.py [--binary .build/debug/causerie]

First-admin login and password change, a formatted message, the emoticon picker; prints
"N passed, N failed"."""

import argparse
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import time

from marionette_driver.by import By
from marionette_driver.marionette import Marionette

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server import Server  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "causerie"))
    parser.add_argument("--shots", default=os.path.join(REPO, ".build-browser", "screenshots"))
    args = parser.parse_args()
    server = Server(args.binary, os.path.join(REPO, "Sources", "Gateway", "Resources"), server_name="Firefox check", tls=False)
    profile = tempfile.mkdtemp(prefix="causerie-firefox-")
    firefox = None
    failed = 0
    try:
        server.start()
        firefox = subprocess.Popen(
            [shutil.which("firefox-esr") or shutil.which("firefox"), "--headless", "--marionette", "--no-remote",
             "--profile", profile, "--window-size=1280,800"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HOME": profile})
        m = Marionette(host="127.0.0.1", port=2828)
        m.start_session()

        def wait(css, timeout=10):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                found = m.find_elements(By.CSS_SELECTOR, css)
                if found:
                    return found[0]
                time.sleep(0.1)
            raise AssertionError(f"timed out waiting for {css}")

        m.navigate(server.url + "/")
        wait("form[data-form='login'] [name='username']").send_keys("admin")
        m.find_element(By.CSS_SELECTOR, "[name='password']").send_keys(server.one_time_password)
        m.find_element(By.CSS_SELECTOR, "form[data-form='login'] button[type='submit']").click()
        wait("form[data-form='change'] [name='password']").send_keys("firefox-Secret-1")
        m.find_element(By.CSS_SELECTOR, "[name='again']").send_keys("firefox-Secret-1")
        m.find_element(By.CSS_SELECTOR, "form[data-form='change'] button[type='submit']").click()
        wait(".shell .composer-input").send_keys("Hello from *Firefox* <img src=x onerror=alert(1)>\ue007")
        body = wait(".timeline .msg:not(.pending) .msg-body strong")
        assert body.text == "Firefox", body.text
        assert m.execute_script("return document.querySelectorAll('.shell img').length") == 0, "an <img> was created"
        m.find_element(By.CSS_SELECTOR, "[data-action='emoji']").click()
        wait(".popover .emoji")
        os.makedirs(args.shots, exist_ok=True)
        with open(os.path.join(args.shots, "firefox.png"), "wb") as f:
            f.write(base64.b64decode(m.screenshot()))
        m.delete_session()
        print("PASS firefox_login_post_and_emoticons")
    except Exception as error:  # noqa: BLE001 - reported in the summary
        failed = 1
        print(f"FAIL firefox_login_post_and_emoticons: {error}")
    finally:
        if firefox:
            firefox.terminate()
            firefox.wait()
        server.cleanup()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"{1 - failed} passed, {failed} failed")
    return failed


if __name__ == "__main__":
    sys.exit(main())
