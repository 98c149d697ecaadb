//! `playbook [STAGE]`, `playbook set STAGE …` and `checklist REF [--tick N]`.

use anyhow::Result;
use rapport_core::playbook::Part;
use rapport_store::{ContactChecklist, PlaybookPatch, StagePlaybook};

use crate::app::{App, parse, print_json};
use crate::cli::{ChecklistArgs, PlaybookArgs, PlaybookCommand};
use crate::views::{ChecklistView, PlaybookView};

pub async fn run(app: &App, args: PlaybookArgs) -> Result<()> {
    match args.command {
        Some(PlaybookCommand::Set {
            stage,
            looks_like,
            steps,
            approach_new,
            approach_seasoned,
        }) => {
            let stage = parse("stage", &stage)?;
            // Each part checked here first, so an error names its flag.
            let check = |flag: &str, part: Part, text: &Option<String>| -> Result<()> {
                if let Some(text) = text {
                    part.canonical(text)
                        .map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
                }
                Ok(())
            };
            check("--looks-like", Part::LooksLike, &looks_like)?;
            check("--approach-new", Part::ApproachNew, &approach_new)?;
            check(
                "--approach-seasoned",
                Part::ApproachSeasoned,
                &approach_seasoned,
            )?;
            let checklist = (!steps.is_empty()).then(|| steps.join("\n"));
            check("--step", Part::Checklist, &checklist)?;
            let patch = PlaybookPatch {
                looks_like,
                checklist,
                approach_new,
                approach_seasoned,
            };
            let changed = app
                .store
                .set_playbook(app.user.id, stage, patch, app.now)
                .await?;
            if app.json {
                return print_json(&PlaybookView::from(&changed));
            }
            print!("{}", render_playbook(&changed));
            Ok(())
        }
        None => {
            let stage = args
                .stage
                .as_deref()
                .map(|s| parse("stage", s))
                .transpose()?;
            let all: Vec<StagePlaybook> = app
                .store
                .playbooks()
                .await?
                .into_iter()
                .filter(|p| stage.is_none_or(|s| p.playbook.stage == s))
                .collect();
            if app.json {
                return print_json(&all.iter().map(PlaybookView::from).collect::<Vec<_>>());
            }
            let text: Vec<String> = all.iter().map(render_playbook).collect();
            print!("{}", text.join("\n"));
            Ok(())
        }
    }
}

fn render_playbook(p: &StagePlaybook) -> String {
    let book = &p.playbook;
    let cadence = p
        .cadence
        .map_or_else(|| "no default of its own".to_owned(), |c| c.describe());
    let mut out = format!(
        "{}  (cadence: {cadence})\n  looks like: {}\n",
        book.stage, book.looks_like
    );
    for (i, step) in book.checklist.iter().enumerate() {
        out.push_str(&format!("  {}. {step}\n", i + 1));
    }
    out.push_str(&format!(
        "  approach, new prospect: {}\n  approach, seasoned prospect: {}\n",
        book.approach_new, book.approach_seasoned
    ));
    out
}

/// A contact's checklist as `show` and `checklist` print it.
pub fn render_checklist(c: &ContactChecklist) -> String {
    let suggested = if c.kind_suggested { " (suggested)" } else { "" };
    let mut out = format!(
        "  playbook {}: {}\n  approach for a {}{suggested} prospect: {}\n",
        c.stage.playbook.stage,
        rapport_core::playbook::describe(&c.steps),
        c.kind,
        c.approach()
    );
    for step in &c.steps {
        let mark = if step.done { "x" } else { " " };
        out.push_str(&format!("    [{mark}] {}. {}\n", step.number, step.text));
    }
    out
}

pub async fn checklist(app: &App, args: &ChecklistArgs) -> Result<()> {
    let id = app.store.resolve_contact(&args.contact).await?;
    let change = match (args.tick, args.untick) {
        (Some(step), _) => Some((step, true)),
        (None, Some(step)) => Some((step, false)),
        (None, None) => None,
    };
    let shown = match change {
        Some((step, done)) => Some(
            app.store
                .tick_step(app.user.id, id, step, done, app.now)
                .await?,
        ),
        None => app.store.checklist(id).await?,
    };
    let Some(shown) = shown else {
        anyhow::bail!(
            "contact #{id} has no lifecycle stage, so no checklist: set one with rapport contact edit {id} --stage STAGE"
        );
    };
    if app.json {
        return print_json(&ChecklistView::from(&shown));
    }
    print!("{}", render_checklist(&shown));
    Ok(())
}
