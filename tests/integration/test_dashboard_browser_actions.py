"""The dashboard's actions in a real browser (headless Chromium driven by Selenium) against a
real `paasrun start`, beyond test_dashboard_browser.py's tour: the token login form (a wrong
token refused with a message, the right one lands on the overview), a config var's output
streamed live while its release phase runs, editing and removing a config var, Redeploy
(with its confirmation) recorded as a redeploy, a change rolled back automatically (the
job's outcome and why, the release marked rolled back), a failed release's failure reason
on the Releases page, scaling from the Scale page (counts saved in one formation job, the
new processes on the overview) and a rolling Restart of one type (the others untouched).

The tests run in order on one instance and one browser (each builds on the previous one's
releases). Needs Debian's chromium, chromium-driver and python3-selenium."""
import re

import pytest

from conftest import paasrun_path, wait_until
from dashboard_browser import goto, log_in, text, wait
from deploy_harness import TOKEN, Instance, bake_manifest, write_app
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

# A release phase that prints 5 lines 0.5 s apart when the config var SLOW_RELEASE is 1 (a
# job whose output arrives over 2.5 s), and does nothing otherwise.
PROCFILE = ("web: paasrun serve app:application\n"
            "sleeper: exec sleep 600\n"
            "release: if [ \"$SLOW_RELEASE\" = 1 ]; then for i in 1 2 3 4 5; do echo release-line-$i; sleep 0.5; done; fi\n")
MANIFEST = "  sleeper: 0\napp: demo\ndeploy:\n  bake_window: 0\n"


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    base = tmp_path_factory.mktemp("dashb-actions")
    app = write_app(base / "app", "v1", procfile=PROCFILE, manifest=MANIFEST)
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        i.src = base
        yield i


def show(browser, inst, page):
    """The dashboard at `page`, logging in with a one-time link if the session is missing."""
    browser.get(f"http://{inst.admin}/dashboard/#{page}")
    if browser.current_url.endswith("/dashboard/login"):
        log_in(browser, inst)
        browser.get(f"http://{inst.admin}/dashboard/#{page}")
    wait(browser, lambda: browser.find_element(By.ID, f"page-{page}").is_displayed(), what=f"the {page} page")


def job_id(browser):
    return browser.execute_script("return document.getElementById('job-id').textContent")


def confirm(browser, title=None):
    """Confirms the dialog; returns the job panel's job id before (job_outcome waits for a new one)."""
    wait(browser, lambda: browser.find_element(By.ID, "confirm").is_displayed(), what="the confirmation dialog")
    if title is not None:
        assert text(browser, "#confirm-title") == title
    before = job_id(browser)
    browser.find_element(By.ID, "confirm-ok").click()
    return before


def job_outcome(browser, before, timeout=60):
    """The job panel's final state line ("state: succeeded, step: done, release v3") of the
    job started after the panel showed job `before`."""
    def final():
        if job_id(browser) == before:
            return None
        s = text(browser, "#job-state")
        return s if ("step: done" in s or s.startswith("state: failed")) else None
    return wait(browser, final, timeout, "the job's outcome")


def rows(browser, table):
    return [r.text for r in browser.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")]


def release_row(browser, version):
    return next((r for r in rows(browser, "releases") if r.split(" ", 1)[0] == version), "")


def click_button(browser, css, label):
    """Clicks the button labelled `label` (inside wait(): tables re-render between find and click)."""
    def go():
        buttons = [b for b in browser.find_elements(By.CSS_SELECTOR, css) if b.text == label]
        if buttons:
            buttons[0].click()
        return bool(buttons)
    wait(browser, go, what=f"the {label} button")


def api_ok(inst, method, path, body=None):
    s, j = inst.api(method, path, body)
    assert s in (200, 202), (s, j)
    return j


def current_version(inst):
    return next(r["version"] for r in api_ok(inst, "GET", "/v1/releases")["releases"] if r["current"])


def test_login_form_refuses_a_wrong_token_and_takes_the_right_one(inst, browser):
    browser.get(f"http://{inst.admin}/dashboard/")
    wait(browser, lambda: browser.current_url.endswith("/dashboard/login"), what="the login page")
    token = browser.find_element(By.ID, "token")
    token.send_keys("not-the-token" + Keys.ENTER)
    wait(browser, lambda: text(browser, "#message") == "That is not the admin token.", what="the refusal")
    assert browser.current_url.endswith("/dashboard/login")
    assert browser.get_cookie("paasrun_session") is None
    assert token.get_attribute("value") == ""  # the page does not keep what was typed
    token.send_keys(TOKEN)
    browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    wait(browser, lambda: browser.current_url == f"http://{inst.admin}/dashboard/", what="the dashboard after login")
    assert browser.get_cookie("paasrun_session")["httpOnly"]
    wait(browser, lambda: "web.1" in text(browser, "#processes"), what="the processes")
    wait(browser, lambda: "v1" in text(browser, "#facts"), what="the current release")


def test_job_output_streams_live_then_edit_and_remove_a_config_var(inst, browser):
    show(browser, inst, "config")
    browser.find_element(By.ID, "config-key").send_keys("SLOW_RELEASE")
    browser.find_element(By.ID, "config-value").send_keys("1")
    browser.find_element(By.CSS_SELECTOR, "#config-form button[type=submit]").click()
    before = confirm(browser, "Set SLOW_RELEASE?")

    # The release phase's first line is on the page while the job still runs and before its
    # last line was printed: the output is streamed, not shown at the end.
    def partial():
        out, state = browser.execute_script(
            "return [document.getElementById('job-output').textContent, document.getElementById('job-state').textContent]")
        return (out, state) if "release-line-1" in out else None
    out, state = wait(browser, partial, 30, "the release phase's first line")
    assert state.startswith("state: running") and "release-line-5" not in out, (state, out)
    outcome = job_outcome(browser, before)
    assert outcome.startswith("state: succeeded"), outcome
    lines = [l for l in text(browser, "#job-output").splitlines() if "release-line-" in l]
    assert [l.rsplit("-", 1)[1] for l in lines] == ["1", "2", "3", "4", "5"], lines

    # Edit: the row's Edit button fills the form with the key; a new value, a new release.
    goto(browser, "config")
    click_button(browser, "#config button", "Edit")
    assert browser.find_element(By.ID, "config-key").get_attribute("value") == "SLOW_RELEASE"
    assert browser.switch_to.active_element.get_attribute("id") == "config-value"
    browser.switch_to.active_element.send_keys("fast")
    browser.find_element(By.CSS_SELECTOR, "#config-form button[type=submit]").click()
    before = confirm(browser, "Set SLOW_RELEASE?")
    # The form is blank again for the next var (it kept the key, and a new one was typed onto it).
    assert browser.find_element(By.ID, "config-key").get_attribute("value") == ""
    assert browser.find_element(By.ID, "config-value").get_attribute("value") == ""
    assert job_outcome(browser, before).startswith("state: succeeded")
    assert api_ok(inst, "GET", "/v1/config?reveal=true")["config"]["SLOW_RELEASE"] == "fast"
    goto(browser, "config")
    wait(browser, lambda: browser.find_element(By.CSS_SELECTOR, 'button[aria-label="Reveal SLOW_RELEASE"]').click() or True,
         what="the Reveal button")
    wait(browser, lambda: "fast" in text(browser, "#config"), what="the edited value")

    # Remove: after its confirmation, a release without the var.
    browser.find_element(By.CSS_SELECTOR, 'button[aria-label="Remove SLOW_RELEASE"]').click()
    before = confirm(browser, "Remove SLOW_RELEASE?")
    assert job_outcome(browser, before).startswith("state: succeeded")
    assert "SLOW_RELEASE" not in api_ok(inst, "GET", "/v1/config")["config"]
    goto(browser, "config")
    wait(browser, lambda: "SLOW_RELEASE" not in text(browser, "#config"), what="the var gone from the table")
    goto(browser, "releases")
    wait(browser, lambda: "Remove SLOW_RELEASE config var" in release_row(browser, current_version(inst)),
         what="the removal's release current")
    browser.find_element(By.ID, "job-close").click()


def test_redeploy_after_its_confirmation_is_recorded_as_a_redeploy(inst, browser):
    show(browser, inst, "releases")
    cur = current_version(inst)
    wait(browser, lambda: release_row(browser, cur).endswith("Redeploy"), what=f"{cur} current with its Redeploy button")
    click_button(browser, "#releases tr.current button", "Redeploy")
    # The confirmation says what a redeploy does; Cancel does nothing.
    wait(browser, lambda: browser.find_element(By.ID, "confirm").is_displayed(), what="the confirmation dialog")
    assert text(browser, "#confirm-title") == "Redeploy?"
    assert text(browser, "#confirm-text").startswith(f"Redeploy {cur}: a new release with the same slug and config")
    browser.find_element(By.CSS_SELECTOR, '#confirm button[value="cancel"]').click()
    assert current_version(inst) == cur and browser.find_element(By.ID, "job").get_attribute("hidden")
    click_button(browser, "#releases tr.current button", "Redeploy")
    before = confirm(browser, "Redeploy?")
    outcome = job_outcome(browser, before)
    assert outcome.startswith("state: succeeded"), outcome
    assert "(redeploy)" in text(browser, "#job-id")
    new = f"v{int(cur[1:]) + 1}"
    wait(browser, lambda: release_row(browser, new).startswith(f"{new} redeploy Redeploy of {cur} current"),
         what="the redeploy release current")
    assert current_version(inst) == new
    browser.find_element(By.ID, "job-close").click()


def test_automatic_rollback_and_a_failed_release_are_shown_with_their_reasons(inst, browser):
    # A release with a bake window (deployed through the admin API, as the CLI does): the
    # config change made from the dashboard on top of it turns the app unhealthy 1.5 s after
    # its switch, and is rolled back automatically.
    baked = write_app(inst.src / "baked", "v-baked", procfile=PROCFILE, manifest="  sleeper: 0\n" + bake_manifest(30))
    deployed = inst.wait_job(inst.deploy(baked))
    assert deployed["state"] == "succeeded", deployed
    base = deployed["release"]
    show(browser, inst, "config")
    browser.find_element(By.ID, "config-key").send_keys("FIXTURE_UNHEALTHY_AFTER")
    browser.find_element(By.ID, "config-value").send_keys("1.5")
    browser.find_element(By.CSS_SELECTOR, "#config-form button[type=submit]").click()
    before = confirm(browser)
    outcome = job_outcome(browser, before)
    job_id = text(browser, "#job-id").split()[0]
    assert "rolled_back" in outcome, (outcome, inst.api("GET", f"/v1/jobs/{job_id}")[1])
    bad = f"v{int(base[1:]) + 1}"
    rollback = f"v{int(base[1:]) + 2}"
    assert outcome.startswith(f"state: rolled_back, step: done, release {bad}"), outcome
    assert "health check /healthz of " + bad + " failed 2 times within the bake window" in outcome, outcome
    assert f"{rollback} (a rollback to {base}) is current" in outcome, outcome
    assert "bad" in browser.find_element(By.ID, "job-state").get_attribute("class")
    assert "rolled_back" in text(browser, "#banner") and "health check" in text(browser, "#banner")
    browser.find_element(By.ID, "job-close").click()
    goto(browser, "releases")
    wait(browser, lambda: release_row(browser, rollback).startswith(f"{rollback} rollback Automatic rollback to {base} current"),
         what="the automatic rollback release current")
    row = release_row(browser, bad)
    assert f"rolled back — health check /healthz of {bad} failed 2 times" in row, row

    # A deploy whose app cannot be imported: the release is failed, with why.
    broken = write_app(inst.src / "broken", "v-broken", procfile=PROCFILE, manifest="  sleeper: 0\n" + bake_manifest(30),
                       flags=["import-error"])
    job = inst.wait_job(inst.deploy(broken))
    assert job["state"] == "failed", job
    failed = job["release"]
    wait(browser, lambda: re.search(r"failed — web\.\d of the new release exited before it was ready",
                                    release_row(browser, failed)), 20, "the failed release on the Releases page")
    assert "the app could not be imported" in release_row(browser, failed)
    goto(browser, "overview")
    wait(browser, lambda: f"{failed} failed — " in text(browser, "#facts"), what="the latest release's failure on the overview")
    assert "deploy: failed" in text(browser, "#facts")


def test_scale_from_the_scale_page_and_restart_one_type(inst, browser):
    show(browser, inst, "scale")
    wait(browser, lambda: browser.find_elements(By.ID, "count-sleeper"), what="the counts")
    for type_, n in (("web", "2"), ("sleeper", "1")):
        box = browser.find_element(By.ID, f"count-{type_}")
        box.clear()
        box.send_keys(n)
    browser.find_element(By.CSS_SELECTOR, "#scale-form button[type=submit]").click()
    wait(browser, lambda: browser.find_element(By.ID, "confirm").is_displayed(), what="the confirmation dialog")
    assert {"web=2", "sleeper=1"} <= set(text(browser, "#confirm-text").split()), text(browser, "#confirm-text")
    before = job_id(browser)
    browser.find_element(By.ID, "confirm-ok").click()
    assert job_outcome(browser, before).startswith("state: succeeded")
    assert "(formation)" in text(browser, "#job-id")
    # Saved together: both counts in the formation, both types running.
    formation = api_ok(inst, "GET", "/v1/status")["formation"]
    assert formation["web"] == 2 and formation["sleeper"] == 1, formation

    def running(type_):
        row = browser.find_element(By.CSS_SELECTOR, f"#formation tbody tr:has(#count-{type_})")
        return row.find_elements(By.TAG_NAME, "td")[1].text
    goto(browser, "scale")
    wait(browser, lambda: running("web") == "2" and running("sleeper") == "1", what="2 web and 1 sleeper running")
    assert browser.find_element(By.ID, "count-web").get_attribute("value") == "2"
    browser.find_element(By.ID, "job-close").click()
    goto(browser, "overview")
    wait(browser, lambda: "web.2" in text(browser, "#processes") and "sleeper.1" in text(browser, "#processes"),
         what="web.2 and sleeper.1 on the overview")
    wait(browser, lambda: sorted(r.split()[0] for r in rows(browser, "workers")) == ["web.1", "web.2"],
         what="a worker for each web process")

    # A rolling restart of web: new pids for both web processes, sleeper untouched.
    def pids():
        st = api_ok(inst, "GET", "/v1/status")
        return {p["name"]: p["pid"] for p in st["processes"] if p["state"] == "up" and p["phase"] == "active"}
    old = pids()
    goto(browser, "scale")
    click_button(browser, "#formation button", "Restart web")
    before = confirm(browser, "Restart web?")
    assert job_outcome(browser, before).startswith("state: succeeded")
    assert "(restart)" in text(browser, "#job-id")
    after = wait_until(lambda: (lambda p: p if {"web.1", "web.2"} <= set(p) else None)(pids()), 15,
                       what="both web processes up after the restart")
    assert after["web.1"] != old["web.1"] and after["web.2"] != old["web.2"], (old, after)
    assert after["sleeper.1"] == old["sleeper.1"], (old, after)
    browser.find_element(By.ID, "job-close").click()
    goto(browser, "overview")
    wait(browser, lambda: all(str(after[n]) in text(browser, "#processes") for n in ("web.1", "web.2")),
         what="the new web pids on the overview")
