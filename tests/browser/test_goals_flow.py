"""The national leader's first screen, on the demo data, at both tablet
viewports: the campaign's headline (people using the app, all groups) as the
first card, with what was achieved, the target ("more than"), the gap and the
status against the schedule, before anything else; nothing scrolls sideways."""
import re

import pytest

from tests.browser.conftest import no_sideways_scroll, sign_in


@pytest.mark.parametrize("viewport", ["landscape", "portrait"])
def test_the_national_viewer_sees_the_headline_card_first(browser_page, viewport):
    page = browser_page(viewport)
    sign_in(page, "viewer")
    page.click("nav a[href='/progress/']")
    card = page.locator("#progress-goals article").first
    card.wait_for()
    assert card.get_attribute("data-goal") == "active_all"
    assert card.get_attribute("data-status") in ("met", "on_track", "behind")
    text = card.inner_text()
    achieved = card.locator("[data-figure=achieved]").inner_text()
    assert re.fullmatch(r"[\d.]+", achieved), achieved
    assert "trên" in text  # the target is "more than" its value, as the seed words it
    assert card.locator("meter").count() == 1
    assert card.locator("[data-figure=progress]").inner_text().startswith("đạt ")
    if card.get_attribute("data-status") != "met":
        assert "còn thiếu" in card.locator("[data-figure=gap]").inner_text()
    # The headline card is the first thing under the period switch, above the fold.
    box = card.bounding_box()
    assert box["y"] + box["height"] <= page.viewport_size["height"]
    summary = page.locator("#progress-summary").bounding_box()
    assert summary["y"] > box["y"]
    assert no_sideways_scroll(page)
