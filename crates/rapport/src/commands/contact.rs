use anyhow::{Context, Result, bail};
use rapport_core::EmailAddress;
use rapport_core::model::{ContactSummary, non_blank};
use rapport_store::{ContactFilter, ContactPatch, NewContact};

use crate::app::{App, parse, parse_clearable, print_json};
use crate::cli::{ContactCommand, ContactFields, EditArgs, ListArgs};
use crate::views::{ContactSummaryView, ContactView};

pub async fn run(app: &App, command: ContactCommand) -> Result<()> {
    match command {
        ContactCommand::Add { name, fields } => add(app, &name, fields).await,
        ContactCommand::List(args) => list(app, &args).await,
        ContactCommand::Show { contact, touches } => show(app, &contact, touches).await,
        ContactCommand::Edit(args) => edit(app, args).await,
        ContactCommand::Archive { contact } => set_archived(app, &contact, true).await,
        ContactCommand::Unarchive { contact } => set_archived(app, &contact, false).await,
    }
}

/// Trimmed, non-empty, one line: a name a person can read back.
fn name(flag: &str, text: &str) -> Result<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        bail!("{flag}: a name cannot be empty");
    }
    if trimmed.chars().count() > 200 || trimmed.contains(['\n', '\r']) {
        bail!("{flag}: a name is one line of at most 200 characters");
    }
    Ok(trimmed.to_owned())
}

fn emails(flag: &str, values: &[String]) -> Result<Vec<EmailAddress>> {
    values.iter().map(|e| parse(flag, e)).collect()
}

fn list_of<T>(flag: &str, values: &[String]) -> Result<Vec<T>>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    values.iter().map(|v| parse(flag, v)).collect()
}

async fn add(app: &App, contact_name: &str, f: ContactFields) -> Result<()> {
    let new = NewContact {
        name: name("name", contact_name)?,
        emails: emails("--email", &f.emails)?,
        phones: list_of("--phone", &f.phones)?,
        organization: f.org.map(|o| name("--org", &o)).transpose()?,
        title: non_blank(f.title),
        tags: f
            .tags
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        notes: non_blank(f.notes),
        source: non_blank(f.source),
        tier: f.tier.map(|t| parse("--tier", &t)).transpose()?,
        stage: f.stage.map(|s| parse("--stage", &s)).transpose()?,
        horizon: f.horizon.map(|h| parse("--horizon", &h)).transpose()?,
        prospect_kind: f.kind.map(|k| parse("--kind", &k)).transpose()?,
        cadence: f.cadence.map(|c| parse("--cadence", &c)).transpose()?,
        roles: list_of("--role", &f.roles)?,
    };
    let id = app
        .store
        .add_contact(app.user.id, new, app.now, app.today())
        .await?;
    if app.json {
        return show(app, &id.to_string(), 0).await;
    }
    let contact = app.store.contact(id).await?;
    eprintln!(
        "Added #{id} {} — {}, next touch {}",
        contact.name,
        contact.effective_cadence.describe(),
        contact.next_touch.on
    );
    println!("{id}");
    Ok(())
}

async fn list(app: &App, args: &ListArgs) -> Result<()> {
    let organization = match &args.org {
        Some(reference) => Some(app.store.resolve_organization(reference).await?),
        None => None,
    };
    let owner = match args.owner.as_deref().map(str::trim) {
        None => None,
        Some("me") => Some(app.user.id),
        Some(reference) => Some(
            app.store
                .resolve_user(reference)
                .await
                .context("--owner")?
                .user
                .id,
        ),
    };
    let filter = ContactFilter {
        tag: args.tag.clone(),
        tier: args
            .tier
            .as_deref()
            .map(|t| parse("--tier", t))
            .transpose()?,
        stage: args
            .stage
            .as_deref()
            .map(|s| parse("--stage", s))
            .transpose()?,
        role: args
            .role
            .as_deref()
            .map(|r| parse("--role", r))
            .transpose()?,
        organization,
        owner,
        include_archived: args.archived,
        after: None,
        limit: args.limit,
    };
    let by_fit = match args.sort.trim() {
        "name" => false,
        "fit" => true,
        other => bail!("--sort: expected name or fit, got '{other}'"),
    };
    let contacts: Vec<(ContactSummary, Option<Option<u8>>)> = if by_fit {
        let scored = app.store.contacts_by_fit(&filter).await?;
        scored.into_iter().map(|(c, fit)| (c, Some(fit))).collect()
    } else {
        let found = app.store.list_contacts(&filter).await?;
        found.into_iter().map(|c| (c, None)).collect()
    };
    if app.json {
        return print_json(
            &contacts
                .iter()
                .map(|(c, fit)| match fit {
                    Some(fit) => ContactSummaryView::with_fit(c, *fit),
                    None => ContactSummaryView::from(c),
                })
                .collect::<Vec<_>>(),
        );
    }
    if contacts.is_empty() {
        println!(
            "No contacts. Add one with: rapport contact add \"Ada Lovelace\" --email ada@example.com"
        );
        return Ok(());
    }
    for (c, fit) in &contacts {
        let fit = match fit {
            None => String::new(),
            Some(Some(score)) => format!("fit {score:>3}  "),
            Some(None) => "fit   -  ".to_owned(),
        };
        let org = c
            .organization
            .as_deref()
            .map(|o| format!(" · {o}"))
            .unwrap_or_default();
        let tier = c.tier.map(|t| format!(" [{t}]")).unwrap_or_default();
        let archived = if c.archived { " (archived)" } else { "" };
        println!(
            "{fit}#{:<6} {}{org}{tier}{archived}  next {}",
            c.id, c.name, c.next_touch.on
        );
    }
    Ok(())
}

async fn show(app: &App, reference: &str, touches: i64) -> Result<()> {
    let id = app.store.resolve_contact(reference).await?;
    let contact = app.store.contact(id).await?;
    let follow_ups = app.store.follow_ups(id, false).await?;
    let recent = app
        .store
        .touches(app.user.id, id, Some(touches.max(0)), None)
        .await?;
    let suggestions = app.store.contact_suggestions(id).await?;
    let view = ContactView::new(&contact, app.today(), &follow_ups, &recent, &suggestions);
    if app.json {
        return print_json(&view);
    }
    let org = view
        .organization
        .as_ref()
        .map(|o| format!(" · {}", o.name))
        .unwrap_or_default();
    let title = view
        .title
        .as_deref()
        .map(|t| format!(", {t}"))
        .unwrap_or_default();
    let archived = match (view.merged_into, view.archived) {
        (Some(into), _) => format!(" (merged into #{into})"),
        (None, true) => " (archived)".to_owned(),
        (None, false) => String::new(),
    };
    println!("#{} {}{title}{org}{archived}", view.id, view.name);
    for email in &view.emails {
        println!("  email    {email}");
    }
    for phone in &view.phones {
        println!("  phone    {phone}");
    }
    let suggested = &view.suggestions;
    let facts: Vec<String> = [
        view.tier.as_ref().map(|t| match &suggested.tier_cadence {
            Some(cycle) => format!("tier {t} (default cycle {cycle})"),
            None => format!("tier {t}"),
        }),
        view.stage.as_ref().map(|s| format!("stage {s}")),
        view.horizon.as_ref().map(|h| format!("horizon {h}")),
        view.prospect_kind.as_ref().map(|k| format!("{k} prospect")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !facts.is_empty() {
        println!("  profile  {}", facts.join(", "));
    }
    if let Some(kind) = &suggested.prospect_kind {
        println!("  suggest  {} prospect: {}", kind.value, kind.reason);
    }
    println!(
        "  suggest  tier {}: {}",
        suggested.tier.value, suggested.tier.reason
    );
    if let Some(checklist) = app.store.checklist(id).await? {
        print!(
            "{}",
            crate::commands::playbook::render_checklist(&checklist)
        );
    }
    let roles: Vec<String> = contact
        .roles
        .iter()
        .map(|r| match r.until {
            None => format!("{} (since {})", r.role, r.since),
            Some(until) => format!("{} ({} – {until})", r.role, r.since),
        })
        .collect();
    if !roles.is_empty() {
        println!("  roles    {}", roles.join(", "));
    }
    if !view.tags.is_empty() {
        println!("  tags     {}", view.tags.join(", "));
    }
    for (key, value) in &view.fields {
        println!("  field    {key}: {value}");
    }
    print!(
        "{}",
        crate::commands::profile::fit_lines(app.store.contact_fit(id).await?.as_ref())
    );
    println!(
        "  cadence  {}, {}",
        view.cadence.description, view.cadence.source_description
    );
    println!(
        "  next     {} — {}",
        view.next_touch.on, view.next_touch.why
    );
    if let Some(hold) = &view.hold {
        println!("  hold     until {}: {}", hold.until, hold.reason);
    }
    for f in &view.follow_ups {
        println!("  follow-up #{} due {}: {}", f.id, f.due_on, f.text);
    }
    for change in &view.stage_history {
        let stage = change.stage.as_deref().unwrap_or("(none)");
        let why = change
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        println!("  stage    {} → {stage}{why}", change.on);
    }
    if let Some(source) = &view.source {
        println!("  source   {source}");
    }
    if let Some(notes) = &view.notes {
        println!("  notes    {notes}");
    }
    if !recent.is_empty() {
        println!("  touches");
        for t in &recent {
            println!("    {}", crate::commands::touch::one_line(t));
        }
    }
    Ok(())
}

async fn edit(app: &App, a: EditArgs) -> Result<()> {
    let id = app.store.resolve_contact(&a.contact).await?;
    let (set_fields, remove_fields) =
        crate::commands::profile::custom_fields(&a.set_fields, &a.unset_fields)?;
    let patch = ContactPatch {
        name: a.name.map(|n| name("--name", &n)).transpose()?,
        title: a.title.map(|t| non_blank(Some(t))),
        organization: match a.org {
            None => None,
            Some(o) if o.trim().eq_ignore_ascii_case("none") || o.trim().is_empty() => Some(None),
            Some(o) => Some(Some(name("--org", &o)?)),
        },
        notes: a.notes.map(|n| non_blank(Some(n))),
        source: a
            .source
            .map(|s| non_blank(Some(s)).filter(|s| !s.eq_ignore_ascii_case("none"))),
        tier: a.tier.map(|t| parse_clearable("--tier", &t)).transpose()?,
        stage: a
            .stage
            .map(|s| parse_clearable("--stage", &s))
            .transpose()?,
        stage_reason: non_blank(a.stage_reason),
        horizon: a
            .horizon
            .map(|h| parse_clearable("--horizon", &h))
            .transpose()?,
        prospect_kind: a.kind.map(|k| parse_clearable("--kind", &k)).transpose()?,
        cadence: a
            .cadence
            .map(|c| parse_clearable("--cadence", &c))
            .transpose()?,
        add_emails: emails("--add-email", &a.add_emails)?,
        remove_emails: emails("--remove-email", &a.remove_emails)?,
        add_phones: list_of("--add-phone", &a.add_phones)?,
        remove_phones: a
            .remove_phones
            .iter()
            .map(|p| p.trim().to_owned())
            .collect(),
        add_tags: a.add_tags.iter().map(|t| t.trim().to_owned()).collect(),
        remove_tags: a.remove_tags.iter().map(|t| t.trim().to_owned()).collect(),
        add_roles: list_of("--role", &a.add_roles)?,
        end_roles: list_of("--end-role", &a.end_roles)?,
        set_fields,
        remove_fields,
        owner: match &a.owner {
            Some(reference) => Some(app.store.resolve_user(reference).await?.user.id),
            None => None,
        },
        expected_version: None,
    };
    let changed = app
        .store
        .edit_contact(app.user.id, id, patch, app.now, app.today())
        .await?;
    if app.json {
        return show(app, &id.to_string(), 0).await;
    }
    let contact = app.store.contact(id).await?;
    println!(
        "{} #{id} {} — {}, next touch {}",
        if changed {
            "Updated"
        } else {
            "Nothing to change:"
        },
        contact.name,
        contact.effective_cadence.describe(),
        contact.next_touch.on
    );
    Ok(())
}

async fn set_archived(app: &App, reference: &str, archived: bool) -> Result<()> {
    let id = app.store.resolve_contact(reference).await?;
    app.store
        .set_archived(app.user.id, id, archived, app.now)
        .await?;
    if app.json {
        return show(app, &id.to_string(), 0).await;
    }
    let contact = app.store.contact(id).await?;
    if archived {
        println!(
            "Archived #{id} {}; history kept. Bring back with: rapport contact unarchive {id}",
            contact.name
        );
    } else {
        println!(
            "Unarchived #{id} {} — next touch {}",
            contact.name, contact.next_touch.on
        );
    }
    Ok(())
}
