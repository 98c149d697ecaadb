"""The ideal client profile in headless Chromium: criteria edited in the settings (a refused
one shown beside its field), an organization's profile saved and its fit shown with its
reasons, the organizations list sorted by fit; and the contact page's forms for an
introduction, a stage change with its reason, and a role."""

import re

from playwright.sync_api import expect

from conftest import log_in, screenshot


def test_criteria_fit_and_sorting(page, server):
    log_in(page, server.base)
    page.get_by_role("link", name="Settings").click()
    icp = page.locator("#icp")
    # The demo's profile: industry, size, region and a tag.
    expect(icp.locator("#icp-criteria tbody tr")).to_have_count(4)
    icp.get_by_label("Field").fill("size")
    icp.get_by_label("Value").fill("900..100")
    icp.get_by_label("Weight (1–10)").fill("2")
    icp.get_by_role("button", name="Add criterion").click()
    expect(page.locator("#icp-value-error")).to_contain_text("the minimum is above the maximum")
    icp = page.locator("#icp")
    expect(icp.get_by_label("Value")).to_have_value("900..100")
    icp.get_by_label("Value").fill("100..900")
    icp.get_by_role("button", name="Add criterion").click()
    icp = page.locator("#icp")
    expect(icp.locator("#icp-criteria tbody tr")).to_have_count(5)
    expect(icp.locator("#icp-criteria")).to_contain_text("100..900")
    icp.get_by_role("button", name="Remove tag conference").click()
    expect(page.locator("#icp #icp-criteria tbody tr")).to_have_count(4)
    screenshot(page, "settings-icp-desktop")

    page.get_by_role("link", name="Organizations").click()
    page.locator("#sort-fit").click()
    expect(page).to_have_url(re.compile(r"/organizations\?sort=fit$"))
    fits = page.locator("#organizations td.fit").all_inner_texts()
    scores = [int(f) for f in fits if f != "–"]
    assert scores == sorted(scores, reverse=True), fits
    assert fits[-1] == "–" or "–" not in fits[: len(scores)], fits
    screenshot(page, "organizations-by-fit-desktop")

    page.get_by_role("link", name="Halcyon Freight").click()
    fit = page.locator("#fit")
    expect(fit).to_contain_text("no industry recorded")
    profile = page.locator("#profile")
    profile.get_by_label("Industry").fill("Logistics")
    profile.get_by_label("Employees").fill("many")
    profile.get_by_role("button", name="Save profile").click()
    expect(page.locator("#org-size-error")).to_contain_text("an employee count")
    profile = page.locator("#profile")
    profile.get_by_label("Employees").fill("240")
    profile.get_by_label("Region").fill("EU")
    profile.get_by_role("button", name="Save profile").click()
    expect(page.locator("#notice")).to_have_text("Profile saved.")
    fit = page.locator("#fit")
    # Logistics +3, 240 in 50–1,000 +2, EU +1, 240 in 100–900 +2: 8 of 8.
    expect(fit.locator(".score")).to_have_text("100/100")
    expect(fit).to_contain_text("industry is Logistics")
    expect(fit).to_contain_text("size 240 is within 100–900")
    screenshot(page, "organization-fit-desktop")

    page.get_by_role("link", name="Organizations").click()
    page.locator("#sort-fit").click()
    # Now among the best fits (ties in name order): every row above it scores 100 too.
    rows = page.locator("#organizations tbody tr")
    names = rows.locator("th").all_inner_texts()
    fits = rows.locator("td.fit").all_inner_texts()
    at = names.index("Halcyon Freight")
    assert fits[: at + 1] == ["100"] * (at + 1), list(zip(names, fits))


def test_introduction_stage_and_role_forms(page, server):
    log_in(page, server.base)
    page.goto(server.base + "/search?q=Dana+Whitfield")
    page.locator("#search-results").get_by_role("link", name="Dana Whitfield", exact=True).click()

    network = page.locator("#network")
    network.get_by_label("Who introduced whom").select_option("by")
    network.get_by_label("Contact (name, email, phone or id)").fill("Nobody Known")
    network.get_by_role("button", name="Record introduction").click()
    expect(page.locator("#intro-other-error")).to_contain_text("no contact matches")
    network = page.locator("#network")
    network.get_by_label("Contact (name, email, phone or id)").fill("Sam Okoro")
    network.get_by_role("button", name="Record introduction").click()
    expect(page.locator("#notice")).to_contain_text("Introduction recorded for Dana Whitfield")
    expect(page.locator("#network")).to_contain_text("Sam Okoro")

    relationship = page.locator("#relationship")
    relationship.get_by_label("Move to stage").select_option("engaged")
    relationship.get_by_label("Why").fill("asked for a demo")
    relationship.get_by_role("button", name="Change stage").click()
    expect(page.locator("#notice")).to_contain_text("Updated Dana Whitfield")
    expect(page.locator("#stage-history li").first).to_contain_text("engaged: asked for a demo")

    relationship = page.locator("#relationship")
    relationship.get_by_label("Role").select_option("champion")
    relationship.get_by_role("button", name="Add role").click()
    expect(page.locator("#relationship ul.roles")).to_contain_text("champion")
    relationship = page.locator("#relationship")
    relationship.get_by_label("Role").select_option("champion")
    relationship.get_by_role("button", name="End role").click()
    expect(page.locator("#relationship ul.roles li.past", has_text="champion")).to_have_count(1)

    page.locator("#contact-fields").fill("segment: enterprise")
    page.get_by_role("button", name="Save fields").click()
    expect(page.locator("#contact-fields")).to_have_value("segment: enterprise")
    expect(page.locator("#fit")).to_contain_text("Ideal client fit")
    screenshot(page, "contact-relationship-forms-desktop")
