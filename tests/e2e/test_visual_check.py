"""The visual check: every main role logs in and opens each of its screens in Chromium at
1600x900 against the demo data, under the real ASGI server (the live socket included). A
screenshot of each goes to a temporary directory (never into the repository), and the check
fails on:

- a console error (other than "Failed to load resource", which the response check reports with
  its URL);
- a failed request: a 4xx/5xx response or a network error (requests aborted by leaving the page
  are not failures);
- text overflowing its cell: a table cell, badge, key or button whose content is wider than the
  box (scrollWidth > clientWidth), or a page wider than the window.

It runs in the normal suite (`make test`)."""

import os
import re
from pathlib import Path

import pytest

from core.demo import DEMO_PASSWORD, seed
from core.navigation import screens_for
from core.roles import Role, user_roles
from tests.e2e.asgi_server import asgi_server

VIEWPORT = {"width": 1600, "height": 900}
MAIN_ROLES = [
    Role.CALL_HANDLER,
    Role.DISPATCHER,
    Role.CONTROLLER,
    Role.INSPECTOR,
    Role.SUPERVISOR,
    Role.SUPPORT_OPERATOR,
    Role.QA_REVIEWER,
    Role.OFFICER,
    Role.OIC,
]

# Elements that must hold their text: content wider than the box is cut off or spills over.
OVERFLOW_JS = """
() => {
  const found = [];
  const describe = (el) => {
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
    return `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).trim().split(/\\s+/).join(".") : ""} "${text}" (${el.scrollWidth}px in ${el.clientWidth}px)`;
  };
  for (const el of document.querySelectorAll("td, th, .badge, kbd, .btn, button")) {
    if (!el.offsetParent || el.closest(".leaflet-container, [hidden]")) continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) found.push(describe(el));
  }
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + 1) found.push(`page ${page.scrollWidth}px wide in a ${window.innerWidth}px window`);
  return found;
}
"""


def _screens(user) -> list[str]:
    urls = [s.url for s in screens_for(user_roles(user)) if s.url]
    return list(dict.fromkeys(["/", *urls]))


def _shots_dir(tmp_path_factory) -> Path:
    wanted = os.environ.get("CAD_SCREENSHOTS")
    if not wanted:
        return tmp_path_factory.mktemp("screens")
    Path(wanted).mkdir(parents=True, exist_ok=True)
    return Path(wanted)


# Two halves, so the suite's two workers (pytest-xdist) can take one each.
HALVES = [MAIN_ROLES[0::2], MAIN_ROLES[1::2]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("roles", HALVES, ids=["first_half", "second_half"])
def test_every_main_screen_for_every_main_role_without_errors_or_overflow(
    browser, channel_layer_flush, tmp_path_factory, roles
):
    users = seed()
    shots = _shots_dir(tmp_path_factory)
    problems: list[str] = []
    visited = 0

    with asgi_server() as base_url:
        for role in roles:
            user = users[role]
            context = browser.new_context(
                viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London"
            )
            page = context.new_page()
            page.set_default_timeout(20000)
            where = {"url": "login"}

            def note(kind, text, where=where, role=role):
                line = f"{role} {where['url']}: {kind}: {text}"
                problems.append(line)

            page.on(
                "console",
                lambda m, note=note: (
                    note("console error", m.text)
                    if m.type == "error" and "Failed to load resource" not in m.text
                    else None
                ),
            )
            page.on(
                "response",
                lambda r, note=note: (
                    note(
                        "failed request", f"{r.url.split('//', 1)[-1].split('/', 1)[-1]} {r.status}"
                    )
                    if r.status >= 400
                    else None
                ),
            )
            page.on(
                "requestfailed",
                lambda r, note=note: (
                    note("network error", f"{r.url} {r.failure}")
                    if r.failure and "ERR_ABORTED" not in r.failure
                    else None
                ),
            )
            page.goto(f"{base_url}/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base_url}/")
            for url in _screens(user):
                where["url"] = url
                response = page.goto(f"{base_url}{url}")
                if response is None or response.status != 200:
                    problems.append(f"{role} {url}: answered {response and response.status}")
                    continue
                # Not "networkidle": live screens keep polling. Load, then let htmx regions,
                # countdowns and the socket settle: no htmx request in flight, and a moment.
                page.wait_for_load_state("load")
                page.wait_for_timeout(300)
                page.wait_for_function("() => !document.querySelector('.htmx-request')")
                page.wait_for_timeout(300)
                for overflow in page.evaluate(OVERFLOW_JS):
                    problems.append(f"{role} {url}: overflow: {overflow}")
                name = re.sub(r"[^a-z0-9]+", "_", f"{role}{url}".lower()).strip("_")
                page.screenshot(path=str(shots / f"{name}.png"))
                visited += 1
            context.close()

    print(f"visual check: {visited} screens, screenshots in {shots}")
    assert visited >= 2 * len(roles)
    assert problems == [], "\n".join(problems)
