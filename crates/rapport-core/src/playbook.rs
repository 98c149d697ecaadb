//! Lifecycle playbooks: for each stage, what the relationship looks like there, the checklist
//! of what it takes to move on, and the approach for a new and for a seasoned prospect. A
//! stage's cadence is its default cycle (`CadenceDefaults`), not kept here: one source.
//!
//! Playbooks guide; they never judge. Nothing in health, the at-risk list or the schedule
//! reads a playbook or how long a contact has been in a stage: staying is fine.

use crate::vocab::{ProspectKind, Stage};

/// The most steps a checklist holds, and the longest text of any part.
pub const MAX_STEPS: usize = 12;
pub const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playbook {
    pub stage: Stage,
    pub looks_like: String,
    pub checklist: Vec<String>,
    pub approach_new: String,
    pub approach_seasoned: String,
}

impl Playbook {
    /// How to approach a prospect of this kind at this stage.
    pub fn approach(&self, kind: ProspectKind) -> &str {
        match kind {
            ProspectKind::New => &self.approach_new,
            ProspectKind::Seasoned => &self.approach_seasoned,
        }
    }
}

/// One part of a playbook, as its setting is keyed (`playbook.engaged.checklist`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    LooksLike,
    Checklist,
    ApproachNew,
    ApproachSeasoned,
}

impl Part {
    pub const ALL: [Part; 4] = [
        Part::LooksLike,
        Part::Checklist,
        Part::ApproachNew,
        Part::ApproachSeasoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Part::LooksLike => "looks_like",
            Part::Checklist => "checklist",
            Part::ApproachNew => "approach_new",
            Part::ApproachSeasoned => "approach_seasoned",
        }
    }

    /// The setting's key: `playbook.STAGE.PART`.
    pub fn key(self, stage: Stage) -> String {
        format!("playbook.{stage}.{}", self.as_str())
    }

    /// The stage and part a setting key names, if it names one.
    pub fn of_key(key: &str) -> Option<(Stage, Part)> {
        let rest = key.strip_prefix("playbook.")?;
        let (stage, part) = rest.split_once('.')?;
        let stage = stage.parse().ok()?;
        let part = Part::ALL.into_iter().find(|p| p.as_str() == part)?;
        Some((stage, part))
    }

    /// The text in its stored spelling: each line trimmed, inner whitespace collapsed; a
    /// checklist one step per line (at most [`MAX_STEPS`]), anything else one paragraph.
    pub fn canonical(self, text: &str) -> Result<String, BadPlaybook> {
        let lines: Vec<String> = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            return Err(BadPlaybook::Empty);
        }
        if lines.iter().any(|l| l.chars().count() > MAX_TEXT) {
            return Err(BadPlaybook::TooLong);
        }
        match self {
            Part::Checklist if lines.len() > MAX_STEPS => Err(BadPlaybook::TooManySteps),
            Part::Checklist => Ok(lines.join("\n")),
            _ => Ok(lines.join(" ")),
        }
    }
}

/// A playbook part that cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadPlaybook {
    #[error("cannot be empty")]
    Empty,
    #[error("at most {MAX_TEXT} characters a line")]
    TooLong,
    #[error("a checklist has at most {MAX_STEPS} steps")]
    TooManySteps,
}

/// One checklist step and whether this contact has done it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub number: usize,
    pub text: String,
    pub done: bool,
}

/// A stage's checklist against the steps ticked for a contact (`ticked`: (stage, step text)
/// pairs). A step renamed since it was ticked counts as not done.
pub fn progress(playbook: &Playbook, ticked: &[(Stage, String)]) -> Vec<Step> {
    playbook
        .checklist
        .iter()
        .enumerate()
        .map(|(i, text)| Step {
            number: i + 1,
            done: ticked
                .iter()
                .any(|(stage, step)| *stage == playbook.stage && step == text),
            text: text.clone(),
        })
        .collect()
}

/// "2 of 3 steps done".
pub fn describe(steps: &[Step]) -> String {
    let done = steps.iter().filter(|s| s.done).count();
    format!("{done} of {} steps done", steps.len())
}

/// Ticked steps as stored on the contact: one "stage<TAB>step" per line.
pub fn ticks_of(stored: Option<&str>) -> Vec<(Stage, String)> {
    stored
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (stage, step) = line.split_once('\t')?;
            Some((stage.parse().ok()?, step.to_owned()))
        })
        .collect()
}

/// Ticks back in their stored spelling; `None` when there are none.
pub fn stored_ticks(ticks: &[(Stage, String)]) -> Option<String> {
    (!ticks.is_empty()).then(|| {
        ticks
            .iter()
            .map(|(stage, step)| format!("{stage}\t{step}"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engaged() -> Playbook {
        Playbook {
            stage: Stage::Engaged,
            looks_like: "Regular conversations".into(),
            checklist: vec!["Meet the decision maker".into(), "Know the timeline".into()],
            approach_new: "Explain how buying works".into(),
            approach_seasoned: "Beat the incumbent".into(),
        }
    }

    #[test]
    fn keys_name_a_stage_and_a_part() {
        assert_eq!(
            Part::Checklist.key(Stage::Engaged),
            "playbook.engaged.checklist"
        );
        assert_eq!(
            Part::of_key("playbook.dormant.approach_seasoned"),
            Some((Stage::Dormant, Part::ApproachSeasoned))
        );
        assert_eq!(Part::of_key("playbook.nowhere.checklist"), None);
        assert_eq!(Part::of_key("playbook.engaged.colour"), None);
        assert_eq!(Part::of_key("renewal_lead_days"), None);
    }

    #[test]
    fn parts_are_stored_tidy_and_refused_when_empty_or_too_big() {
        assert_eq!(
            Part::Checklist.canonical("  Meet   them \n\n Know the  timeline "),
            Ok("Meet them\nKnow the timeline".into())
        );
        assert_eq!(
            Part::LooksLike.canonical("two\nlines"),
            Ok("two lines".into())
        );
        assert_eq!(Part::ApproachNew.canonical(" \n "), Err(BadPlaybook::Empty));
        let thirteen = vec!["step"; 13].join("\n");
        assert_eq!(
            Part::Checklist.canonical(&thirteen),
            Err(BadPlaybook::TooManySteps)
        );
        assert_eq!(
            Part::LooksLike.canonical(&"x".repeat(501)),
            Err(BadPlaybook::TooLong)
        );
    }

    #[test]
    fn progress_counts_the_steps_ticked_at_this_stage() {
        let ticked = ticks_of(Some(
            "engaged\tKnow the timeline\nacquainted\tMeet the decision maker\nengaged\tA renamed step",
        ));
        let steps = progress(&engaged(), &ticked);
        // Ticked at another stage, or a step renamed since: not done here.
        assert_eq!(
            steps.iter().map(|s| (s.number, s.done)).collect::<Vec<_>>(),
            vec![(1, false), (2, true)]
        );
        assert_eq!(describe(&steps), "1 of 2 steps done");
        assert_eq!(
            stored_ticks(&ticked).as_deref(),
            Some(
                "engaged\tKnow the timeline\nacquainted\tMeet the decision maker\nengaged\tA renamed step"
            )
        );
        assert_eq!(stored_ticks(&[]), None);
        assert_eq!(ticks_of(None), vec![]);
    }

    #[test]
    fn the_approach_follows_the_prospect_kind() {
        assert_eq!(
            engaged().approach(ProspectKind::Seasoned),
            "Beat the incumbent"
        );
        assert_eq!(
            engaged().approach(ProspectKind::New),
            "Explain how buying works"
        );
    }
}
