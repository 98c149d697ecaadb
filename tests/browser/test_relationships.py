"""Relationship intelligence in headless Chromium: a deal opened and lost from the contact page
(the contact goes to nurture and stays on the agenda), and the at-risk list with its reasons."""

import re

from playwright.sync_api import expect

from conftest import log_in, screenshot


def open_contact(page, base, name):
    page.goto(base + "/search?q=" + name.replace(" ", "+"))
    page.locator("#search-results").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def test_open_and_close_an_opportunity(page, server):
    log_in(page, server.base)
    open_contact(page, server.base, "Dana Whitfield")
    deals = page.locator("#opportunities")
    expect(deals).to_contain_text("won: stage customer")
    deals.get_by_label("Title", exact=True).fill("Dispatch pilot")
    deals.get_by_label("Value").fill("abc")
    deals.get_by_role("button", name="Open opportunity").click()
    # Refused beside its field, with what was typed kept.
    expect(page.locator("#opp-value-error")).to_have_text("a value is a whole number, such as 12000")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Dispatch pilot")

    deals = page.locator("#opportunities")
    deals.get_by_label("Value").fill("25000")
    deals.get_by_label("Buying timeline (days)").select_option("30")
    deals.get_by_role("button", name="Open opportunity").click()
    expect(page.locator("#notice")).to_contain_text("Opportunity opened for Dana Whitfield")
    expect(page.locator("#opportunities li.deal.open")).to_contain_text("Dispatch pilot")

    page.get_by_role("link", name="Forecast").click()
    # Within 30 days of 2026-11-25: by 2026-12-25, the hottest bucket.
    hot = page.locator("#bucket-30")
    expect(hot).to_contain_text("Dispatch pilot")
    expect(hot).to_contain_text("by 2026-12-25")
    expect(hot.locator(".total")).to_contain_text("25000")
    screenshot(page, "forecast-desktop")

    hot.get_by_role("link", name="Dana Whitfield").click()
    deal = page.locator("#opportunities li.deal.open", has_text="Dispatch pilot")
    deal.get_by_label(re.compile("^Reason for closing")).fill("budget went to the warehouse")
    deal.get_by_role("button", name="Lost", exact=True).click()
    notice = page.locator("#notice")
    expect(notice).to_contain_text("Deal closed for Dana Whitfield. Next touch:")
    # Her last touch is months old, so the 3-month nurture cycle has her due today: the
    # lost deal keeps her on the agenda.
    expect(notice).to_contain_text("Next touch: Wed 25 Nov 2026 (today)")
    expect(page.locator("#stage-history li").first).to_contain_text(
        "engaged: lost: Dispatch pilot (budget went to the warehouse)"
    )
    expect(page.locator("#opportunities li.deal.lost")).to_contain_text("budget went to the warehouse")
    expect(page.locator("#opportunities form.close-deal")).to_have_count(0)
    screenshot(page, "contact-deals-desktop")
    page.get_by_role("link", name="Today", exact=True).click()
    expect(page.locator("section.agenda.today li.row", has_text="Dana Whitfield")).to_have_count(1)


def test_the_at_risk_page_shows_each_entry_with_its_reasons(page, server):
    log_in(page, server.base)
    page.get_by_role("link", name="At risk").click()
    expect(page.get_by_role("heading", name=re.compile("^At risk"))).to_be_visible()
    dana = page.locator("ol.at-risk li.row").filter(
        has=page.get_by_role("link", name="Dana Whitfield", exact=True)
    )
    expect(dana.locator(".risks")).to_contain_text("single-threaded: the only contact at Halcyon Freight")
    expect(dana.locator(".score")).to_contain_text(re.compile(r"health \d+/100"))
    for entry in page.locator("ol.at-risk li.row").all():
        expect(entry.locator(".risks li").first).not_to_be_empty()
    screenshot(page, "at-risk-desktop")

    dana.get_by_role("link", name="Dana Whitfield", exact=True).click()
    health = page.locator("#health")
    expect(health.locator("tbody tr")).to_have_count(3)
    expect(health).to_contain_text("recency")
    page.get_by_role("link", name="Halcyon Freight").click()
    expect(page.locator("#health")).to_contain_text("one contact at Halcyon Freight")


def test_tick_a_playbook_step_and_filter_today_by_role(page, server):
    log_in(page, server.base)
    # The agenda narrowed to prospects: Dana (a prospect) stays, the filter says so.
    page.get_by_label("Role").select_option("prospect")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/\?role=prospect$"))
    expect(page.get_by_label("Role")).to_have_value("prospect")
    expect(page.locator("li.row", has_text="Dana Whitfield")).to_have_count(1)

    open_contact(page, server.base, "Dana Whitfield")
    playbook = page.locator("#playbook")
    # Met at an event: acquainted, a new prospect.
    expect(playbook.get_by_role("heading")).to_contain_text("Playbook: acquainted")
    expect(playbook.get_by_role("heading")).to_contain_text("0 of 3 steps done")
    expect(playbook.locator("#approach")).to_contain_text("Help them define the need and the budget.")
    playbook.get_by_role("button", name="Mark “Follow up on the first conversation” done").click()
    expect(page.locator("#notice")).to_contain_text("Checklist updated for Dana Whitfield")
    playbook = page.locator("#playbook")
    expect(playbook.get_by_role("heading")).to_contain_text("1 of 3 steps done")
    expect(playbook.locator("li.done")).to_contain_text("Follow up on the first conversation")
    screenshot(page, "contact-playbook-desktop")
