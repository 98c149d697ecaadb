"""A seller's morning in the web UI, in headless Chromium: log in, work the agenda, hold a
contact and see them come back, search, the quick-log shortcut, a contact added and its
details edited, the contact list and its filters, the phone-sized screen, merging a duplicate,
handing a contact over to a teammate, and disabling one who left."""

import os
import re
import subprocess

from playwright.sync_api import expect

from conftest import BIN, NOW, Server, log_in, screenshot


def rapport_cli(db, *args, input=None):
    """Runs the CLI on the test's database, with the clock fixed, before its server starts."""
    subprocess.run(
        [BIN, "--db", str(db), "--now", NOW, "--tz", "UTC", *args],
        input=input,
        text=True,
        check=True,
        capture_output=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")},
    )


def row(page, name):
    return page.locator("li.row").filter(has=page.get_by_role("link", name=name, exact=True))


def section(page, key):
    return page.locator(f"section.agenda.{key}")


def test_log_in_and_see_the_agenda_with_its_reasons(page, server):
    page.goto(server.base + "/contacts/1")
    expect(page).to_have_url(re.compile(r"/login\?next=/contacts/1$"))
    page.get_by_label("Password").fill("wrong")
    page.get_by_label("Email").fill("demo@rapport.test")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-error")).to_contain_text("the email or the password is not right")

    log_in(page, server.base)
    expect(page.get_by_role("heading", name=re.compile("^Today"))).to_be_visible()
    dana = row(page, "Dana Whitfield")
    expect(dana).to_be_visible()
    # Dana's hold ended today: she is back with the reason and the needs discussed.
    expect(dana.locator(".why")).to_contain_text("project on hold until the new budget")
    expect(dana.locator(".context")).to_contain_text("replace the dispatch system")
    screenshot(page, "today-desktop")


def test_logging_a_touch_moves_the_contact_out_of_today(page, server):
    log_in(page, server.base)
    dana = row(page, "Dana Whitfield")
    expect(section(page, "today").locator("li.row", has_text="Dana Whitfield")).to_have_count(1)
    dana.get_by_text("Log a touch").click()
    dana.get_by_label("Kind").select_option("call")
    dana.get_by_label("Summary").fill("Budget landed; pilot in January")
    dana.get_by_label("Needs discussed").fill("dispatch for two depots")
    dana.get_by_role("button", name="Save touch").click()
    expect(page.locator("#notice")).to_contain_text("Logged a touch with Dana Whitfield. Next touch:")
    expect(page.locator("#notice")).to_contain_text("2026")  # a date, not an empty promise
    for key in ["overdue", "today"]:
        expect(section(page, key).locator("li.row", has_text="Dana Whitfield")).to_have_count(0)
    page.goto(server.base + "/search?q=Budget+landed")
    expect(page.locator("#search-results")).to_contain_text("Dana Whitfield")


def test_a_hold_brings_the_contact_back_on_its_day(page, db, server):
    log_in(page, server.base)
    sam = row(page, "Sam Okoro")
    expect(sam).to_be_visible()
    sam.get_by_text("Put on hold").click()
    sam.get_by_label("Until").fill("2026-12-10")
    sam.get_by_label("Reason").fill("waiting for the new fiscal year")
    sam.get_by_role("button", name="Hold").click()
    expect(page.locator("#notice")).to_contain_text("Put on hold: Sam Okoro. Next touch: Thu 10 Dec 2026")
    expect(row(page, "Sam Okoro")).to_have_count(0)

    server.stop()
    later = Server(db, "2026-12-10T09:00:00Z")
    try:
        log_in(page, later.base)
        back = section(page, "today").locator("li.row", has_text="Sam Okoro")
        expect(back).to_have_count(1)
        expect(back.locator(".why")).to_contain_text("waiting for the new fiscal year")
        expect(back.locator(".context")).to_contain_text("portfolio")
    finally:
        later.stop()


def test_search_finds_a_contact_by_a_fragment_of_a_note(page, server):
    log_in(page, server.base)
    page.goto(server.base + "/search")
    page.get_by_label(re.compile("^Name, email")).press_sequentially("dispatch sys", delay=30)
    results = page.locator("#search-results")
    expect(results).to_contain_text("Dana Whitfield")
    expect(page).to_have_url(re.compile(r"q=dispatch(%20|\+)sys"))
    results.get_by_role("link", name="Dana Whitfield").click()
    expect(page.get_by_role("heading", name="Dana Whitfield", level=1)).to_be_visible()
    expect(page.locator("svg.timeline circle")).to_have_count(1)
    screenshot(page, "contact-desktop")


def test_the_quick_log_shortcut(page, server):
    log_in(page, server.base)
    page.keyboard.press("l")
    dialog = page.locator("dialog#quick-log")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Contact")).to_be_focused()
    page.keyboard.type("Okor", delay=30)
    # Suggestions arrive as you type: "#id Name", which the server takes as the contact.
    expect(dialog.locator("#ql-options option")).to_have_count(1)
    suggestion = dialog.locator("#ql-options option").first.get_attribute("value")
    assert suggestion.endswith(" Sam Okoro"), suggestion
    dialog.get_by_label("Contact").fill(suggestion)
    page.keyboard.press("Tab")
    dialog.get_by_label("Kind").select_option("meeting")
    dialog.get_by_label("Summary").fill("Coffee; they are reviewing vendors in spring")
    dialog.get_by_label("Summary").press("Enter")
    expect(page.locator("#notice")).to_contain_text("Logged a touch with Sam Okoro. Next touch:")
    # Typing in a field is typing, not a shortcut.
    page.locator("#top-q").click()
    page.keyboard.type("l")
    expect(dialog).to_be_hidden()


def test_a_contact_is_added_and_its_details_edited(page, server):
    log_in(page, server.base)
    page.get_by_role("link", name="New contact").click()
    form = page.locator("#new-contact")
    form.get_by_label("Name").fill("Priya Raman")
    form.get_by_label("Organization").fill("Northwind Freight")
    form.get_by_label("Emails").fill("priya@northwind.example")
    form.get_by_label("Phones").fill("call the office")
    form.get_by_label("Tier").select_option("A")
    form.get_by_role("button", name="Add contact").click()
    # Refused beside its field, with what was typed kept.
    expect(page.locator("#new-phones-error")).to_contain_text("is not a phone number")
    expect(page.locator("#new-contact").get_by_label("Name")).to_have_value("Priya Raman")
    page.locator("#new-contact").get_by_label("Phones").fill("+44 20 7946 0111")
    page.locator("#new-contact").get_by_role("button", name="Add contact").click()
    expect(page.locator("#notice")).to_contain_text("Added Priya Raman. Next touch:")
    expect(page.locator("h1")).to_have_text("Priya Raman")
    expect(page.locator("#tier")).to_contain_text("A")

    page.get_by_text("Edit details").click()
    details = page.locator("#edit-details")
    expect(details.get_by_label("Phones")).to_have_value("+44 20 7946 0111")
    details.get_by_label("Job title").fill("Head of Operations")
    details.get_by_label("Phones").fill("+44 20 7946 0111\n+1 555 0142")
    details.get_by_label("Tags").fill("retreat")
    details.get_by_label("Calling cycle").fill("6w")
    details.get_by_role("button", name="Save details").click()
    expect(page.locator("#notice")).to_contain_text("Updated Priya Raman")
    expect(page.locator("#cycle")).to_contain_text("every 6 weeks (set on the contact)")
    expect(page.locator(".subtitle")).to_contain_text("Head of Operations at Northwind Freight")
    expect(page.locator("a[href='tel:+1 555 0142']")).to_have_count(1)
    screenshot(page, "contact-details-desktop")


def test_the_contacts_list_pages_and_filters(page, server):
    log_in(page, server.base)
    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(page.locator("h1")).to_have_text("Contacts")
    rows = page.locator("#contacts tbody tr")
    # The demo book holds more than a page: 50, then the rest.
    expect(rows).to_have_count(50)
    first_name = rows.first.locator("th a").inner_text()
    page.get_by_role("link", name="Next page »").click()
    expect(page.get_by_role("link", name="« First page")).to_be_visible()
    assert rows.count() >= 1
    assert first_name not in rows.locator("th a").all_inner_texts()

    page.get_by_label("Tier").select_option("A")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"tier=A"))
    expect(page.get_by_label("Tier")).to_have_value("A")
    tiers = rows.locator(".tier").all_inner_texts()
    assert tiers and set(tiers) == {"A"}, tiers
    screenshot(page, "contacts-tier-a")
    name = rows.first.locator("th a").inner_text()
    rows.first.locator("th a").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def test_a_phone_sized_screen(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, server.base)
        expect(row(page, "Dana Whitfield")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways: {width}px wide"
        screenshot(page, "today-phone")
        page.goto(server.base + "/contacts/1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot(page, "contact-phone")
    finally:
        context.close()


def test_a_form_post_without_the_csrf_token_is_refused(page, server):
    log_in(page, server.base)
    refused = page.request.post(
        server.base + "/contacts/1/hold",
        form={"until": "2027-01-10", "reason": "forged"},
        max_redirects=0,
    )
    assert refused.status == 403
    page.goto(server.base + "/contacts/1")
    expect(page.locator("dd.hold")).to_have_count(0)


def test_the_dashboard_draws_its_charts(page, server):
    log_in(page, server.base)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for kind in ["adherence", "weekly", "overdue"]:
        expect(page.locator(f"svg.chart.{kind} rect").first).to_be_visible()
    expect(page.locator("svg.chart.weekly rect")).to_have_count(12)
    screenshot(page, "dashboard-desktop")


def test_importing_a_spreadsheet_with_a_preview_first(page, server, tmp_path):
    sheet = tmp_path / "leads.csv"
    sheet.write_bytes(
        b"Full Name,E-mail Address,Company,Tier\r\n"
        b"Imogen Importer,imogen@import.example,Importers Ltd,B\r\n"
        b"Bob Broken,bob-at-nowhere,,\r\n"
    )
    log_in(page, server.base)
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import contacts")).to_be_visible()
    page.locator("#file").set_input_files(str(sheet))
    page.get_by_role("button", name="Preview").click()
    report = page.locator("#report")
    expect(report).to_contain_text("nothing written yet")
    expect(page.locator("#imported")).to_have_text("1")
    expect(report.locator("table.rejected")).to_contain_text("bob-at-nowhere")
    screenshot(page, "import-preview")

    # The page keeps nothing between the two: the file is chosen again to import it.
    page.locator("#file").set_input_files(str(sheet))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(report).to_contain_text("Imported leads.csv")
    page.get_by_role("search").get_by_label("Search contacts").fill("Imogen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Imogen Importer")).to_be_visible()


def test_merging_a_duplicate_from_the_duplicates_page(page, db):
    # A second Dana at her organization, with a misspelt name and a home address.
    rapport_cli(db, "contact", "add", "Dana Whitfeld", "--org", "Halcyon Freight",
                "--email", "dana.w@home.example")
    server = Server(db, NOW)
    try:
        log_in(page, server.base)
        page.get_by_role("link", name="Duplicates").click()
        pair = page.locator("ul.duplicates > li").filter(has_text="Dana Whitfeld")
        expect(pair).to_contain_text("similar names at Halcyon Freight")
        screenshot(page, "duplicates-desktop")
        pair.get_by_role("button", name=re.compile(r"^Keep #\d+ Dana Whitfield, merge")).click()
        expect(page.locator("#notice")).to_have_text("Merged into Dana Whitfield.")
        expect(page.get_by_text("Dana Whitfeld")).to_have_count(0)

        # Everything of the twin is Dana's now: her home address finds her.
        page.goto(server.base + "/search?q=dana.w%40home")
        results = page.locator("#search-results")
        expect(results.get_by_role("link", name="Dana Whitfield")).to_have_count(1)
        expect(results).to_contain_text("email: dana.w@home.example")
    finally:
        server.stop()


def test_handing_a_contact_over_to_a_teammate(page, db):
    rapport_cli(db, "user", "add", "mo@rapport.test", "--name", "Mo Reyes", "--role", "member",
                input="a long enough password\n")
    server = Server(db, NOW)
    try:
        log_in(page, server.base)
        page.goto(server.base + "/contacts")
        page.get_by_role("link", name="Dana Whitfield", exact=True).click()
        form = page.locator("#hand-over")
        form.get_by_label("Hand over to").select_option(label="Mo Reyes")
        form.get_by_role("button", name="Hand over").click()
        expect(page.locator("#notice")).to_contain_text("Handed over Dana Whitfield.")
        expect(page.locator("#owner")).to_have_text("Mo Reyes")

        # The team's list says whose each contact is, and narrows to one owner.
        page.get_by_role("link", name="Contacts", exact=True).click()
        page.get_by_label("Owner").select_option(label="Mo Reyes")
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("#contacts tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("td.owner")).to_have_text("Mo Reyes")
        screenshot(page, "contacts-of-a-teammate")
    finally:
        server.stop()


def test_disabling_a_teammate_who_left_from_the_settings(page, db):
    rapport_cli(db, "user", "add", "lee@rapport.test", "--name", "Lee Left", "--role", "member",
                input="a long enough password\n")
    # Someone who stays, so the hand-over still has someone to offer once Lee is disabled.
    rapport_cli(db, "user", "add", "kim@rapport.test", "--name", "Kim Kept", "--role", "member",
                input="a long enough password\n")
    server = Server(db, NOW)
    try:
        log_in(page, server.base)
        page.goto(server.base + "/settings#users")
        users = page.locator("#users-table")
        lee = users.locator("tr").filter(has_text="lee@rapport.test")
        expect(lee).to_contain_text("active")
        lee.get_by_role("button", name="Disable lee@rapport.test").click()
        expect(page.locator("p.notice")).to_have_text("Saved.")
        expect(lee).to_contain_text("disabled 25 Nov")
        screenshot(page, "settings-users-desktop")

        # Nobody can hand Lee a contact now: the hand-over is there, offering the others only.
        page.goto(server.base + "/contacts")
        page.get_by_role("link", name="Dana Whitfield", exact=True).click()
        expect(page.locator("#hand-over")).to_be_visible()
        expect(page.locator("#hand-over option", has_text="Kim Kept")).to_have_count(1)
        expect(page.locator("#hand-over option", has_text="Lee Left")).to_have_count(0)

        # The demo owner cannot disable themselves: no button on their own row.
        page.goto(server.base + "/settings#users")
        expect(users.locator("tr").filter(has_text="demo@rapport.test")
               .get_by_role("button")).to_have_count(0)
        lee.get_by_role("button", name="Enable lee@rapport.test").click()
        expect(lee).to_contain_text("active")
    finally:
        server.stop()
