#!/usr/bin/env python3
"""Drives the Escort web console in headless Chromium for the end-to-end tests.

The Swift test (Tests/EscortCLITests/BrowserEndToEndTests.swift) owns the scenario and every
assertion; this program only does what a person at the browser would do, one line at a time:
it reads `N VERB ARGS...` (arguments are JSON strings) from standard input and answers
`#N ok RESULT` or `#N fail WHY` on standard output.

Verbs:
  get URL                         load a page
  fill CSS TEXT                   type TEXT into the field CSS (cleared first)
  click CSS                       click the element CSS
  key KEY                         press KEY on the page (keyboard shortcuts)
  wait CSS TEXT SECONDS           wait until the element CSS exists and its text contains TEXT
  text CSS                        the element's visible text
  screenshot PATH                 save a PNG of the window
  js SCRIPT                       run SCRIPT in the page; its return value (JSON)
  logs                            the browser console's messages since the last call
  quit

Uses Debian's chromium and chromium-driver with Selenium from PyPI (installed by
scripts/setup.sh); SE_OFFLINE keeps Selenium from looking for drivers on the network.
"""
import json
import os
import sys
import time

os.environ.setdefault("SE_OFFLINE", "true")

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def start():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("ESCORT_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,800", "--force-device-scale-factor=1", "--lang=en-US"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("ESCORT_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


def element_text(driver, css):
    """The element's text, or None if there is none; a page script may replace the element
    while it is read (the live queue does), so a stale element is read again."""
    for _ in range(5):
        found = driver.find_elements(By.CSS_SELECTOR, css)
        if not found:
            return None
        try:
            return found[0].text
        except StaleElementReferenceException:
            continue
    return None


def run(driver, verb, args):
    if verb == "get":
        driver.get(args[0])
        return driver.current_url
    if verb == "fill":
        field = driver.find_element(By.CSS_SELECTOR, args[0])
        field.clear()
        field.send_keys(args[1])
        return ""
    if verb == "click":
        driver.find_element(By.CSS_SELECTOR, args[0]).click()
        return ""
    if verb == "key":
        driver.find_element(By.TAG_NAME, "body").send_keys(args[0])
        return ""
    if verb == "wait":
        css, want, seconds = args[0], args[1], float(args[2])
        deadline = time.monotonic() + seconds
        seen = None
        while time.monotonic() < deadline:
            seen = element_text(driver, css)
            if seen is not None and want in seen:
                return seen
            time.sleep(0.1)
        raise TimeoutError(f"{css} did not show {want!r} within {seconds}s; it showed {seen!r}")
    if verb == "text":
        seen = element_text(driver, args[0])
        if seen is None:
            raise LookupError(f"no element {args[0]}")
        return seen
    if verb == "screenshot":
        if not driver.save_screenshot(args[0]):
            raise OSError(f"could not save {args[0]}")
        return args[0]
    if verb == "js":
        return driver.execute_script(args[0])
    if verb == "logs":
        return "\n".join(f"{e.get('level')} {e.get('message')}" for e in driver.get_log("browser"))
    raise ValueError(f"unknown verb {verb}")


def main():
    try:
        driver = start()
    except WebDriverException as e:
        print(f"#0 fail cannot start chromium: {e.msg}", flush=True)
        return 1
    print("#0 ok ready", flush=True)
    try:
        for line in sys.stdin:
            number, _, rest = line.strip().partition(" ")
            verb, _, payload = rest.partition(" ")
            if verb == "quit":
                print(f"#{number} ok bye", flush=True)
                break
            try:
                result = run(driver, verb, json.loads(payload) if payload else [])
                print(f"#{number} ok {json.dumps(result)}", flush=True)
            except Exception as e:  # the Swift test reports it
                print(f"#{number} fail {type(e).__name__}: {json.dumps(str(e))}", flush=True)
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
