//! The export reads contacts a page at a time and merges each page's emails, phones, tags,
//! custom fields and roles in by contact id: a book of more than one page, with every kind of
//! child row, comes out as it went in.

use rapport_store::ExportFormat;
use serde_json::{Value, json};

use crate::runtime;
use crate::support::Harness;

/// More than the export's page of 5,000 contacts.
const CONTACTS: i64 = 5_003;

/// Contact `n`, with an id that leaves gaps (pages count contacts, not ids) and a different
/// mix of child rows by `n`: none, one or several of each, listed out of alphabetical order.
fn contact(n: i64) -> Value {
    let id = 3 * n + 1;
    let emails: Vec<String> = ["zed", "amy", "kim"][..usize::try_from(n % 3).unwrap()]
        .iter()
        .map(|name| format!("{name}.{id}@example.com"))
        .collect();
    let phones: Vec<String> = (0..n % 4).map(|k| format!("+1 555 {k}{id:06}")).collect();
    let tags: Vec<&str> =
        ["alpha", "beta", "gamma"][..usize::try_from(n % 4).unwrap().min(3)].to_vec();
    let roles: Vec<Value> = if n % 5 == 0 {
        vec![
            json!({"id": 2 * id, "role": "prospect", "since": "2026-01-02", "until": "2026-02-01"}),
            json!({"id": 2 * id + 1, "role": "customer", "since": "2026-02-01", "until": null}),
        ]
    } else {
        vec![]
    };
    let fields = if n % 7 == 0 {
        json!({"budget": format!("{id}, \"quoted\""), "region_note": "été; \\ back"})
    } else {
        json!({})
    };
    json!({
        "type": "contact", "id": id, "owner_id": 1, "name": format!("Person {id}"),
        "added_on": "2026-01-01", "version": 1,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "emails": emails, "phones": phones, "tags": tags, "fields": fields, "roles": roles,
    })
}

#[test]
fn a_book_of_several_pages_exports_every_contact_with_its_own_child_rows() {
    let rt = runtime();
    let harness = Harness::new(&rt);
    rt.block_on(async {
        let opened = harness.fresh().await;
        let store = &opened.store;
        let mut dump = String::from(
            "{\"rapport_export\":1,\"schema_version\":1,\"exported_at\":\"2026-11-25T12:00:00Z\"}\n\
             {\"type\":\"user\",\"id\":1,\"email\":\"me@localhost\",\"name\":\"Me\",\
             \"role\":\"admin\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n",
        );
        let contacts: Vec<Value> = (0..CONTACTS).map(contact).collect();
        for contact in &contacts {
            dump.push_str(&format!("{contact}\n"));
        }
        store.import_json(dump.as_bytes()).await.unwrap();
        let me = store.local_user().await.unwrap().id;
        let now = "2026-11-25T12:00:00Z".parse().unwrap();

        let mut out = Vec::new();
        let summary = store
            .export(me, ExportFormat::Json, now, &mut out)
            .await
            .unwrap();
        let exported: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .filter(|record: &Value| record["type"] == "contact")
            .collect();
        assert_eq!(exported.len(), contacts.len());
        assert!(summary.records > u64::try_from(CONTACTS).unwrap());
        for (written, read) in contacts.iter().zip(&exported) {
            for key in ["id", "name", "emails", "phones", "tags", "fields", "roles"] {
                assert_eq!(written[key], read[key], "contact {}: {key}", written["id"]);
            }
        }

        let mut out = Vec::new();
        store
            .export(me, ExportFormat::Csv, now, &mut out)
            .await
            .unwrap();
        let csv = String::from_utf8(out).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), contacts.len());
        // The last contact of the first page and the first of the second.
        for n in [4_999, 5_000] {
            let id = 3 * n + 1;
            let row = &rows[usize::try_from(n).unwrap()];
            let emails: Vec<&str> = contacts[usize::try_from(n).unwrap()]["emails"]
                .as_array()
                .unwrap()
                .iter()
                .map(|email| email.as_str().unwrap())
                .collect();
            assert_eq!(&row[0], id.to_string());
            assert_eq!(&row[4], emails.join("; "), "contact {id}");
        }
        opened.close().await;
    });
}
