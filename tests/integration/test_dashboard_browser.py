"""The dashboard in a real browser (headless Chromium driven by Selenium) against a real
`paasrun start`: log in with a one-time link (and see it refused the second time), see the
processes and the current release, watch the request chart count a small bounded load, see
the CPU chart and the per-endpoint table (ids collapsed, sorted by CPU per request),
change a config var and see the new release, roll back and see the rollback release
current, follow and filter the logs, refuse a POST without the CSRF token, refuse a page
without a session. Screenshots of each page go to $PAASRUN_DASHBOARD_SCREENSHOTS (the
committed ones in docs/dashboard/ come from this test), else to the test's temp dir.

Needs Debian's chromium, chromium-driver and python3-selenium (scripts/bootstrap --test)."""
import os
import pathlib
import threading
import time
import http.client

import pytest

from conftest import paasrun_path
from dashboard_browser import goto, login_link, text, wait
from deploy_harness import Instance, write_app
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    base = tmp_path_factory.mktemp("dashb")
    app = write_app(base / "app", "v1", manifest="app: demo\ndeploy:\n  bake_window: 0\n")
    with Instance(paasrun_path(), app, web_concurrency=2) as i:
        yield i


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = os.environ.get("PAASRUN_DASHBOARD_SCREENSHOTS")
    path = pathlib.Path(d) if d else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def confirm(browser):
    wait(browser, lambda: browser.find_element(By.ID, "confirm").is_displayed(), what="the confirmation dialog")
    browser.find_element(By.ID, "confirm-ok").click()


def wait_job_done(browser, timeout=60):
    wait(browser, lambda: "step: done" in text(browser, "#job-state") or "failed" in text(browser, "#job-state"),
         timeout, "the job's outcome")
    assert "state: succeeded" in text(browser, "#job-state"), text(browser, "#job-state")


def current_release_row(browser):
    rows = browser.find_elements(By.CSS_SELECTOR, "#releases tbody tr.current")
    return rows[0].text if rows else ""


def load(port, seconds):
    """A bounded load: 2 threads of sequential keep-alive GETs for `seconds`, then stop."""
    stop = time.monotonic() + seconds
    count = [0]

    def run():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        while time.monotonic() < stop:
            c.request("GET", "/")
            c.getresponse().read()
            count[0] += 1
            time.sleep(0.005)
        c.close()
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    return threads, count


# Form controls without an accessible name (a <label for>, an enclosing <label>, aria-label
# or aria-labelledby): "tag#id" of each.
UNLABELLED_JS = """
return [...document.querySelectorAll('input, select, textarea')].filter((e) => {
  if (e.type === 'hidden' || !e.offsetParent) return false;
  if (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.closest('label')) return false;
  return !(e.id && document.querySelector('label[for="' + e.id + '"]'));
}).map((e) => e.tagName.toLowerCase() + '#' + e.id);
"""

# Visible text whose contrast against its background is under WCAG AA's 4.5:1 (3:1 for large
# text): "text (ratio)" of each. The background is the first opaque one up the tree.
CONTRAST_JS = """
function rgb(c) { const m = c.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
function lum([r, g, b]) {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function bg(e) {
  for (; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0.99) return c;
  }
  return [255, 255, 255];
}
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const e = n.parentElement;
  if (!n.textContent.trim() || !e || !e.offsetParent) continue;
  const s = getComputedStyle(e);
  if (s.visibility === 'hidden' || e.closest('[hidden], dialog:not([open]), .skip')) continue;
  const a = lum(rgb(s.color)), b = lum(bg(e));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) out.push(n.textContent.trim().slice(0, 40) + ' (' + ratio.toFixed(2) + ')');
}
return out.slice(0, 10);
"""


# Whether the newest release marker (#7c3aed) is drawn on each chart's canvas at its time.
MARKER_JS = """
const e = series.events[series.events.length - 1];
const out = {};
for (const k of ["rps", "latency", "errors", "rss", "cpu"]) {
  const u = charts[k];
  const x = Math.round(u.valToPos(e.t, "x", true));
  const y = Math.round(u.bbox.top + u.bbox.height * 0.75);
  let hit = false;
  for (let dx = -3; dx <= 3; dx++) {
    const p = u.ctx.getImageData(x + dx, y, 1, 1).data;
    if (Math.abs(p[0] - 124) < 30 && Math.abs(p[1] - 58) < 30 && Math.abs(p[2] - 237) < 30) hit = true;
  }
  out[k] = hit;
}
return out;
"""


def test_dashboard_in_a_browser(inst, browser, shots):
    admin = f"http://{inst.admin}"

    # No session: every page leads to the login form.
    browser.get(admin + "/dashboard/")
    wait(browser, lambda: browser.current_url.endswith("/dashboard/login"), what="the login page")
    assert browser.find_element(By.ID, "token").get_attribute("type") == "password"
    # The login form: labelled, readable, keyboard-first (the token field has the focus).
    assert browser.execute_script(UNLABELLED_JS) == []
    assert browser.execute_script(CONTRAST_JS) == []
    assert browser.switch_to.active_element.get_attribute("id") == "token"
    browser.save_screenshot(str(shots / "login.png"))
    browser.set_window_size(390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    browser.set_window_size(1280, 900)

    # The one-time link logs in...
    link = login_link(inst)
    browser.get(link)
    wait(browser, lambda: browser.current_url == admin + "/dashboard/", what="the dashboard after login")
    cookie = browser.get_cookie("paasrun_session")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "paasrun_session" not in browser.execute_script("return document.cookie")  # HttpOnly

    # ...and shows the processes and the current release.
    wait(browser, lambda: "web.1" in text(browser, "#processes"), what="the processes")
    wait(browser, lambda: "v1" in text(browser, "#facts"), what="the current release")
    assert text(browser, "#app-name") == "demo"
    wait(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, "#workers tbody tr")) == 2, what="2 web workers")
    # Each worker row: its slot and age (the first worker of each slot has no predecessor).
    slots = sorted(r.find_elements(By.TAG_NAME, "td")[1].text for r in browser.find_elements(By.CSS_SELECTOR, "#workers tbody tr"))
    assert slots == ["1", "2"], slots
    assert all(r.find_elements(By.TAG_NAME, "td")[8].text.endswith("s")
               for r in browser.find_elements(By.CSS_SELECTOR, "#workers tbody tr"))
    browser.save_screenshot(str(shots / "overview.png"))

    # The same link a second time: refused.
    browser.get(link)
    assert "no longer valid" in text(browser, "#message")
    browser.get(admin + "/dashboard/#charts")
    wait(browser, lambda: browser.find_element(By.ID, "page-charts").is_displayed(), what="the charts page")

    # The request chart counts a small bounded load.
    threads, count = load(inst.port, 4)
    wait(browser, lambda: int(text(browser, "#req-minute") or 0) >= 50, 20, "the request chart to count the load")
    for t in threads:
        t.join()
    wait(browser, lambda: abs(int(text(browser, "#req-minute")) - count[0]) <= 2, 10, "every request counted")
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-rps canvas")
    # CPU per process: a line for the supervisor, the web process's arbiter and each worker.
    wait(browser, lambda: browser.execute_script("return Object.keys(series.cpu).length") >= 4, what="the CPU lines")
    labels = browser.execute_script("return Object.values(series.cpuLabels)")
    assert any(l.startswith("web.1 worker 1") for l in labels) and any(l.startswith("supervisor") for l in labels), labels
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-cpu canvas")
    browser.save_screenshot(str(shots / "charts.png"))

    # The per-endpoint table: ids collapsed, sortable, CPU per request from the app's work
    # (before the config change and rollback below, which start new web processes).
    for path in ["/users/1", "/users/2", "/about", "/burn", "/burn", "/orders/550e8400-e29b-41d4-a716-446655440000"]:
        assert inst.get(path)[0] == 200
    goto(browser, "endpoints")

    def row(route):
        rows = browser.find_elements(By.CSS_SELECTOR, f'#endpoints tbody tr[data-route="{route}"]')
        return [c.text for c in rows[0].find_elements(By.CSS_SELECTOR, "th, td")] if rows else None
    wait(browser, lambda: (row("/users/:id") or [None, ""])[1] == "2", what="/users/:id counted twice")
    assert row("/orders/:id")[1] == "1" and row("/users/1") is None
    header = browser.find_element(By.CSS_SELECTOR, '#endpoints button[data-sort="cpu"]')
    header.click()  # CPU per request, most first: /burn spins for 30 ms
    wait(browser, lambda: browser.find_element(By.CSS_SELECTOR, "#endpoints tbody tr").get_attribute("data-route") == "/burn",
         what="/burn first when sorted by CPU")
    assert header.find_element(By.XPATH, "..").get_attribute("aria-sort") == "descending"
    # (inside wait(): the table is re-rendered every 2 s, a row read as it goes is stale)
    wait(browser, lambda: float(row("/burn")[6]) >= 25, what="/burn's CPU per request >= 25 ms")
    browser.save_screenshot(str(shots / "endpoints.png"))
    header.click()  # ascending
    wait(browser, lambda: header.find_element(By.XPATH, "..").get_attribute("aria-sort") == "ascending", what="ascending")
    # A time window: the last minute holds these requests too, and says which span it covers.
    Select(browser.find_element(By.ID, "endpoint-window")).select_by_value("60")
    wait(browser, lambda: text(browser, "#endpoint-span").startswith("from "), what="the 1-minute window's span")
    wait(browser, lambda: (row("/users/:id") or [None, ""])[1] == "2", what="/users/:id in the last minute")
    s, d = inst.api("GET", "/v1/endpoints?window=60")
    assert d["window"] == 60 and any(r["route"] == "/burn" for r in d["routes"]), d
    browser.save_screenshot(str(shots / "endpoints-window.png"))
    Select(browser.find_element(By.ID, "endpoint-window")).select_by_value("all")
    wait(browser, lambda: text(browser, "#endpoint-span") == "since paasrun started", what="back to since start")

    # A config var: set through the form, a new release v2 is current.
    goto(browser, "config")
    browser.find_element(By.ID, "config-key").send_keys("DASH_COLOR")
    browser.find_element(By.ID, "config-value").send_keys("blue")
    browser.find_element(By.CSS_SELECTOR, "#config-form button[type=submit]").click()
    confirm(browser)
    wait_job_done(browser)
    goto(browser, "config")
    wait(browser, lambda: "DASH_COLOR" in text(browser, "#config"), what="the new var")
    assert "blue" not in text(browser, "#config")  # masked
    wait(browser, lambda: browser.find_element(By.CSS_SELECTOR, 'button[aria-label="Reveal DASH_COLOR"]').click() or True,
         what="the Reveal button")
    wait(browser, lambda: "blue" in text(browser, "#config"), what="the revealed value")
    browser.save_screenshot(str(shots / "config.png"))
    browser.find_element(By.ID, "job-close").click()

    goto(browser, "releases")
    wait(browser, lambda: current_release_row(browser).startswith("v2"), what="v2 current")

    # Roll back to v1: a rollback release v3 becomes current.
    def click_rollback():  # inside wait(): the table may be re-rendered between find and click
        buttons = [b for b in browser.find_elements(By.CSS_SELECTOR, "#releases button") if b.text == "Roll back to v1"]
        if buttons:
            buttons[0].click()
        return bool(buttons)
    wait(browser, click_rollback, what="the Roll back to v1 button")
    confirm(browser)
    wait_job_done(browser)
    wait(browser, lambda: current_release_row(browser).startswith("v3 rollback"), 20, "the rollback release current")
    # The config diff between v1 and v2 names the var, masked.
    browser.find_element(By.CSS_SELECTOR, "#diff-form button[type=submit]").click()
    wait(browser, lambda: "DASH_COLOR" in text(browser, "#diff"), what="the config diff")
    browser.save_screenshot(str(shots / "releases.png"))
    browser.find_element(By.ID, "job-close").click()

    # The config change and the rollback replaced the web processes: the table since the
    # start still counts the requests the first ones answered.
    goto(browser, "endpoints")
    wait(browser, lambda: (row("/users/:id") or [None, ""])[1] == "2", what="/users/:id still counted after two deploys")

    goto(browser, "scale")
    wait(browser, lambda: browser.find_elements(By.ID, "count-web"), what="the web count")
    assert browser.find_element(By.ID, "count-web").get_attribute("value") == "1"
    browser.save_screenshot(str(shots / "scale.png"))

    # Logs: live, filtered by text.
    goto(browser, "logs")
    wait(browser, lambda: "web.1" in text(browser, "#log"), what="log lines")
    inst.get("/dashboard-log-marker")
    wait(browser, lambda: "dashboard-log-marker" in text(browser, "#log"), what="a new line streamed")
    browser.find_element(By.ID, "log-text").send_keys("dashboard-log-marker")
    wait(browser, lambda: all("dashboard-log-marker" in l for l in text(browser, "#log").splitlines() if l),
         what="the filter")
    browser.find_element(By.ID, "log-pause").click()
    assert text(browser, "#log-state") == "paused"
    assert browser.find_element(By.ID, "log-pause").get_attribute("aria-pressed") == "true"
    browser.find_element(By.ID, "log-text").send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)  # fires `input`
    # A line that arrives while paused is held, not shown...
    inst.get("/dashboard-log-while-paused")
    wait(browser, lambda: browser.execute_script("return logHeld.some((l) => l.includes('dashboard-log-while-paused'))"),
         what="the line held while paused")
    assert "dashboard-log-while-paused" not in text(browser, "#log")
    # ...and shown on resume.
    browser.find_element(By.ID, "log-pause").click()
    assert text(browser, "#log-state") == "live"
    wait(browser, lambda: "dashboard-log-while-paused" in text(browser, "#log"), what="the held line after resume")
    wait(browser, lambda: "system |" in text(browser, "#log"), what="every line back after the filter is cleared")
    # The process filter: only the supervisor's own lines, then every process again.
    Select(browser.find_element(By.ID, "log-proc")).select_by_value("system")
    shown = [l for l in text(browser, "#log").splitlines() if l]
    assert shown and all(l.split(" ", 2)[1] == "system" for l in shown), shown[:5]
    Select(browser.find_element(By.ID, "log-proc")).select_by_value("web")
    shown = [l for l in text(browser, "#log").splitlines() if l]
    assert shown and all(l.split(" ", 2)[1].startswith("web.") for l in shown), shown[:5]
    Select(browser.find_element(By.ID, "log-proc")).select_by_value("")
    browser.save_screenshot(str(shots / "logs.png"))

    # A state-changing request without the CSRF token, from the page itself: refused.
    status = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/v1/config', {method: 'PATCH', credentials: 'same-origin',
                             headers: {'Content-Type': 'application/json'}, body: '{"EVIL": "1"}'})
          .then(r => done(r.status), e => done(String(e)));""")
    assert status == 403
    s, cfg = inst.api("GET", "/v1/config")
    assert "EVIL" not in cfg["config"]

    # The charts again: the config change and the rollback are drawn as markers.
    goto(browser, "charts")
    wait(browser, lambda: browser.execute_script("return series.events.length") >= 2, what="2 release markers")
    # (events are set before the charts redraw, in the same task: they are drawn now)
    # The rollback's marker is drawn on every chart: its colour at its x, below the labels.
    drawn = browser.execute_script(MARKER_JS)
    assert drawn == {k: True for k in ("rps", "latency", "errors", "rss", "cpu")}, drawn
    browser.save_screenshot(str(shots / "charts.png"))

    # Readable at phone width: no page is wider than the screen (tables scroll inside their
    # own box), on every page.
    browser.set_window_size(390, 844)
    inner = browser.execute_script("return window.innerWidth")
    for page in ("charts", "endpoints", "releases", "config", "scale", "logs", "overview"):
        goto(browser, page)
        overflow = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.body.scrollWidth]")
        assert max(overflow) <= inner + 1, (page, overflow, inner)
    wait(browser, lambda: "web.1" in text(browser, "#processes"), what="the overview at phone width")
    wait(browser, lambda: "rollback: succeeded" in text(browser, "#facts"), what="the last job on the overview")
    browser.save_screenshot(str(shots / "overview-phone.png"))
    browser.set_window_size(1280, 900)

    # Accessibility: every control has a label, the text's contrast meets WCAG AA (4.5:1),
    # on every page; the keyboard reaches the skip link first and it moves the focus.
    for page in ("overview", "charts", "endpoints", "releases", "config", "scale", "logs"):
        goto(browser, page)
        unlabelled = browser.execute_script(UNLABELLED_JS)
        assert unlabelled == [], (page, unlabelled)
        low = browser.execute_script(CONTRAST_JS)
        assert low == [], (page, low)
    # The keyboard alone: Tab reaches the skip link first, Enter on it focuses the content;
    # Shift+Tab back to the page links, Enter on Endpoints, Tab to the window selector, the
    # arrow key picks a window.
    browser.get(admin + "/dashboard/#overview")
    browser.refresh()  # a fresh page: nothing focused yet
    wait(browser, lambda: "web.1" in text(browser, "#processes"), what="the overview")

    def key(*keys, shift=False):
        chain = ActionChains(browser)
        if shift:
            chain = chain.key_down(Keys.SHIFT)
        chain = chain.send_keys(*keys)
        if shift:
            chain = chain.key_up(Keys.SHIFT)
        chain.perform()

    def focused():
        e = browser.switch_to.active_element
        return e.get_attribute("id") or e.get_attribute("class") or e.get_attribute("data-page") or e.tag_name
    key(Keys.TAB)
    assert focused() == "skip"
    key(Keys.ENTER)
    wait(browser, lambda: focused() == "main", what="the skip link to focus main")
    for _ in range(15):
        if browser.switch_to.active_element.get_attribute("data-page") == "endpoints":
            break
        key(Keys.TAB, shift=True)
    assert browser.switch_to.active_element.get_attribute("data-page") == "endpoints", focused()
    key(Keys.ENTER)
    wait(browser, lambda: browser.find_element(By.ID, "page-endpoints").is_displayed(), what="the endpoints page by keyboard")
    for _ in range(15):
        if focused() == "endpoint-window":
            break
        key(Keys.TAB)
    assert focused() == "endpoint-window"
    # A visible focus indicator on the focused control.
    assert browser.execute_script(
        "const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0")
    key(Keys.UP)  # from "Since start" to "Last hour"
    wait(browser, lambda: text(browser, "#endpoint-span").startswith("from "), what="a window picked with the keyboard")
    assert browser.find_element(By.ID, "endpoint-window").get_attribute("value") == "3600"

    # Logout ends the session: the page needs a login again.
    browser.find_element(By.ID, "logout").click()
    wait(browser, lambda: browser.current_url.endswith("/dashboard/login"), what="the login page after logout")
    browser.get(admin + "/dashboard/")
    wait(browser, lambda: browser.current_url.endswith("/dashboard/login"), what="no session after logout")
