"""Headless Chromium for the dashboard's browser tests (test_dashboard_browser.py,
test_dashboard_websocket.py): the driver, the one-time login link, and waits that tolerate
the pages re-rendering their tables.

Needs Debian's chromium, chromium-driver and python3-selenium (scripts/bootstrap --test);
importing this module skips the importing test module when they are missing."""
import shutil
import subprocess

import pytest

from conftest import paasrun_path
from deploy_harness import TOKEN

webdriver = pytest.importorskip("selenium.webdriver", reason="python3-selenium is not installed")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if not CHROMIUM or not CHROMEDRIVER:
    pytest.skip("chromium and chromium-driver are not installed", allow_module_level=True)


def start_browser(profile_dir):
    """A headless Chromium at 1280x900, device scale 1, with its own profile directory."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,900", "--force-device-scale-factor=1",
              f"--user-data-dir={profile_dir}"):
        opts.add_argument(a)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER) if hasattr(webdriver, "ChromeService") \
        else webdriver.chrome.service.Service(executable_path=CHROMEDRIVER)
    d = webdriver.Chrome(options=opts, service=service)
    d.set_page_load_timeout(30)
    return d


def login_link(inst):
    """`paasrun dashboard --to ADMIN`'s one-time login link."""
    out = subprocess.run([paasrun_path(), "dashboard", "--to", f"http://{inst.admin}", "--token", TOKEN],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def wait(browser, pred, timeout=20, what="condition"):
    try:
        # The pages re-render their tables every few seconds: an element read just as it is
        # replaced is stale, and the next poll reads the new one.
        return WebDriverWait(browser, timeout, poll_frequency=0.2,
                             ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: pred())
    except Exception as e:
        raise AssertionError(f"timed out waiting for {what}: {e}") from None


def text(browser, css):
    return browser.find_element(By.CSS_SELECTOR, css).text


def goto(browser, page):
    browser.find_element(By.CSS_SELECTOR, f'nav a[data-page="{page}"]').click()
    wait(browser, lambda: browser.find_element(By.ID, f"page-{page}").is_displayed(), what=f"the {page} page")


def log_in(browser, inst):
    """Log in with a one-time link and wait for the overview."""
    browser.get(login_link(inst))
    wait(browser, lambda: browser.current_url == f"http://{inst.admin}/dashboard/", what="the dashboard after login")
