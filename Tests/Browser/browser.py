"""Headless Chromium sessions for the browser tests: one Browser per user, with the waits the
tests need. Flags and paths as in shared/brief/WEB.md: Debian's chromium and chromedriver."""

import os
import shutil
import time

from selenium import webdriver
from selenium.common.exceptions import (JavascriptException, NoSuchElementException,
                                        StaleElementReferenceException, TimeoutException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

os.environ.setdefault("SE_AVOID_STATS", "true")


def make_driver(width=1366, height=860, home=None, flags=()):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={width},{height}", "--lang=en-US", "--force-color-profile=srgb",
                 "--hide-scrollbars", *flags):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    # HOME holds the NSS database of trusted authorities (run.py): another HOME, another device.
    env = dict(os.environ, HOME=home) if home else None
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver", env=env)
    return webdriver.Chrome(options=options, service=service)


class Browser:
    """One user's browser session, with helpers that wait instead of sleeping."""

    def __init__(self, name, base_url, shots_dir, width=1366, height=860, home=None, flags=()):
        self.name = name
        self.base_url = base_url
        self.shots_dir = shots_dir
        self.driver = make_driver(width, height, home, flags)
        self.driver.set_script_timeout(20)

    # MARK: Navigation and waiting

    def open(self, path="/"):
        self.driver.get(self.base_url + path)

    def wait(self, predicate, timeout=10, what="condition"):
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = predicate()
                if value:
                    return value
            # Not there yet: an element not rendered, replaced, or a list still empty.
            except (NoSuchElementException, StaleElementReferenceException, JavascriptException, IndexError) as error:
                last_error = error
            time.sleep(0.05)
        raise TimeoutException(f"[{self.name}] timed out waiting for {what}" + (f" ({last_error})" if last_error else ""))

    def find(self, css, timeout=10):
        return self.wait(lambda: self._visible(css), timeout, f"element {css}")

    def _visible(self, css):
        for element in self.driver.find_elements(By.CSS_SELECTOR, css):
            if element.is_displayed():
                return element
        return None

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def gone(self, css, timeout=10):
        self.wait(lambda: not self._visible(css), timeout, f"{css} to disappear")

    def click(self, css, timeout=10):
        """Finds and clicks, again if a redraw replaced the element in between."""
        def attempt():
            element = self._visible(css)
            if element:
                element.click()
            return element
        return self.wait(attempt, timeout, f"clickable {css}")

    def type(self, css, text, clear=True):
        def attempt():
            element = self._visible(css)
            if element:
                if clear:
                    element.clear()
                element.send_keys(text)
            return element
        return self.wait(attempt, 10, f"typable {css}")

    def fill_form(self, form_css, values):
        for name, value in values.items():
            self.type(f"{form_css} [name='{name}']", value)

    def submit_dialog(self, timeout=10):
        """Submits the open dialog and waits until it has closed (its request answered)."""
        self.click("dialog[open] button[type='submit']")
        self.wait(lambda: not self.all("dialog[open]"), timeout, "the dialog to close")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def text_of(self, css):
        return self.find(css).text

    def wait_text(self, css, text, timeout=10):
        """Waits until an element matching css contains text (textContent, so hidden too)."""
        return self.wait(lambda: any(text in (e.get_attribute("textContent") or "") for e in self.all(css)),
                         timeout, f"{text!r} in {css}")

    def count_text(self, css, text):
        return sum(1 for e in self.all(css) if text in (e.get_attribute("textContent") or ""))

    # MARK: Chat helpers

    def open_room(self, room_name, timeout=10):
        # The sidebar is re-rendered when an event arrives (an unread count, a broadcast), so the
        # button found may be replaced before the click lands: finding and clicking are one
        # attempt, retried on a stale element.
        def click_room():
            button = next((b for b in self.all(".sidebar .nav-item[data-room]")
                           if b.find_element(By.CSS_SELECTOR, ".nav-name").text == room_name), None)
            if button is None:
                return False
            button.click()
            return True
        self.wait(click_room, timeout, f"room {room_name} in the sidebar")
        self.wait(lambda: room_name in self.find("#conv-title").text, timeout, f"room {room_name} open")
        self.wait(lambda: not self._visible(".timeline-status") or self.all(".msg, .notice-row"), timeout, "messages loaded")

    def send(self, text):
        box = self.find(".composer-input")
        box.click()
        lines = text.split("\n")
        for i, line in enumerate(lines):
            box.send_keys(line)
            if i < len(lines) - 1:
                box.send_keys(Keys.SHIFT, Keys.ENTER)
        box.send_keys(Keys.ENTER)

    def message(self, text, timeout=10):
        """The message row (not pending) whose body contains text."""
        return self.wait(lambda: next((m for m in self.all(".timeline .msg:not(.pending)")
                                       if text in m.find_element(By.CSS_SELECTOR, ".msg-body").text), None),
                         timeout, f"message {text!r}")

    def shot(self, name):
        """A screenshot without transient toasts (they would hide the header)."""
        self.js("document.querySelectorAll('.toast').forEach((t) => t.remove()); window.scrollTo(0, 0)")
        os.makedirs(self.shots_dir, exist_ok=True)
        path = os.path.join(self.shots_dir, f"{name}.png")
        self.driver.save_screenshot(path)
        return path

    def console_errors(self):
        try:
            entries = self.driver.get_log("browser")
        except Exception:  # noqa: BLE001 - logs are a diagnostic only
            return []
        return [e["message"] for e in entries if e.get("level") == "SEVERE"]

    def quit(self):
        try:
            self.driver.quit()
        except Exception:  # noqa: BLE001
            pass
