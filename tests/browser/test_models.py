"""End to end: a manager trains a model from the models page with the keyboard; the panel
polls while a real worker trains it, then shows its figures, the learning curve and the
confusion table, and stops polling; the manager then runs it over the corpus."""

from playwright.sync_api import expect

from tests.jobs.conftest import run_worker
from tests.models.conftest import news, taught, tiny_training  # noqa: F401  (fixtures)


def test_a_manager_trains_a_model_from_the_page(page, sign_in, transactional_db, news, taught):  # noqa: F811
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "panel=1" in r.url else None)
    sign_in("manager", "pw-manager-123")
    page.goto(f"/projects/{news.project.pk}/")
    page.get_by_role("link", name="Models").click()
    expect(page.locator("#model-versions")).to_contain_text("No model yet")
    train = page.get_by_role("button", name="Train a new version")
    train.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#models-panel")).to_contain_text("Version 1 is queued for training")
    expect(page.locator("#model-versions")).to_contain_text("Queued")

    run_worker()

    versions = page.locator("#model-versions")
    expect(versions).to_contain_text("Ready", timeout=15_000)
    expect(page.locator("#learning-curve")).to_be_visible()
    expect(page.locator("#per-label")).to_contain_text("WEAPONS")
    expect(page.locator("#confusion")).to_be_visible()
    stopped_at = len(polls)
    assert stopped_at, "the panel polls while the model trains"
    page.wait_for_timeout(3500)
    assert len(polls) == stopped_at, "polling stops once the model is ready"
    # Run it over the documents not yet reviewed.
    page.get_by_role(
        "button", name="Suggest with model:1 on the documents not yet reviewed"
    ).click()
    expect(page.locator("#models-panel")).to_contain_text("they appear as source model:1")
    assert not page.problems, page.problems
