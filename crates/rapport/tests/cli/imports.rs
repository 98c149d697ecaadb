//! `rapport import` of contact files: spreadsheets and other tools' exports into a book that
//! may already hold some of the people, with a report.

use serde_json::{Value, json};

use crate::support::*;

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn import(rapport: &Rapport, args: &[&str]) -> Value {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    rapport.json(&all)
}

/// On SQLite the import writes with foreign keys unchecked (intake.rs): every reference it
/// wrote must hold all the same. PostgreSQL checks them as it writes.
fn assert_references_hold(rapport: &Rapport) {
    if rapport.db.is_sqlite() {
        assert_eq!(
            rapport
                .db
                .count("SELECT COUNT(*) FROM pragma_foreign_key_check"),
            0,
            "a reference the import wrote points nowhere"
        );
    }
}

fn counts(report: &Value) -> [u64; 5] {
    ["rows", "imported", "updated", "skipped", "unchanged"].map(|k| report[k].as_u64().unwrap())
}

fn rejected(report: &Value) -> Vec<(u64, Option<String>, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["column"].as_str().map(str::to_owned),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A Windows-1252 CSV with a BOM-less header in another spelling, CRLF, a quoted comma and
/// newline, an empty row, a bad email and a column Rapport has no field for.
const SPREADSHEET: &[u8] = b"Full Name,E-mail Address,Mobile Phone,Company,Job Title,Tier,Met at\r\n\
Ada Lovelace,ada@engines.example,+44 20 7946 0000,Analytical Engines,Countess,A,\"Summit, day 2\r\nby the coffee\"\r\n\
Zo\xEB M\xFCller,zoe@halcyon.example,,Halcyon,,,\r\n\
,,,,,,\r\n\
Bob Broken,bob-at-nowhere,,,,,\r\n\
Dana Whitfield,dana@halcyon.example,+1 555 0100,Halcyon,CTO,,\r\n";

#[test]
fn a_spreadsheet_lands_beside_the_book_and_a_second_import_changes_nothing() {
    let rapport = Rapport::new();
    // Dana is in the book already, without her phone.
    let dana = rapport.add("Dana Whitfield", &["--email", "dana@halcyon.example"]);
    let dir = TempDir::new();
    let file = write(&dir, "leads.csv", SPREADSHEET);

    let report = import(&rapport, &[&file]);
    assert_eq!(report["format"], "csv");
    // 5 rows: Ada and Zoë new, Dana updated (her phone, organization and title), one empty,
    // Bob rejected on line 5 (Ada's quoted newline makes line 3 part of her row).
    assert_eq!(counts(&report), [5, 2, 1, 1, 0]);
    assert_eq!(
        rejected(&report),
        [(
            6,
            Some("E-mail Address".to_owned()),
            "invalid email address 'bob-at-nowhere': expected name@domain.tld".to_owned()
        )]
    );
    assert!(
        report["notices"][0].as_str().unwrap().contains("Met at"),
        "{report}"
    );

    let ada = rapport.show("ada@engines.example");
    assert_eq!(ada["organization"]["name"], "Analytical Engines");
    assert_eq!(ada["title"], "Countess");
    assert_eq!(ada["tier"], "A");
    assert_eq!(ada["phones"][0], "+44 20 7946 0000");
    assert_eq!(ada["notes"], "Met at: Summit, day 2\r\nby the coffee");
    // Every imported contact is scheduled like one added by hand.
    let by_hand = rapport.add("By Hand", &["--tier", "A"]);
    let by_hand = rapport.show(&by_hand.to_string());
    assert_eq!(ada["next_touch"], by_hand["next_touch"]);
    assert_eq!(ada["next_touch"]["on"], "2026-11-25");
    assert_eq!(ada["cadence"], by_hand["cadence"]);
    assert_eq!(ada["cadence"]["every"], "30d");
    let zoe = rapport.show("zoe@halcyon.example");
    assert_eq!(zoe["name"], "Zoë Müller", "Windows-1252 read as such");
    let dana_now = rapport.show(&dana.to_string());
    assert_eq!(dana_now["phones"][0], "+1 555 0100");
    assert_eq!(dana_now["title"], "CTO");
    assert_eq!(dana_now["organization"]["name"], "Halcyon");
    assert_eq!(
        zoe["organization"]["id"], dana_now["organization"]["id"],
        "one Halcyon"
    );
    assert_eq!(rapport.all_contacts().as_array().unwrap().len(), 4);
    assert_eq!(rapport.db.stale_schedules(), 0);

    // The report went to a file beside the input as well.
    let written = std::fs::read_to_string(dir.path().join("leads.csv.import-report.txt")).unwrap();
    assert!(written.contains("imported: 2"), "{written}");
    assert!(
        written.contains("line 6, column 'E-mail Address'"),
        "{written}"
    );

    // Once more: everybody is matched, nothing changes, nobody is doubled.
    let before = rapport.snapshot();
    let again = import(&rapport, &[&file]);
    assert_eq!(counts(&again), [5, 0, 0, 4, 3]);
    assert_eq!(rapport.snapshot(), before);
    assert_references_hold(&rapport);
}

#[test]
fn a_dry_run_reports_the_same_and_writes_nothing() {
    let rapport = Rapport::new();
    rapport.add("Dana Whitfield", &["--email", "dana@halcyon.example"]);
    let dir = TempDir::new();
    let file = write(&dir, "leads.csv", SPREADSHEET);
    let before = rapport.snapshot();
    let audit_rows = rapport.db.count("SELECT COUNT(*) FROM audit_log");

    let mut dry = import(&rapport, &["--dry-run", &file]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(rapport.snapshot(), before, "a dry run writes nothing");
    assert_eq!(
        rapport.db.count("SELECT COUNT(*) FROM audit_log"),
        audit_rows
    );

    let real = import(&rapport, &[&file]);
    dry["dry_run"] = Value::Bool(false);
    assert_eq!(dry, real, "the dry run said what the import then did");
    assert_references_hold(&rapport);
}

#[test]
fn rows_are_matched_by_email_then_phone_then_name_at_organization() {
    let rapport = Rapport::new();
    let by_phone = rapport.add("Sam Phone", &["--phone", "+1 555 0199"]);
    let by_name = rapport.add("Nia Name", &["--org", "Acme"]);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "people.csv",
        b"name,email,phone,organization,tags\n\
SAM PHONE,sam@acme.example,+1 555 0199,,vip\n\
nia name,,,ACME,summit\n\
Nia Name,,,Other Corp,\n\
Lee Twice,lee@acme.example,,,\n\
Lee Twice,LEE@acme.example,+1 555 0142,,\n",
    );
    let report = import(&rapport, &[&file]);
    // Sam by phone and name (case aside), Nia by name at Acme (case aside), Nia at Other
    // Corp is someone else,
    // Lee is new and his second row adds a phone to him.
    assert_eq!(counts(&report), [5, 2, 3, 0, 0]);
    let sam = rapport.show(&by_phone.to_string());
    assert_eq!(sam["emails"][0], "sam@acme.example");
    assert_eq!(sam["tags"][0], "vip");
    assert_eq!(sam["name"], "Sam Phone", "a name is never overwritten");
    assert_eq!(rapport.show(&by_name.to_string())["tags"][0], "summit");
    let lee = rapport.show("lee@acme.example");
    assert_eq!(lee["phones"][0], "+1 555 0142");
    assert_eq!(rapport.all_contacts().as_array().unwrap().len(), 4);
}

/// One number written two ways — a Google export's "+1 555 010 0199", an Outlook export's
/// "(555) 010-0199" — is one person: matched by the digits that identify it, in the book and
/// within the file, and not added to them a second time.
#[test]
fn a_phone_number_written_another_way_matches_the_same_person() {
    let rapport = Rapport::new();
    let sam = rapport.add("Sam Phone", &["--phone", "+1 (555) 010-0199"]);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "people.csv",
        b"name,phone,tags\n\
SAM PHONE,+1 555 010 0199,vip\n\
Sam Phone,1-555-010-0199,\n\
Mo Twice,020 7946 0958,\n\
Mo Twice,+44 20 7946 0958,london\n\
Short Number,0142,\n\
Short Number,142,\n",
    );
    let report = import(&rapport, &[&file]);
    // Sam's first row adds a tag, his second nothing; Mo's second row adds a tag to the Mo of
    // the first; numbers under seven digits identify no one, so the last two are two people.
    assert_eq!(counts(&report), [6, 3, 2, 1, 1]);
    let sam = rapport.show(&sam.to_string());
    assert_eq!(sam["phones"], serde_json::json!(["+1 (555) 010-0199"]));
    assert_eq!(sam["tags"], serde_json::json!(["vip"]));
    let list = rapport.json(&["contact", "list", "--tag", "london"]);
    let mo = rapport.show(&list[0]["id"].to_string());
    assert_eq!(mo["phones"], serde_json::json!(["020 7946 0958"]));
    assert_eq!(rapport.all_contacts().as_array().unwrap().len(), 4);

    // Imported again, written as the book has them: nothing changes (a short number matches
    // as written).
    let again = write(
        &dir,
        "again.csv",
        b"name,phone\nSam Phone,+1 (555) 010-0199\nMo Twice,020 7946 0958\nShort Number,0142\n",
    );
    assert_eq!(counts(&import(&rapport, &[&again])), [3, 0, 0, 3, 3]);
    assert_eq!(rapport.all_contacts().as_array().unwrap().len(), 4);
}

#[test]
fn google_outlook_and_linkedin_exports_are_told_by_their_headers() {
    let rapport = Rapport::new();
    let dir = TempDir::new();
    let google = write(
        &dir,
        "contacts.csv",
        "Name,Given Name,Additional Name,Family Name,Yomi Name,Nickname,Birthday,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Organization 1 - Type,Organization 1 - Name,Organization 1 - Title\n\
Ada Lovelace,Ada,,Lovelace,,,1815-12-10,Poet of science,* myContacts ::: Friends,* Work,ada@engines.example ::: ada@home.example,Home,ada@lovelace.example,Mobile,+44 20 7946 0000,,Analytical Engines,Countess\n"
            .as_bytes(),
    );
    let report = import(&rapport, &[&google]);
    assert_eq!(report["format"], "google");
    let ada = rapport.show("ada@engines.example");
    assert_eq!(ada["emails"].as_array().unwrap().len(), 3);
    assert_eq!(ada["tags"], serde_json::json!(["Friends"]));
    assert_eq!(ada["title"], "Countess");
    assert_eq!(ada["notes"], "Poet of science\nBirthday: 1815-12-10");

    let outlook = write(
        &dir,
        "outlook.csv",
        "First Name,Middle Name,Last Name,Title,Suffix,Company,Department,Job Title,Business Phone,Mobile Phone,E-mail Address,E-mail Display Name,E-mail 2 Address,Notes,Categories\n\
Grace,Brewster,Hopper,Rear Admiral,,US Navy,,Computer Scientist,+1 555 0101,,grace@navy.example,Grace Hopper (grace@navy.example),,,Navy;Pioneers\n"
            .as_bytes(),
    );
    let report = import(&rapport, &[&outlook]);
    assert_eq!(report["format"], "outlook");
    let grace = rapport.show("grace@navy.example");
    assert_eq!(grace["name"], "Grace Brewster Hopper");
    assert_eq!(
        grace["title"], "Computer Scientist",
        "Outlook's Title is the courtesy title"
    );
    assert_eq!(grace["notes"], "Title: Rear Admiral");
    assert_eq!(grace["tags"], serde_json::json!(["Navy", "Pioneers"]));

    let linkedin = write(
        &dir,
        "Connections.csv",
        "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nKatherine,Johnson,https://www.linkedin.com/in/kjohnson,,NASA,Mathematician,14 Mar 2024\n"
            .as_bytes(),
    );
    let report = import(&rapport, &[&linkedin]);
    assert_eq!(report["format"], "linkedin");
    assert_eq!(counts(&report), [1, 1, 0, 0, 0]);
    let list = rapport.json(&["contact", "list", "--org", "NASA"]);
    let katherine = rapport.show(&list[0]["id"].to_string());
    assert_eq!(katherine["source"], "LinkedIn");
    assert_eq!(katherine["title"], "Mathematician");
    assert_references_hold(&rapport);
}

#[test]
fn a_phones_vcard_file_with_many_cards() {
    let rapport = Rapport::new();
    let dir = TempDir::new();
    let file = write(
        &dir,
        "phone.vcf",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;;;\r\nFN:Ada Lovelace\r\nORG:Analytical Engines;Research\r\nEMAIL;TYPE=INTERNET:ada@engines.example\r\nTEL;TYPE=CELL:+44 20 7946 0000\r\nNOTE:Wants a data migration\\, soon.\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\r\n 2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;Zo=\r\n=EB\r\nEMAIL:zoe@halcyon.example\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:4.0\r\nFN:No Address\r\nEMAIL:nope\r\nEND:VCARD\r\n",
    );
    let report = import(&rapport, &[&file]);
    assert_eq!(report["format"], "vcard");
    assert_eq!(counts(&report), [3, 2, 0, 0, 0]);
    assert_eq!(rejected(&report)[0].0, 18);
    assert_eq!(rejected(&report)[0].1.as_deref(), Some("EMAIL"));
    assert_eq!(
        report["notices"],
        serde_json::json!(["line 1: photo skipped"])
    );
    let ada = rapport.show("ada@engines.example");
    assert_eq!(ada["organization"]["name"], "Analytical Engines");
    assert_eq!(
        ada["notes"],
        "Wants a data migration, soon.\nORG unit: Research"
    );
    assert_eq!(rapport.show("zoe@halcyon.example")["name"], "Zoë Müller");
    assert_references_hold(&rapport);
}

#[test]
fn workbooks_read_their_first_sheet_or_the_one_named() {
    for book in ["contacts.xlsx", "contacts.ods"] {
        let rapport = Rapport::new();
        let report = import(&rapport, &[&fixture(book)]);
        // Header, Ada, an empty row, a bad tier on row 4, Grace.
        assert_eq!(counts(&report), [4, 2, 0, 1, 0], "{book}");
        assert_eq!(
            rejected(&report),
            [(
                4,
                Some("Tier".to_owned()),
                "unknown tier 'Z' (expected one of: A, B, C, D)".to_owned()
            )],
            "{book}"
        );
        let ada = rapport.show("ada@engines.example");
        assert_eq!(ada["phones"][0], "442079460000", "{book}: a number cell");
        assert_eq!(ada["notes"], "Met at: Summit 2026", "{book}");

        let other = import(&rapport, &["--sheet", "Other", &fixture(book)]);
        assert_eq!(counts(&other), [1, 1, 0, 0, 0], "{book}");
        rapport.fails(
            &["import", "--sheet", "Nope", &fixture(book)],
            &["no sheet 'Nope'", "Leads, Other"],
        );
    }
}

#[test]
fn map_owner_and_errors_name_what_is_wrong() {
    let rapport = Rapport::new();
    let added = rapport.run_with_input(
        "a long enough password\n",
        &["user", "add", "ann@team.example", "--role", "member"],
    );
    assert!(added.success, "{}", added.stderr);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "odd.csv",
        b"Who,Reach,Level\nAda Lovelace,ada@engines.example,B\n",
    );
    rapport.fails(
        &["import", &file],
        &["no column holds a name or an email", "Who, Reach"],
    );
    rapport.fails(
        &["import", "--map", "Nope=name", &file],
        &["--map", "no column 'Nope'"],
    );
    rapport.fails(
        &["import", "--map", "Who=nickname", &file],
        &["--map", "unknown field 'nickname'"],
    );
    rapport.fails(
        &["import", "--format", "xls", &file],
        &["--format", "unknown format 'xls'"],
    );

    let report = import(
        &rapport,
        &[
            "--map",
            "Who=name",
            "--map",
            "Reach=email",
            "--map",
            "Level=tier",
            "--owner",
            "ann@team.example",
            &file,
        ],
    );
    assert_eq!(counts(&report), [1, 1, 0, 0, 0]);
    let ada = rapport.show("ada@engines.example");
    assert_eq!(ada["tier"], "B");
    assert_eq!(ada["owner_id"], 2, "Ann's book");
    assert_references_hold(&rapport);

    // A viewer's book takes no contacts: nobody there could log their touches.
    let added = rapport.run_with_input(
        "a long enough password\n",
        &["user", "add", "vic@team.example", "--role", "viewer"],
    );
    assert!(added.success, "{}", added.stderr);
    let before = rapport.snapshot();
    rapport.fails(
        &[
            "import",
            "--owner",
            "vic@team.example",
            "--map",
            "Who=name",
            &file,
        ],
        &["is a viewer, who cannot own contacts"],
    );
    assert_eq!(rapport.snapshot(), before);
    // Made a member, as the message says, Vic takes the file.
    let promoted = rapport.ok(&["user", "role", "vic@team.example", "member"]);
    assert!(promoted.contains("viewer → member"), "{promoted}");
    let report = import(
        &rapport,
        &["--owner", "vic@team.example", "--map", "Who=name", &file],
    );
    assert_eq!(counts(&report), [1, 1, 0, 0, 0]);
    // Back to a viewer only once the book is someone else's.
    rapport.fails(
        &["user", "role", "vic@team.example", "viewer"],
        &[
            "user #3 vic@team.example owns 1 contact, and a viewer owns none",
            "reassign their book first",
        ],
    );
    rapport.ok(&[
        "user",
        "reassign",
        "vic@team.example",
        "--to",
        "ann@team.example",
    ]);
    rapport.ok(&["user", "role", "vic@team.example", "viewer"]);
    assert_references_hold(&rapport);
    // A disabled user's book takes none either, whatever their role.
    rapport.ok(&["user", "role", "vic@team.example", "member"]);
    rapport.ok(&["user", "disable", "vic@team.example"]);
    let before = rapport.snapshot();
    rapport.fails(
        &[
            "import",
            "--owner",
            "vic@team.example",
            "--map",
            "Who=name",
            &file,
        ],
        &["user #3 vic@team.example is disabled, and a disabled user owns no contacts"],
    );
    assert_eq!(rapport.snapshot(), before);
}

#[test]
fn an_email_given_to_one_contact_is_not_given_to_another_in_the_same_file() {
    let rapport = Rapport::new();
    let ada = rapport.add("Ada Lovelace", &["--email", "ada@engines.example"]);
    let bob = rapport.add("Bob Phone", &["--phone", "+1 555 0123"]);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "clash.csv",
        b"name,email,phone\n\
Ada Lovelace,ada@engines.example; shared@engines.example,\n\
Bob Phone,shared@engines.example,+1 555 0123\n",
    );
    let report = import(&rapport, &[&file]);
    // Ada gains the shared address; Bob's row (matched by phone) would take it from her.
    assert_eq!(counts(&report), [2, 0, 1, 0, 0]);
    let (line, column, reason) = &rejected(&report)[0];
    assert_eq!((*line, column.as_deref()), (3, None));
    assert!(reason.contains(&format!("belongs to #{ada}")), "{reason}");
    assert_eq!(
        rapport.show(&ada.to_string())["emails"][1],
        "shared@engines.example"
    );
    assert_eq!(
        rapport.show(&bob.to_string())["emails"],
        serde_json::json!([])
    );
}

/// Names of the contacts `rapport search` finds for `words`.
fn found(rapport: &Rapport, words: &str) -> Vec<String> {
    let mut names: Vec<String> = rapport.json(&["search", words])["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["contact"]["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn search_finds_what_an_import_wrote_the_moment_it_commits() {
    let rapport = Rapport::new();
    // In the book before: matched by phone, given an email and an organization by the file.
    rapport.add("Sam Phone", &["--phone", "+1 555 0199"]);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "people.csv",
        b"name,email,phone,organization,notes\n\
Ada Lovelace,ada@engines.example,,Analytical Engines,met at the quarry retreat\n\
sam phone,sam@borealis.example,+1 555 0199,Borealis,\n\
Lee Twice,lee@acme.example,,,\n\
Lee Twice,lee@orbital.example,,,\n",
    );
    import(&rapport, &[&file]);
    // A new contact by name, organization, email and notes.
    for words in ["lovelace", "analytical", "engines.example", "quarry"] {
        assert_eq!(found(&rapport, words), ["Ada Lovelace"], "{words}");
    }
    // A stored contact by what the import added to him.
    assert_eq!(found(&rapport, "borealis"), ["Sam Phone"]);
    // A new contact by the email a later row of the file added.
    assert_eq!(found(&rapport, "orbital"), ["Lee Twice"]);
    // After the import, the book's own writes are indexed again as they happen.
    rapport.add("Grace Hopper", &["--email", "grace@navy.example"]);
    assert_eq!(found(&rapport, "navy"), ["Grace Hopper"]);
    rapport.ok(&["contact", "edit", "Sam Phone", "--notes", "likes sailing"]);
    assert_eq!(found(&rapport, "sailing"), ["Sam Phone"]);
}

/// Rows of people found by nobody else, at fifty organizations: a large file's filling, for
/// the `name,email,phone,organization` header.
fn filler(file: &mut String, people: std::ops::Range<usize>) {
    for i in people {
        file.push_str(&format!(
            "Person {i},person{i}@filler.example,,Filler {}\n",
            i % 50
        ));
    }
}

#[test]
fn rows_match_across_the_chunks_of_a_large_file_and_what_it_changed_on_the_way() {
    let rapport = Rapport::new();
    let ada = rapport.add("Ada Lovelace", &["--email", "ada@engines.example"]);
    rapport.add("Sam Phone", &["--phone", "+1 555 0199"]);
    let mut file = String::from("name,email,phone,organization\n");
    // Three chunks of rows as the import reads and writes them: the rows below fall in the
    // second and the third.
    filler(&mut file, 0..5_500);
    // Matched by email, under another spelling of her name: the book now holds her name at
    // an organization that no row of the file has named her at.
    file.push_str("A. Lovelace,ada@engines.example,,Analytical Engines\n");
    file.push_str("Lee Twice,lee@acme.example,+1 555 0150,Orbital\n");
    filler(&mut file, 5_500..11_000);
    file.push_str("Ada Lovelace,,,Analytical Engines\n");
    file.push_str("Lee Twice,lee@latecomer.example,,Orbital\n");
    file.push_str("lee twice,,+1 555 0150,\n");
    file.push_str("Person 7,person7@filler.example,,\n");
    file.push_str("Sam Phone,,+1 555 0199,\n");
    let dir = TempDir::new();
    let path = write(&dir, "large.csv", file.as_bytes());

    let report = import(&rapport, &[&path]);
    // New: Lee and the 11,000. Updated: Ada (her organization) and Lee (a second email).
    // Already there: Ada by name at her new organization, Lee by phone, Person 7 by email and
    // Sam by phone.
    assert_eq!(counts(&report), [11_007, 11_001, 2, 4, 4]);
    assert_eq!(
        rapport.show(&ada.to_string())["organization"]["name"],
        "Analytical Engines"
    );
    // Each chunk is indexed for search as it is written; what a later chunk added to a
    // contact is found too, as is what the file gave a stored contact.
    assert_eq!(found(&rapport, "orbital"), ["Lee Twice"]);
    assert_eq!(found(&rapport, "latecomer"), ["Lee Twice"]);
    assert_eq!(found(&rapport, "analytical"), ["Ada Lovelace"]);
    // The last chunk is searchable too (beside names a typo away).
    assert!(found(&rapport, "10999").contains(&"Person 10999".to_owned()));
    let again = import(&rapport, &[&path]);
    assert_eq!(counts(&again), [11_007, 0, 0, 11_007, 11_007]);
    assert_references_hold(&rapport);
}

/// A chunk is matched while the chunk before it is written (intake.rs): a row repeating a
/// contact of that chunk finds it from memory — by email, by phone, by name at organization —
/// and the name at an organization that chunk gave a stored contact is found from the chunk
/// after.
#[test]
fn rows_match_the_contacts_of_the_chunk_still_being_written() {
    let rapport = Rapport::new();
    let ada = rapport.add("Ada Lovelace", &["--email", "ada@engines.example"]);
    let mut file = String::from("name,email,phone,organization\n");
    // Chunks of 5,000 rows. The first:
    filler(&mut file, 0..5_000);
    // The second: Ada, under another spelling of her name, gains an organization.
    file.push_str("A. Lovelace,ada@engines.example,,Analytical Engines\n");
    file.push_str("Lee Twice,lee@acme.example,+1 555 0150,Orbital\n");
    filler(&mut file, 5_000..9_998);
    // The third, matched while the second is written: three of its people again.
    file.push_str("Person 9000,person9000@filler.example,,\n");
    file.push_str("LEE TWICE,,+1 555 0150,\n");
    file.push_str("Person 9001,,,Filler 1\n");
    filler(&mut file, 9_998..14_995);
    // The fourth: Ada by her own name at the organization the second chunk gave her.
    file.push_str("Ada Lovelace,,,Analytical Engines\n");
    filler(&mut file, 14_995..15_000);
    let dir = TempDir::new();
    let path = write(&dir, "chunks.csv", file.as_bytes());

    let report = import(&rapport, &[&path]);
    assert_eq!(counts(&report), [15_006, 15_001, 1, 4, 4]);
    assert_eq!(rejected(&report), []);
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM contacts"), 15_002);
    assert_eq!(
        rapport.show(&ada.to_string())["organization"]["name"],
        "Analytical Engines"
    );
    assert_references_hold(&rapport);
}

/// A column mapped to `field:KEY` lands in the contact's custom fields, which the ideal client
/// profile reads. An import fills a field a contact lacks and never overwrites one it has; a
/// value that is no custom field's is refused with its column, and a bad key stops the file.
/// The CSV export writes the fields back out under the same headers.
#[test]
fn columns_mapped_to_custom_fields_fill_what_a_contact_lacks() {
    let rapport = Rapport::new();
    let grace = rapport.add("Grace Hopper", &["--email", "grace@navy.example"]);
    rapport.ok(&[
        "contact",
        "edit",
        &grace.to_string(),
        "--field",
        "segment=public",
    ]);
    let long = "x".repeat(201);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "segments.csv",
        format!(
            "Name,Email,Segment,Industry\n\
             Ada Lovelace,ada@engines.example,Enterprise,Engines\n\
             Grace Hopper,grace@navy.example,Defence,Navy\n\
             Dana Whitfield,dana@halcyon.example,,\n\
             Ada Lovelace,ada@engines.example,Retail,Looms\n\
             Zoe Long,zoe@long.example,{long},\n"
        )
        .as_bytes(),
    );
    let args = [
        file.as_str(),
        "--map",
        "Segment=field:segment",
        "--map",
        "Industry=field:industry",
    ];
    let report = import(&rapport, &args);
    // New: Ada and Dana. Updated: Grace (her industry). Ada again holds both fields already.
    assert_eq!(counts(&report), [5, 2, 1, 1, 1]);
    assert_eq!(
        rejected(&report),
        [(
            6,
            Some("Segment".to_owned()),
            "a custom field value is one line of 1 to 200 characters".to_owned()
        )]
    );
    let fields = |who: &str| rapport.show(who)["fields"].clone();
    assert_eq!(
        fields("ada@engines.example"),
        json!({"industry": "Engines", "segment": "Enterprise"})
    );
    assert_eq!(
        fields("grace@navy.example"),
        json!({"industry": "Navy", "segment": "public"})
    );
    assert_eq!(fields("dana@halcyon.example"), json!({}));

    let again = import(&rapport, &args);
    assert_eq!(counts(&again), [5, 0, 0, 4, 4]);
    // The CSV export has a `field:KEY` column per key and the vCard export an X-RAPPORT-FIELD
    // property per field; an import elsewhere reads either back.
    for (format, name) in [("csv", "book.csv"), ("vcard", "book.vcf")] {
        let exported = dir.path().join(name);
        let exported = exported.to_str().unwrap();
        rapport.ok(&["export", "--format", format, "--output", exported]);
        let elsewhere = Rapport::new();
        import(&elsewhere, &[exported]);
        for who in [
            "ada@engines.example",
            "grace@navy.example",
            "dana@halcyon.example",
        ] {
            assert_eq!(
                elsewhere.show(who)["fields"],
                fields(who),
                "{format}: {who}"
            );
        }
    }
    rapport.fails(
        &["import", &file, "--map", "Segment=field:Bad Key"],
        &["--map 'field:Bad Key'", "a custom field key"],
    );
    assert_references_hold(&rapport);
}

#[test]
fn a_person_twice_in_a_file_gets_what_both_rows_say_and_a_second_import_changes_nothing() {
    let rapport = Rapport::new();
    let dir = TempDir::new();
    let file = write(
        &dir,
        "twice.csv",
        b"name,email,organization,tier,stage,source\n\
Lee Twice,lee@orbital.example,,,,\n\
Lee T.,lee@orbital.example,Orbital,A,customer,summit\n\
Lee Twice,,Orbital,,,\n",
    );
    let report = import(&rapport, &[&file]);
    // The second row fills what the first left empty; the third is Lee by name at Orbital,
    // the organization the second row gave him.
    assert_eq!(counts(&report), [3, 1, 1, 1, 1]);
    let lee = rapport.show("lee@orbital.example");
    assert_eq!(lee["organization"]["name"], "Orbital");
    assert_eq!(
        (&lee["tier"], &lee["stage"], &lee["source"]),
        (&json!("A"), &json!("customer"), &json!("summit"))
    );
    let again = import(&rapport, &[&file]);
    assert_eq!(counts(&again), [3, 0, 0, 3, 3]);
    assert_references_hold(&rapport);
}

#[test]
fn a_row_that_adds_nothing_to_a_stored_contact_leaves_it_and_one_that_adds_anything_updates_it() {
    let rapport = Rapport::new();
    let ada = rapport.add(
        "Ada Lovelace",
        &[
            "--email",
            "ada@engines.example",
            "--tag",
            "vip",
            "--tier",
            "A",
            "--role",
            "champion",
            "--notes",
            "met at the summit",
        ],
    );
    let dir = TempDir::new();
    let file = write(
        &dir,
        "ada.csv",
        b"name,email,tags,tier,roles,notes,title\n\
Ada Lovelace,ada@engines.example,vip,B,champion,the summit,\n\
Ada Lovelace,ada@engines.example,board,,,,\n\
Ada Lovelace,ada@engines.example,,,,,CTO\n\
Ada Lovelace,ada@engines.example,,,referrer,,\n\
Ada Lovelace,ada@engines.example,board,,,,CTO\n",
    );
    // The first row holds nothing new (her tier is not overwritten, her notes hold the
    // phrase); the next three add a tag, a title, a role; the last holds what they added.
    let report = import(&rapport, &[&file]);
    assert_eq!(counts(&report), [5, 0, 3, 2, 2]);
    let shown = rapport.show(&ada.to_string());
    assert_eq!(shown["tags"], json!(["board", "vip"]));
    assert_eq!(shown["title"], "CTO");
    assert_eq!(shown["tier"], "A");
    let again = import(&rapport, &[&file]);
    assert_eq!(counts(&again), [5, 0, 0, 5, 5]);
    assert_references_hold(&rapport);
}

#[test]
fn a_file_from_a_pipe_is_imported_and_no_report_is_written_beside_the_pipe() {
    let rapport = Rapport::new();
    let dir = TempDir::new();
    let pipe = dir.path().join("contacts");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status();
    assert!(made.unwrap().success());
    let writer = {
        let pipe = pipe.clone();
        std::thread::spawn(move || {
            std::fs::write(pipe, "name,email\nAda Lovelace,ada@engines.example\n").unwrap()
        })
    };
    let said = rapport.ok(&["import", pipe.to_str().unwrap(), "--format", "csv"]);
    writer.join().unwrap();
    assert!(said.contains("no report file"), "{said}");
    assert_eq!(
        dir.entries(),
        ["contacts"],
        "nothing written beside the pipe"
    );
    assert_eq!(rapport.show("ada@engines.example")["name"], "Ada Lovelace");
}

/// The pair of contacts `rapport duplicates` lists for `a` and `b`, with its evidence.
fn duplicate_evidence(rapport: &Rapport, a: i64, b: i64) -> Option<Vec<String>> {
    let pairs = rapport.json(&["duplicates"]);
    pairs.as_array().unwrap().iter().find_map(|pair| {
        let ids = [&pair["first"]["id"], &pair["second"]["id"]];
        (ids == [&json!(a), &json!(b)] || ids == [&json!(b), &json!(a)]).then(|| {
            pair["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| s(&e["description"]).to_owned())
                .collect()
        })
    })
}

fn id_of(rapport: &Rapport, name: &str) -> Vec<i64> {
    rapport
        .all_contacts()
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == name)
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// A company's switchboard number is on many people's rows: it makes none of them someone
/// else. A row matches a contact by phone only when their names agree.
#[test]
fn a_shared_switchboard_number_does_not_make_different_people_one() {
    let rapport = Rapport::new();
    let alice = rapport.add(
        "Alice Archer",
        &["--phone", "+1 555 010 0101", "--org", "Acme Corp"],
    );
    let alice_before = rapport.show(&alice.to_string());
    let dir = TempDir::new();
    let file = write(
        &dir,
        "acme.csv",
        b"Name,Email,Phone,Company\n\
Quinn Shared,quinn@acme.example,+1 555 010 0101,Acme Corp\n\
Rob Switch,,555-010-0101,Acme Corp\n",
    );
    let report = import(&rapport, &[&file]);
    assert_eq!(counts(&report), [2, 2, 0, 0, 0]);
    assert_eq!(
        rapport.show(&alice.to_string()),
        alice_before,
        "Alice unchanged"
    );
    let quinn = rapport.show("quinn@acme.example");
    assert_eq!(quinn["name"], "Quinn Shared");
    assert_eq!(quinn["phones"], json!(["+1 555 010 0101"]));
    let rob = id_of(&rapport, "Rob Switch");
    assert_eq!(rob.len(), 1);
    assert_eq!(rapport.all_contacts().as_array().unwrap().len(), 3);
    // They are left for a person to judge: the number is the evidence.
    let quinn = quinn["id"].as_i64().unwrap();
    for (a, b) in [(alice, quinn), (alice, rob[0]), (quinn, rob[0])] {
        let evidence = duplicate_evidence(&rapport, a, b).expect("listed as likely duplicates");
        assert!(
            evidence.iter().any(|e| e.starts_with("same phone")),
            "{evidence:?}"
        );
    }
    // Quinn by email, Rob by the number under his own name.
    let before = rapport.snapshot();
    assert_eq!(counts(&import(&rapport, &[&file])), [2, 0, 0, 2, 2]);
    assert_eq!(rapport.snapshot(), before);
    assert_references_hold(&rapport);
}

/// Numbers compare by their last nine digits: a Berlin number and a Paris one can share them.
/// Different names keep them apart — in the book and within a file —, the same name (case and
/// surrounding spaces aside) still finds its contact.
#[test]
fn numbers_alike_in_their_last_nine_digits_are_one_person_only_under_one_name() {
    let rapport = Rapport::new();
    let helene = rapport.add("Hélène Dubois", &["--phone", "+33 1 23 45 67 89"]);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "europe.csv",
        "name,phone,tags\n\
Hans Huber,+49 30 123456789,\n\
HÉLÈNE DUBOIS,0033 1 23 45 67 89,paris\n\
hans huber,+49 (0)30 123456789,berlin\n\
Ines Silva,+351 912 345 678,\n\
Ivo Costa,00351 912 345 678,\n"
            .as_bytes(),
    );
    let report = import(&rapport, &[&file]);
    // Hans is new, Hélène gains a tag, Hans's second row a tag; Ines and Ivo are two people.
    assert_eq!(counts(&report), [5, 3, 2, 0, 0]);
    let helene = rapport.show(&helene.to_string());
    assert_eq!(helene["tags"], json!(["paris"]));
    assert_eq!(helene["phones"], json!(["+33 1 23 45 67 89"]));
    let hans = id_of(&rapport, "Hans Huber");
    assert_eq!(hans.len(), 1);
    let hans = rapport.show(&hans[0].to_string());
    assert_eq!(hans["phones"], json!(["+49 30 123456789"]));
    assert_eq!(hans["tags"], json!(["berlin"]));
    assert_eq!(id_of(&rapport, "Ines Silva").len(), 1);
    assert_eq!(id_of(&rapport, "Ivo Costa").len(), 1);
    assert_eq!(rapport.all_contacts().as_array().unwrap().len(), 4);
    assert_eq!(counts(&import(&rapport, &[&file])), [5, 0, 0, 5, 5]);
}

/// A row without a name of its own is named after its email: it has no name to disagree with,
/// so a phone matches it to the contact that holds the number.
#[test]
fn a_row_without_a_name_of_its_own_matches_by_phone_alone() {
    let rapport = Rapport::new();
    let sam = rapport.add("Sam Phone", &["--phone", "+1 555 010 0199"]);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "nameless.csv",
        b"name,email,phone\n,sam@home.example,(555) 010-0199\n",
    );
    assert_eq!(counts(&import(&rapport, &[&file])), [1, 0, 1, 0, 0]);
    let sam = rapport.show(&sam.to_string());
    assert_eq!(sam["emails"], json!(["sam@home.example"]));
    assert_eq!(sam["name"], "Sam Phone");
    assert_eq!(rapport.all_contacts().as_array().unwrap().len(), 1);
}

/// Rows that say only a name — a LinkedIn connection with no email and no company, a
/// spreadsheet's name and an empty phone — are the contact with that name at no
/// organization: importing them again changes nothing, and twice in one file they are one.
#[test]
fn rows_with_only_a_name_are_found_again_at_no_organization() {
    let rapport = Rapport::new();
    let dir = TempDir::new();
    let linkedin = write(
        &dir,
        "Connections.csv",
        b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n\
Kim,Kwan,https://www.linkedin.com/in/kkwan,,,,3 Feb 2025\n",
    );
    assert_eq!(counts(&import(&rapport, &[&linkedin])), [1, 1, 0, 0, 0]);
    for _ in 0..2 {
        let before = rapport.snapshot();
        let again = import(&rapport, &[&linkedin]);
        assert_eq!(counts(&again), [1, 0, 0, 1, 1], "{again}");
        assert_eq!(rapport.snapshot(), before);
    }
    assert_eq!(id_of(&rapport, "Kim Kwan").len(), 1);

    let lena = write(&dir, "lena.csv", b"Name,Phone\nLena Lee,\n");
    assert_eq!(counts(&import(&rapport, &[&lena])), [1, 1, 0, 0, 0]);
    assert_eq!(counts(&import(&rapport, &[&lena])), [1, 0, 0, 1, 1]);
    assert_eq!(id_of(&rapport, "Lena Lee").len(), 1);

    let ned = write(
        &dir,
        "ned.csv",
        b"name,email,phone\nNed Nash,,\nNed Nash,,\n",
    );
    assert_eq!(counts(&import(&rapport, &[&ned])), [2, 1, 0, 1, 1]);
    assert_eq!(id_of(&rapport, "Ned Nash").len(), 1);
    assert_eq!(counts(&import(&rapport, &[&ned])), [2, 0, 0, 2, 2]);
    assert_eq!(rapport.all_contacts().as_array().unwrap().len(), 3);
    assert_references_hold(&rapport);
}

/// A contact merged into another keeps its name but is nobody any more: a row with only that
/// name is the survivor, not the archived husk.
#[test]
fn a_row_with_only_a_name_is_never_a_merged_contact() {
    let rapport = Rapport::new();
    let husk = rapport.add("John Smith", &[]);
    let survivor = rapport.add("John Smith", &["--email", "j@x.example"]);
    rapport.ok(&["merge", &survivor.to_string(), &husk.to_string()]);
    let dir = TempDir::new();
    let file = write(&dir, "john.csv", b"Name,Tags\nJohn Smith,vip\n");
    assert_eq!(counts(&import(&rapport, &[&file])), [1, 0, 1, 0, 0]);
    assert_eq!(rapport.show(&survivor.to_string())["tags"], json!(["vip"]));
    assert_eq!(rapport.show(&husk.to_string())["tags"], json!([]));
}

/// A name alone is weak evidence: a row with an email or a phone of its own that matched
/// nobody is someone new, though the book has a John Smith at no organization. A row with
/// only the name is the John Smith with the lowest id of those at no organization; one at an
/// organization is not him.
#[test]
fn a_different_john_smith_with_his_own_email_or_phone_is_not_merged() {
    let rapport = Rapport::new();
    let first = rapport.add("John Smith", &[]);
    let second = rapport.add("John Smith", &["--tag", "second"]);
    let at_acme = rapport.add("John Smith", &["--org", "Acme"]);
    let dir = TempDir::new();
    let file = write(
        &dir,
        "smiths.csv",
        b"name,email,phone,tags\n\
John Smith,john.smith@other.example,,\n\
John Smith,,+1 555 777 8888,\n\
John Smith,,,met\n",
    );
    let report = import(&rapport, &[&file]);
    assert_eq!(counts(&report), [3, 2, 1, 0, 0]);
    assert_eq!(rapport.show(&first.to_string())["tags"], json!(["met"]));
    assert_eq!(rapport.show(&second.to_string())["tags"], json!(["second"]));
    assert_eq!(rapport.show(&at_acme.to_string())["tags"], json!([]));
    let smiths = id_of(&rapport, "John Smith");
    assert_eq!(smiths.len(), 5);
    assert_eq!(
        rapport.show("john.smith@other.example")["phones"],
        json!([]),
        "the one with an email and the one with a phone are two"
    );
    let before = rapport.snapshot();
    assert_eq!(counts(&import(&rapport, &[&file])), [3, 0, 0, 3, 3]);
    assert_eq!(rapport.snapshot(), before);
}

/// The new rules hold across chunks, from the chunk still being written (matched from
/// memory) and from the book (looked up only for keys the Bloom filter may hold): a row with
/// only a name finds a contact an earlier chunk made at no organization, though no row
/// before it had only that name; a phone finds only the contact whose name agrees.
#[test]
fn names_alone_and_shared_phones_match_across_chunks() {
    let rapport = Rapport::new();
    let mut file = String::from("name,email,phone,organization\n");
    // Chunks of 5,000 rows. The first:
    filler(&mut file, 0..5_000);
    // The second: three new people at no organization or with a phone.
    file.push_str("Noor Alone,noor@alone.example,,\n");
    file.push_str("Only Name,,,\n");
    file.push_str("Lee Twice,lee@acme.example,+1 555 0150,Orbital\n");
    filler(&mut file, 5_000..9_997);
    // The third, matched while the second is written.
    file.push_str("Only Name,,,\n");
    file.push_str("Lee Other,,+1 555 0150,\n");
    file.push_str("lee twice,,+1 555 0150,\n");
    filler(&mut file, 9_997..14_994);
    // The fourth, from the book.
    file.push_str("Noor Alone,,,\n");
    file.push_str("Only Name,,,\n");
    file.push_str("Lee Other,,+1 555 0150,\n");
    filler(&mut file, 14_994..15_000);
    let dir = TempDir::new();
    let path = write(&dir, "chunks.csv", file.as_bytes());

    let report = import(&rapport, &[&path]);
    assert_eq!(counts(&report), [15_009, 15_004, 0, 5, 5]);
    assert_eq!(rejected(&report), []);
    for name in ["Noor Alone", "Only Name", "Lee Twice", "Lee Other"] {
        assert_eq!(id_of(&rapport, name).len(), 1, "{name}");
    }
    assert_eq!(rapport.db.count("SELECT COUNT(*) FROM contacts"), 15_004);
    let again = import(&rapport, &[&path]);
    assert_eq!(counts(&again), [15_009, 0, 0, 15_009, 15_009]);
    assert_references_hold(&rapport);
}
