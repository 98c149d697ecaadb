//! `rapport search TEXT…`: full-text search over contacts, their touches and organizations.

use anyhow::Result;

use crate::app::{App, print_json};
use crate::cli::SearchArgs;
use crate::views::{MatchedView, SearchView};

pub async fn run(app: &App, args: &SearchArgs) -> Result<()> {
    let text = args.text.join(" ");
    let found = app
        .store
        .search(app.user.id, &text, None, args.limit)
        .await?;
    let view = SearchView::new(&text, &found);
    if app.json {
        return print_json(&view);
    }
    if view.contacts.is_empty() && view.organizations.is_empty() {
        println!("Nothing matches “{}”.", view.query);
        return Ok(());
    }
    for hit in &view.contacts {
        let c = &hit.contact;
        let org = c
            .organization
            .as_deref()
            .map(|o| format!(" · {o}"))
            .unwrap_or_default();
        println!("#{:<5} {}{org} — next {}", c.id, c.name, c.next_touch_on);
        print_matched(&hit.matched);
    }
    if !view.organizations.is_empty() {
        println!("Organizations:");
    }
    for org in &view.organizations {
        let domain = org
            .domain
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        println!("#{:<5} {}{domain}", org.id, org.name);
        print_matched(&org.matched);
    }
    Ok(())
}

fn print_matched(matched: &[MatchedView]) {
    for m in matched {
        match m.touch_id {
            Some(touch) => println!("         touch #{touch}: {}", m.text),
            None => println!("         {}: {}", m.field, m.text),
        }
    }
}
