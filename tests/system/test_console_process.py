"""The staff console as a real process run by an unprivileged user, on the documented
install: `kiosk publish` first, then the console (docs/deploy.md). Root ignores file modes, so
only a run like this shows whether the console can write what it must."""

from __future__ import annotations

import re

import pytest

from tests.console_process import console_process, unprivileged_reason

SECTION = "20-what-is-cvi.yaml"
SLIDE = f"/edit/slide/{SECTION}/why-the-legs"

pytestmark = pytest.mark.skipif(
    unprivileged_reason() is not None, reason=unprivileged_reason() or ""
)


@pytest.fixture(scope="module")
def console():
    with console_process() as running:
        yield running


def test_a_console_started_after_kiosk_publish_can_save_add_upload_and_discard(console):
    staff = console.browser()
    assert staff.login() == 303
    token = staff.csrf(SLIDE)
    _, _, page = staff.get(SLIDE)
    assert "Save to the draft" in page
    based_on = re.search(r'name="based_on" value="([^"]+)"', page)
    assert based_on is not None
    status, headers, text = staff.post(
        SLIDE,
        {
            "csrf": token,
            "based_on": based_on[1],
            "title.en": "Why are the legs hit hardest?",
            "title.es": "¿Por qué las piernas sufren más?",
            "body.en": "Gravity pulls blood down.",
            "body.es": "La gravedad baja la sangre.",
            "bullets.en": "",
            "bullets.es": "",
        },
    )
    assert status == 303 and "Saved" in headers["location"], (status, text)
    draft = console.home / "draft" / "slides" / SECTION
    assert "Gravity pulls blood down." in draft.read_text()
    status, headers, _ = staff.post(
        "/edit/add", {"csrf": token, "file": SECTION, "id": "leg-care", "kind": "bullets"}
    )
    assert status == 303 and "leg-care" in headers["location"]
    status, headers, _ = staff.post(
        "/edit/settings", {"csrf": token, "always_open": "on", "idle_timeout": "120"}
    )
    assert status == 303 and "Saved" in headers["location"]
    status, headers, _ = staff.post("/edit/discard", {"csrf": token})
    assert status == 303 and "matches the live deck" in headers["location"].replace("+", " ")
    assert "Gravity pulls blood down." not in draft.read_text()
    # Still writable after the discard (it copied the sealed live version again).
    status, headers, _ = staff.post(
        "/edit/add", {"csrf": token, "file": SECTION, "id": "leg-care", "kind": "bullets"}
    )
    assert status == 303 and "leg-care" in headers["location"]


# Last in this file: it locks this address out of the module's console.
def test_a_burst_of_100_wrong_logins_checks_at_most_five_and_keeps_memory_bounded(console):
    import threading

    from kiosk.console.auth import MAX_FAILURES

    browsers = [console.browser() for _ in range(100)]
    # Half guess the real name, half made-up ones: the address is limited either way.
    forms = [
        b.login_form("alice" if n % 2 else f"guess{n}", "wrong password!")
        for n, b in enumerate(browsers)
    ]
    before = console.memory_kib("VmHWM")
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(browser, form) -> None:
        start.wait()
        status, _, _ = browser.post("/login", form)
        with lock:
            statuses.append(status)

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(browsers, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    peak = console.memory_kib("VmHWM")
    checked = statuses.count(401)
    print(
        f"burst: {checked} checked, {statuses.count(429)} refused; peak RSS {before // 1024}"
        f" -> {peak // 1024} MiB"
    )
    assert len(statuses) == 100 and set(statuses) <= {401, 429}
    assert 1 <= checked <= MAX_FAILURES
    # argon2 takes 64 MiB a check: two at once, not a hundred (2.7 GB before the fix).
    assert peak - before < 200 * 1024, (before, peak)
    staff = console.browser()
    assert staff.login() == 429  # the right password, too late: the address is locked
