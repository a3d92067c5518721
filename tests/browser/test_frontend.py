"""The workspace's manners: no style or script the CSP refuses, the focus given back after
the guidelines, and a layout that fits a phone."""

import pytest
from django.urls import reverse

from tests.browser.test_workspace import (
    drag_select,
    open_workspace,
    seed,  # noqa: F401 (a fixture)
    selected_text,
    wait_saved,
)

# Noted from the first script on, before the page's own: what the CSP refused, and where.
CSP_WATCH = """document.addEventListener("securitypolicyviolation", (event) => {
    const seen = JSON.parse(sessionStorage.getItem("csp") || "[]");
    const where = `${event.sourceFile}:${event.lineNumber}`;
    seen.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
    sessionStorage.setItem("csp", JSON.stringify(seen));
});"""


def test_a_session_of_changes_breaks_no_csp_rule(page, sign_in, demo, seed):  # noqa: F811
    """htmx's own indicator <style> would be refused after every swap: it is turned off
    (base.html) and its rules are in margin.css."""
    page.context.add_init_script(CSP_WATCH)
    sign_in("alice", "margin-alice")
    open_workspace(page, demo, seed)
    drag_select(page, "artillery shells")
    page.keyboard.press("1")
    wait_saved(page, "Saved")
    page.keyboard.press("Control+z")
    wait_saved(page, "Undone")
    drag_select(page, "rare visit")
    page.keyboard.press("3")
    wait_saved(page, "Saved")
    page.click(".span-choose")
    page.keyboard.press("2")
    wait_saved(page, "Relabelled")
    page.click(".span-delete")
    wait_saved(page, "Deleted")
    page.reload()
    page.wait_for_selector("#article .seg")
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('csp') || '[]')") == []
    assert [p for p in page.problems if "Content Security Policy" in p] == []
    assert page.problems == []
    # The indicator still hides and shows, from the stylesheet.
    assert page.evaluate(
        """() => {
            // Each drawn once only: a change of class would start the fade in.
            const opacity = (classes) => {
                const el = document.createElement("span");
                el.className = classes;
                document.body.append(el);
                const value = getComputedStyle(el).opacity;
                el.remove();
                return value;
            };
            return [opacity("htmx-indicator"), opacity("htmx-indicator htmx-request")];
        }"""
    ) == ["0", "1"]


def test_escape_closes_the_guidelines_and_gives_the_focus_back(page, sign_in, demo, seed):  # noqa: F811
    sign_in("alice", "margin-alice")
    open_workspace(page, demo, seed)
    page.focus("#article")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert selected_text(page) == "rare"
    page.keyboard.press("?")
    assert page.evaluate("() => document.getElementById('guidelines').open")
    assert page.evaluate("() => document.activeElement.closest('#guidelines') !== null")
    page.keyboard.press("Escape")
    assert not page.evaluate("() => document.getElementById('guidelines').open")
    assert page.evaluate("() => document.activeElement.id") == "article"
    # The word cursor is where it was: the next word is one key away.
    assert selected_text(page) == "rare"
    page.keyboard.press("ArrowRight")
    assert selected_text(page) == "visit"
    assert page.problems == []


NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth"


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 375, "height": 800})
    return page


def test_the_workspace_fits_a_phone_article_first(phone, sign_in, demo, seed):  # noqa: F811
    page = phone
    sign_in("alice", "margin-alice")
    open_workspace(page, demo, seed)
    article = page.locator("#article").bounding_box()
    labels = page.locator(".labels").bounding_box()
    assert article["y"] + article["height"] <= labels["y"]
    # The labels are a bar of buttons side by side, wrapping.
    tops = page.locator(".label-button").evaluate_all(
        "(bs) => bs.map((b) => b.getBoundingClientRect().top)"
    )
    assert len(set(tops)) < len(tops)
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 375
    # Tagging still works there, by the bar's button.
    drag_select(page, "artillery shells")
    page.click(".label-button >> nth=0")
    wait_saved(page, "Saved")
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 375
    assert page.problems == []


def test_the_dashboard_fits_a_phone(phone, sign_in, demo):
    page = phone
    sign_in("manager", "margin-manager")
    page.goto(reverse("dashboard", args=[demo.pk]))
    page.wait_for_selector("h1")
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 375
    assert page.problems == []
