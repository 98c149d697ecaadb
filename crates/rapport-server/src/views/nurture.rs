//! The wire format of lead nurturing: library items, interests and needs, recommendations,
//! handoffs, the nurture rules and reports.

use rapport_core::nurture::{CapReached, ContentItem, Interest, Origin, Ready, Recommendation};
use rapport_store::{
    ContentReplies, Handoff, Handoffs, HistoryLine, NurtureOwners, NurtureReport, NurtureRules,
    Recommendations,
};
use serde::Serialize;
use utoipa::ToSchema;

use rapport_core::model::User;

use super::TouchView;

/// An item of the content library.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentView {
    pub id: i64,
    pub title: String,
    /// A URL or a file reference.
    pub link: String,
    pub summary: Option<String>,
    /// article, guide, case study, video…
    pub format: String,
    pub topics: Vec<String>,
    /// The needs it addresses.
    pub needs: Vec<String>,
    /// The lifecycle stages it suits; empty: any.
    pub stages: Vec<String>,
    /// The prospect kinds it suits (`new`, `seasoned`); empty: any.
    pub kinds: Vec<String>,
    /// The last day it may be sent.
    pub expires_on: Option<String>,
    pub retired_on: Option<String>,
}

fn words<T: ToString>(values: &[T]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

impl From<&ContentItem> for ContentView {
    fn from(i: &ContentItem) -> Self {
        ContentView {
            id: i.id.0,
            title: i.title.clone(),
            link: i.link.clone(),
            summary: i.summary.clone(),
            format: i.format.clone(),
            topics: words(&i.topics),
            needs: words(&i.needs),
            stages: words(&i.stages),
            kinds: words(&i.kinds),
            expires_on: i.expires_on.map(|d| d.to_string()),
            retired_on: i.retired_on.map(|d| d.to_string()),
        }
    }
}

/// One of a contact's interests or needs, and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterestView {
    /// `interest` or `need`.
    pub kind: String,
    pub term: String,
    /// `stated` (set by hand) or `discussed` (found in a touch's needs discussed).
    pub origin: String,
    /// The touch it was found in, for a discussed need.
    pub touch_id: Option<i64>,
    /// The day of that touch.
    pub discussed_on: Option<String>,
}

impl From<&Interest> for InterestView {
    fn from(i: &Interest) -> Self {
        let (origin, touch_id, discussed_on) = match i.origin {
            Origin::Stated => ("stated", None, None),
            Origin::Discussed { touch, on } => ("discussed", Some(touch.0), Some(on.to_string())),
        };
        InterestView {
            kind: i.kind.to_string(),
            term: i.term.to_string(),
            origin: origin.to_owned(),
            touch_id,
            discussed_on,
        }
    }
}

/// A recommended item with its points and the reason in words.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationView {
    pub content: ContentView,
    pub score: u32,
    /// "addresses 'data migration' discussed on 12 Mar; suits seasoned prospects at stage engaged".
    pub reason: String,
}

impl RecommendationView {
    pub fn new(item: &ContentItem, r: &Recommendation) -> Self {
        RecommendationView {
            content: ContentView::from(item),
            score: r.score,
            reason: r.reason.clone(),
        }
    }
}

/// A cap that holds content back from a contact today.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapView {
    /// `content` (the per-contact content cap) or `touches` (the team's touch cap).
    pub cap: String,
    /// The first day a content touch may go again.
    pub lifts_on: String,
    pub message: String,
}

impl From<&CapReached> for CapView {
    fn from(c: &CapReached) -> Self {
        CapView {
            cap: match c {
                CapReached::Content { .. } => "content",
                CapReached::Touches { .. } => "touches",
            }
            .to_owned(),
            lifts_on: c.lifts_on().to_string(),
            message: c.to_string(),
        }
    }
}

/// A contact's interests and needs and the library ranked for them, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationsView {
    pub contact_id: i64,
    pub interests: Vec<InterestView>,
    pub recommendations: Vec<RecommendationView>,
    /// Set when a cap holds sending back today.
    pub held_back: Option<CapView>,
}

impl RecommendationsView {
    pub fn new(contact: i64, r: &Recommendations, limit: usize) -> Self {
        RecommendationsView {
            contact_id: contact,
            interests: r.interests.iter().map(InterestView::from).collect(),
            recommendations: r
                .ranked
                .iter()
                .take(limit)
                .map(|(item, rec)| RecommendationView::new(item, rec))
                .collect(),
            held_back: r.held_back.as_ref().map(CapView::from),
        }
    }
}

/// One touch of a nurture history, and the item it sent if it was a content touch.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryLineView {
    pub touch: TouchView,
    pub content_id: Option<i64>,
    pub content_title: Option<String>,
}

impl From<&HistoryLine> for HistoryLineView {
    fn from(h: &HistoryLine) -> Self {
        HistoryLineView {
            touch: TouchView::from(&h.touch),
            content_id: h.content.as_ref().map(|(id, _)| id.0),
            content_title: h.content.as_ref().map(|(_, title)| title.clone()),
        }
    }
}

/// A user, as a handoff names them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    pub email: String,
}

impl From<&User> for PersonView {
    fn from(u: &User) -> Self {
        PersonView {
            id: u.id.0,
            name: u.name.clone(),
            email: u.email.clone(),
        }
    }
}

/// A sales-ready contact handed from its nurture owner to its sales owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffView {
    pub contact_id: i64,
    pub name: String,
    pub organization: Option<String>,
    pub nurture_owner: PersonView,
    pub sales_owner: PersonView,
    /// `signal`, `timeline` or `engaged`.
    pub ready_by: String,
    /// Why the contact is sales-ready, in words.
    pub reason: String,
    /// The whole nurture history, newest first.
    pub history: Vec<HistoryLineView>,
}

impl From<&Handoff> for HandoffView {
    fn from(h: &Handoff) -> Self {
        HandoffView {
            contact_id: h.contact.0,
            name: h.name.clone(),
            organization: h.organization.clone(),
            nurture_owner: PersonView::from(&h.nurture_owner),
            sales_owner: PersonView::from(&h.sales_owner),
            ready_by: match h.ready {
                Ready::Signal { .. } => "signal",
                Ready::Timeline { .. } => "timeline",
                Ready::Engaged { .. } => "engaged",
            }
            .to_owned(),
            reason: h.ready.reason(),
            history: h.history.iter().map(HistoryLineView::from).collect(),
        }
    }
}

/// The handoffs the acting user is part of.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffsView {
    /// Sales-ready contacts coming to them as sales owner.
    pub incoming: Vec<HandoffView>,
    /// Contacts that went from their nurture to a sales owner.
    pub outgoing: Vec<HandoffView>,
}

impl From<&Handoffs> for HandoffsView {
    fn from(h: &Handoffs) -> Self {
        HandoffsView {
            incoming: h.incoming.iter().map(HandoffView::from).collect(),
            outgoing: h.outgoing.iter().map(HandoffView::from).collect(),
        }
    }
}

/// Who nurtures and who sells to a contact (null: the contact's owner), and the explicit
/// sales-ready signal.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureOwnersView {
    pub contact_id: i64,
    pub nurture_owner_id: Option<i64>,
    pub sales_owner_id: Option<i64>,
    pub ready_on: Option<String>,
    pub ready_note: Option<String>,
}

impl NurtureOwnersView {
    pub fn new(contact: i64, o: &NurtureOwners) -> Self {
        NurtureOwnersView {
            contact_id: contact,
            nurture_owner_id: o.nurture_owner.map(|u| u.0),
            sales_owner_id: o.sales_owner.map(|u| u.0),
            ready_on: o.ready.as_ref().map(|(on, _)| on.to_string()),
            ready_note: o.ready.as_ref().and_then(|(_, note)| note.clone()),
        }
    }
}

/// The team's nurture rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureRulesView {
    /// At most one content touch per contact every this many days.
    pub content_gap_days: u16,
    /// At most this many outbound touches per contact in `touch_period_days`; 0: no limit.
    pub touch_limit: u16,
    pub touch_period_days: u16,
    /// A contact with this many inbound touches in `ready_inbound_days` is sales-ready; 0: off.
    pub ready_inbound: u16,
    pub ready_inbound_days: u16,
}

impl From<&NurtureRules> for NurtureRulesView {
    fn from(r: &NurtureRules) -> Self {
        NurtureRulesView {
            content_gap_days: r.caps.content_gap_days,
            touch_limit: r.caps.touch_limit,
            touch_period_days: r.caps.touch_period_days,
            ready_inbound: r.engagement.inbound,
            ready_inbound_days: r.engagement.days,
        }
    }
}

/// How often an item was sent and how many sends drew a reply (an inbound touch after it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentRepliesView {
    pub content_id: i64,
    pub title: String,
    pub sends: usize,
    pub replies: usize,
}

impl From<&ContentReplies> for ContentRepliesView {
    fn from(r: &ContentReplies) -> Self {
        ContentRepliesView {
            content_id: r.item.0,
            title: r.title.clone(),
            sends: r.sends,
            replies: r.replies,
        }
    }
}

/// Nurture coverage and which content gets replies.
#[derive(Debug, Serialize, ToSchema)]
pub struct NurtureReportView {
    pub today: String,
    /// Active prospects, leads and nurtured contacts that are not sales-ready.
    pub prospects: usize,
    /// Of those, how many had a touch within their cycle.
    pub covered: usize,
    pub coverage_percent: u32,
    /// Most replies first.
    pub replies: Vec<ContentRepliesView>,
}

impl NurtureReportView {
    pub fn new(today: jiff::civil::Date, r: &NurtureReport) -> Self {
        NurtureReportView {
            today: today.to_string(),
            prospects: r.coverage.prospects,
            covered: r.coverage.covered,
            coverage_percent: r.coverage.percent(),
            replies: r.replies.iter().map(ContentRepliesView::from).collect(),
        }
    }
}
