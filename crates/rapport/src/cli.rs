//! The command line, as clap sees it. Values arrive as text and are parsed into domain types
//! by the commands, so every parse error names the field it came from.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rapport",
    version,
    about = "Rapport — the relationship-first CRM. No relationship falls through the cracks.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Database: a SQLite file path or a postgres:// URL [default: rapport.db in the platform data directory]
    #[arg(
        long,
        global = true,
        env = "RAPPORT_DATABASE_URL",
        value_name = "PATH|URL"
    )]
    pub db: Option<String>,
    /// Fix the clock: a date (2027-03-01) or date and time (2027-03-01T09:30), for demos and tests
    #[arg(long, global = true, env = "RAPPORT_NOW", value_name = "DATE|DATETIME")]
    pub now: Option<String>,
    /// Time zone for this run (an IANA name such as Europe/Paris) [default: your saved setting, else the system's]
    #[arg(long, global = true, env = "RAPPORT_TZ", value_name = "ZONE")]
    pub tz: Option<String>,
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Act as this user (email or id): their agenda, their rights, their name in the audit log [default: the database's first user]
    #[arg(long = "as", global = true, env = "RAPPORT_USER", value_name = "EMAIL")]
    pub as_user: Option<String>,
    /// Where `as_user` came from (`--as` or `RAPPORT_USER`), for messages; `main` sets it
    /// from the parsed arguments.
    #[arg(skip)]
    pub as_user_source: Option<clap::parser::ValueSource>,
}

// Parsed once per process; boxing the big variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, show, edit and archive contacts
    #[command(subcommand)]
    Contact(ContactCommand),
    /// Add, list and show organizations
    #[command(subcommand, name = "org")]
    Organization(OrganizationCommand),
    /// Log a touch (call, meeting, email…) with a contact; moves their cycle on
    Log(LogArgs),
    /// Put a contact on hold until a date, with a reason; they come back on that day
    Hold(HoldArgs),
    /// Lift a contact's hold; they return to their cycle
    Unhold { contact: String },
    /// Dated one-off tasks about a contact
    #[command(subcommand, name = "follow-up")]
    FollowUp(FollowUpCommand),
    /// Calling cycles: set a contact's cadence or the defaults it inherits
    #[command(subcommand)]
    Cadence(CadenceCommand),
    /// Opportunities: open, list and close deals (secondary to the relationship)
    #[command(subcommand)]
    Opportunity(OpportunityCommand),
    /// Record that A introduced B (the lead network); A becomes a referrer
    Intro(IntroArgs),
    /// A contact's lead network: who introduced them, whom they introduced, what came of it
    Network { contact: String },
    /// Relationship health, explained: a contact's, or an organization's with --org
    Health(HealthArgs),
    /// Valuable relationships (tier A/B) that are overdue, falling or single-threaded
    #[command(name = "at-risk")]
    AtRisk,
    /// The 30/60/90-day forecast of open opportunities; --rules shows the close rule
    Forecast(ForecastArgs),
    /// Who to contact today, and why
    Today(AgendaArgs),
    /// Overdue, due and upcoming touches for the next N days
    Agenda(AgendaWindowArgs),
    /// Fill a database with realistic demo data, show today's agenda, and open the web UI on it
    Demo(DemoArgs),
    /// Show or change settings (time zone)
    Settings(SettingsArgs),
    /// Run the team server: the REST API under /api/v1 (README.md, "Team server")
    Serve(ServeArgs),
    /// Users of the team server
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for the team server
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log: who changed what, when (admins only)
    Audit(AuditArgs),
    /// Write everything out: a full JSON dump, or contacts as CSV or vCard
    Export(ExportArgs),
    /// Import contacts from a CSV (Google, Outlook, LinkedIn…), vCard, .xlsx or .ods file, or
    /// load a JSON dump (from `rapport export --format json`) into a new, empty database
    Import(ImportArgs),
    /// Copy the SQLite database to FILE, consistently, even while it is in use
    Backup(BackupArgs),
    /// Replace the SQLite database with a backup (stop `rapport serve` first)
    Restore(RestoreArgs),
    /// Fill an empty database with a large generated book, for benchmarks (docs/benchmarks.md)
    #[command(hide = true)]
    Generate(GenerateArgs),
    /// The content library: items worth sending, by topic, need, stage and prospect kind
    #[command(subcommand)]
    Content(ContentCommand),
    /// Show a contact's interests and needs (stated and discussed); set the stated ones
    Interests(InterestsArgs),
    /// Content to send a contact, ranked, with the reason
    Recommend(RecommendArgs),
    /// Send a library item to a contact: logged as a content touch, within the caps
    Send(SendArgs),
    /// Mark a contact sales-ready (or --clear it): it goes to its sales owner as a handoff
    Ready(ReadyArgs),
    /// Sales-ready contacts handed to you, and those that went from your nurture
    Handoffs,
    /// Nurture and sales owners, the caps and engagement rule, the nurture report
    #[command(subcommand)]
    Nurture(NurtureCommand),
    /// Lifecycle playbooks: what each stage looks like, its cadence, the checklist to move on,
    /// the approach for new and seasoned prospects; `playbook set STAGE …` changes one (admins)
    Playbook(PlaybookArgs),
    /// A contact's stage checklist and progress; --tick N / --untick N marks a step
    Checklist(ChecklistArgs),
    /// Find contacts and organizations by any words: names (a typo forgiven), emails, notes, what was said in touches
    Search(SearchArgs),
    /// Likely duplicate contacts with the evidence: the same phone, alike names at one organization
    Duplicates(DuplicatesArgs),
    /// Merge contact B into contact A: everything of B moves to A, B is archived
    Merge(MergeArgs),
    /// The ideal client profile: weighted criteria on industry, size, region, tags and custom
    /// fields (`icp add` and `icp remove` are for admins)
    #[command(subcommand)]
    Icp(IcpCommand),
    /// How well a contact (or an organization) fits the ideal client profile, and why
    Fit(FitArgs),
}

#[derive(Debug, Subcommand)]
pub enum IcpCommand {
    /// The criteria, with their ids and weights
    List,
    /// Add a criterion: `icp add industry "Software, Logistics" --weight 3`,
    /// `icp add size 50..500 --weight 2`, `icp add tag conference`, `icp add field:segment enterprise`
    Add {
        /// industry, size, region, tag or field:KEY (a custom field)
        field: String,
        /// A comma-separated list, a tag, or a size range (50..500, 50.., ..500 employees)
        value: String,
        /// How much it counts, 1 to 10
        #[arg(long, default_value = "1")]
        weight: String,
    },
    /// Remove a criterion by its id (see `icp list`)
    Remove { id: String },
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// A contact (id, email, phone or name), or with --org an organization
    pub reference: String,
    /// REFERENCE is an organization
    #[arg(long)]
    pub org: bool,
}

#[derive(Debug, Args)]
pub struct ContentFieldArgs {
    #[arg(long)]
    pub title: Option<String>,
    /// A URL or a file reference
    #[arg(long)]
    pub link: Option<String>,
    /// What it says, in a line or two ("none" clears it)
    #[arg(long)]
    pub summary: Option<String>,
    /// article, guide, case study, video…
    #[arg(long)]
    pub format: Option<String>,
    /// Topics, comma-separated ("data migration, security"); replaces the list
    #[arg(long)]
    pub topics: Option<String>,
    /// Needs it addresses, comma-separated; replaces the list
    #[arg(long)]
    pub needs: Option<String>,
    /// Lifecycle stages it suits, comma-separated ("none": any)
    #[arg(long)]
    pub stages: Option<String>,
    /// Prospect kinds it suits: new, seasoned ("none": any)
    #[arg(long)]
    pub kinds: Option<String>,
    /// The last day it may be sent: 2027-06-30, 6m… ("none": never expires)
    #[arg(long)]
    pub expires: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Add an item to the library; prints its id
    Add(ContentFieldArgs),
    /// List the library, newest first
    List {
        /// Include retired items
        #[arg(long)]
        all: bool,
    },
    /// Show one item
    Show { id: i64 },
    /// Change an item's fields
    Edit {
        id: i64,
        #[command(flatten)]
        fields: ContentFieldArgs,
    },
    /// Retire an item: never recommended or sent again
    Retire { id: i64 },
    /// The contacts an item is relevant to, to work through one by one (there is no bulk send)
    Audience { id: i64 },
}

#[derive(Debug, Args)]
pub struct InterestsArgs {
    pub contact: String,
    /// Set their interests, comma-separated ("" clears them)
    #[arg(long)]
    pub interests: Option<String>,
    /// Set their stated needs, comma-separated ("" clears them)
    #[arg(long)]
    pub needs: Option<String>,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    pub contact: String,
    /// At most this many
    #[arg(long, default_value_t = 5, value_parser = at_least_one::<usize>)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The library item's id
    pub item: i64,
    pub contact: String,
    /// What you wrote with it [default: "Sent 'TITLE' (LINK)"]
    #[arg(long, short)]
    pub summary: Option<String>,
    /// When it was sent (default: now)
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReadyArgs {
    pub contact: String,
    /// What they said or did ("asked for a quote")
    #[arg(long)]
    pub note: Option<String>,
    /// Withdraw the signal
    #[arg(long, conflicts_with = "note")]
    pub clear: bool,
}

#[derive(Debug, Subcommand)]
pub enum NurtureCommand {
    /// Show or set who nurtures a contact and who sells to them ("none": the contact's owner)
    Owners {
        contact: String,
        /// The nurture owner (email or id)
        #[arg(long)]
        nurturer: Option<String>,
        /// The sales owner (email or id)
        #[arg(long)]
        seller: Option<String>,
    },
    /// Show or change (admins) the caps and the engagement rule
    Rules(NurtureRulesArgs),
    /// Nurture coverage and which content gets replies
    Report,
}

#[derive(Debug, Args)]
pub struct NurtureRulesArgs {
    /// At most one content touch per contact every N days
    #[arg(long, value_name = "DAYS")]
    pub content_gap: Option<u16>,
    /// At most N outbound touches per contact in --touch-period days (0: no limit)
    #[arg(long, value_name = "N")]
    pub touch_limit: Option<u16>,
    #[arg(long, value_name = "DAYS")]
    pub touch_period: Option<u16>,
    /// Sales-ready after N inbound touches in --ready-days days (0: off)
    #[arg(long, value_name = "N")]
    pub ready_inbound: Option<u16>,
    #[arg(long, value_name = "DAYS")]
    pub ready_days: Option<u16>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PlaybookArgs {
    /// Only this stage's playbook
    pub stage: Option<String>,
    #[command(subcommand)]
    pub command: Option<PlaybookCommand>,
}

#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// Change a stage's playbook (admins); its cadence is the stage's default cycle (`rapport cadence default --stage STAGE 6w`)
    Set {
        stage: String,
        /// What the relationship looks like at this stage
        #[arg(long)]
        looks_like: Option<String>,
        /// A checklist step (repeatable; the steps given replace the checklist)
        #[arg(long = "step", value_name = "TEXT")]
        steps: Vec<String>,
        /// The approach for a new prospect (first time buying this kind of thing)
        #[arg(long)]
        approach_new: Option<String>,
        /// The approach for a seasoned prospect (bought before, often from a competitor)
        #[arg(long)]
        approach_seasoned: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    pub contact: String,
    /// Mark step N (from 1) done
    #[arg(long, value_name = "N", conflicts_with = "untick")]
    pub tick: Option<usize>,
    /// Mark step N not done
    #[arg(long, value_name = "N")]
    pub untick: Option<usize>,
}

#[derive(Debug, Args)]
pub struct DuplicatesArgs {
    /// Most pairs to show
    #[arg(long, default_value_t = 100, value_parser = at_least_one::<usize>)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The contact that stays (id, email, phone or name)
    pub survivor: String,
    /// The duplicate merged into it, then archived (id, email, phone or name)
    pub duplicate: String,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words, each the start of a word: "acme retreat migr"
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
    /// Most contacts (and most organizations) to show
    #[arg(long, default_value_t = 20, value_parser = at_least_one::<usize>)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// json (everything, JSON Lines; `rapport import` reads it back), csv or vcard (contacts)
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Write to FILE (replaced only once the export is complete) [default: standard output]
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: a CSV, a vCard file, an .xlsx or .ods workbook, or a dump from
    /// `rapport export --format json`
    pub file: std::path::PathBuf,
    /// auto, json, csv, google, outlook, linkedin, vcard, xlsx or ods [default: auto: from the
    /// file's name and contents; Google, Outlook and LinkedIn CSVs are told by their header]
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Say what a column holds: COLUMN=FIELD (name, first_name, last_name, email, phone,
    /// organization, title, notes, tags, tier, stage, cadence, source, note, ignore, field:KEY…); repeatable
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub maps: Vec<String>,
    /// Read everything and report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Whose book new contacts go into (an email or user id; admins only) [default: yours]
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
    /// The worksheet of an .xlsx or .ods workbook [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Where to write the report [default: FILE.import-report.txt beside FILE, if FILE is a
    /// regular file]
    #[arg(long, value_name = "REPORT")]
    pub report: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy
    pub file: std::path::PathBuf,
    /// Replace FILE if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup written by `rapport backup`
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct ContactFields {
    /// Email address (repeatable)
    #[arg(long = "email", value_name = "EMAIL")]
    pub emails: Vec<String>,
    /// Phone number, as you write it: at least one digit (repeatable; one number written two
    /// ways is kept once)
    #[arg(long = "phone", value_name = "PHONE")]
    pub phones: Vec<String>,
    /// Organization name (created if new)
    #[arg(long)]
    pub org: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    /// Tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Tier: A (most valuable), B, C or D
    #[arg(long)]
    pub tier: Option<String>,
    /// Lifecycle stage: stranger, acquainted, engaged, customer, advocate, dormant
    #[arg(long)]
    pub stage: Option<String>,
    /// Horizon: reason, season or lifetime
    #[arg(long)]
    pub horizon: Option<String>,
    /// Prospect kind: new or seasoned
    #[arg(long)]
    pub kind: Option<String>,
    /// Calling cycle, e.g. 30d, 6w, 3m (default: inherited)
    #[arg(long)]
    pub cadence: Option<String>,
    /// Relationship role (repeatable): prospect, lead, customer, influencer, champion, evaluator, referrer, partner, advocate, vendor
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Where they came from ("LinkedIn", "logistics summit"); `rapport intro` sets it too
    #[arg(long)]
    pub source: Option<String>,
}

// Parsed once per process, like `Command`: boxing `Edit` would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ContactCommand {
    /// Add a contact; prints the new id
    Add {
        name: String,
        #[command(flatten)]
        fields: ContactFields,
    },
    /// List contacts
    List(ListArgs),
    /// Show one contact: profile, cadence and where it comes from, next touch, history
    Show {
        contact: String,
        /// How many recent touches to show
        #[arg(long, default_value_t = 10)]
        touches: i64,
    },
    /// Change a contact; "none" clears a field (e.g. --tier none, --cadence none)
    Edit(EditArgs),
    /// Archive a contact: off the agenda, history kept
    Archive { contact: String },
    /// Bring an archived contact back onto the agenda
    Unarchive { contact: String },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub tag: Option<String>,
    #[arg(long)]
    pub tier: Option<String>,
    #[arg(long)]
    pub stage: Option<String>,
    #[arg(long)]
    pub role: Option<String>,
    #[arg(long)]
    pub org: Option<String>,
    /// Only contacts this user owns: "me", an email or an id
    #[arg(long)]
    pub owner: Option<String>,
    /// Include archived contacts
    #[arg(long)]
    pub archived: bool,
    #[arg(long, value_parser = at_least_one::<i64>)]
    pub limit: Option<i64>,
    /// name, or fit: best fit against the ideal client profile first, with the score
    #[arg(long, default_value = "name")]
    pub sort: String,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub contact: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub org: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Where they came from; "none" clears it
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub tier: Option<String>,
    #[arg(long)]
    pub stage: Option<String>,
    /// Why the stage changes (kept in the contact's stage history)
    #[arg(long, requires = "stage")]
    pub stage_reason: Option<String>,
    #[arg(long)]
    pub horizon: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub cadence: Option<String>,
    #[arg(long = "add-email", value_name = "EMAIL")]
    pub add_emails: Vec<String>,
    #[arg(long = "remove-email", value_name = "EMAIL")]
    pub remove_emails: Vec<String>,
    /// Add a phone number, unless the contact has it already (however written)
    #[arg(long = "add-phone", value_name = "PHONE")]
    pub add_phones: Vec<String>,
    /// Remove a phone number: that spelling or, if the contact has no such spelling, the number
    /// however written (`020 7946 0958` removes `+44 20 7946 0958`)
    #[arg(long = "remove-phone", value_name = "PHONE")]
    pub remove_phones: Vec<String>,
    #[arg(long = "tag", value_name = "TAG")]
    pub add_tags: Vec<String>,
    #[arg(long = "untag", value_name = "TAG")]
    pub remove_tags: Vec<String>,
    #[arg(long = "role", value_name = "ROLE")]
    pub add_roles: Vec<String>,
    #[arg(long = "end-role", value_name = "ROLE")]
    pub end_roles: Vec<String>,
    /// Set a custom field (repeatable): --field segment=enterprise
    #[arg(long = "field", value_name = "KEY=VALUE")]
    pub set_fields: Vec<String>,
    /// Remove a custom field (repeatable)
    #[arg(long = "unset-field", value_name = "KEY")]
    pub unset_fields: Vec<String>,
    /// Hand the contact to another user (email or id): its owner or an admin
    #[arg(long)]
    pub owner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum OrganizationCommand {
    /// Add an organization
    Add {
        name: String,
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        tier: Option<String>,
    },
    /// List organizations
    List {
        /// name, or fit: best fit against the ideal client profile first, with the score
        #[arg(long, default_value = "name")]
        sort: String,
    },
    /// Change an organization: its name, domain, tier, industry, size, region, custom
    /// fields; "none" clears a value
    Edit(OrganizationEditArgs),
    /// Show an organization, the people we know there and its incumbent competitors
    Show { organization: String },
    /// Record an incumbent competitor: their contract renewal and what the account dislikes
    Competitor(CompetitorArgs),
}

#[derive(Debug, Args)]
pub struct OrganizationEditArgs {
    pub organization: String,
    /// A new name (unique, ignoring case)
    #[arg(long)]
    pub name: Option<String>,
    /// Its web domain ("acme.example")
    #[arg(long)]
    pub domain: Option<String>,
    /// A, B, C or D
    #[arg(long)]
    pub tier: Option<String>,
    /// What it does ("Software")
    #[arg(long)]
    pub industry: Option<String>,
    /// How many people it employs
    #[arg(long)]
    pub size: Option<String>,
    /// Where it is ("EU", "Nordics")
    #[arg(long)]
    pub region: Option<String>,
    /// Set a custom field (repeatable): --field crm=salesforce
    #[arg(long = "field", value_name = "KEY=VALUE")]
    pub set_fields: Vec<String>,
    /// Remove a custom field (repeatable)
    #[arg(long = "unset-field", value_name = "KEY")]
    pub unset_fields: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CompetitorArgs {
    pub organization: String,
    /// The competitor's name (an existing one is updated)
    #[arg(long)]
    pub name: String,
    /// When their contract renews: 2027-03-01, 6m…
    #[arg(long)]
    pub renews: Option<String>,
    /// Something the account is unhappy about (repeatable; added to those recorded)
    #[arg(long = "dissatisfaction", value_name = "TEXT")]
    pub dissatisfactions: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum OpportunityCommand {
    /// Open an opportunity on a contact; prints its id
    Add(OpportunityAddArgs),
    /// List opportunities, newest first
    List {
        /// Only this contact's
        contact: Option<String>,
        /// Only open ones
        #[arg(long)]
        open: bool,
    },
    /// Close an opportunity as won or lost; the contact moves by the close rule
    Close(OpportunityCloseArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("when").required(true)))]
pub struct OpportunityAddArgs {
    pub contact: String,
    #[arg(long)]
    pub title: String,
    /// Value in whole units of your currency (e.g. 25000)
    #[arg(long)]
    pub value: i64,
    /// Buying timeline as the prospect says it: 30, 60, 90 (days) or later
    #[arg(long, group = "when")]
    pub timeline: Option<String>,
    /// Or the date it is expected to close: 2027-03-01, 6w…
    #[arg(long, group = "when")]
    pub close_by: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("outcome").required(true)))]
pub struct OpportunityCloseArgs {
    /// The opportunity's id
    pub id: i64,
    #[arg(long, group = "outcome")]
    pub won: bool,
    #[arg(long, group = "outcome")]
    pub lost: bool,
    /// Why it was won or lost
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct IntroArgs {
    /// Who made the introduction
    pub introducer: String,
    /// Who was introduced
    pub introduced: String,
    /// When (default: today)
    #[arg(long)]
    pub on: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("whose").required(true)))]
pub struct HealthArgs {
    /// A contact
    #[arg(group = "whose")]
    pub contact: Option<String>,
    /// An organization, instead of a contact
    #[arg(long, group = "whose")]
    pub org: Option<String>,
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Show the team's close rule (won → retention, lost → nurture) and renewal lead time
    #[arg(long)]
    pub rules: bool,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    pub contact: String,
    /// call, meeting, email, message, event, note or content-shared
    #[arg(long, short)]
    pub kind: String,
    /// What happened
    #[arg(long, short)]
    pub summary: Option<String>,
    /// Needs discussed
    #[arg(long, short)]
    pub needs: Option<String>,
    /// The approach for the next reach-out
    #[arg(long = "next")]
    pub next_approach: Option<String>,
    /// When it happened (default: now); a future time books it
    #[arg(long)]
    pub at: Option<String>,
    /// They reached out to us
    #[arg(long)]
    pub inbound: bool,
    /// Keep the text (summary, needs, next) to yourself: others see only that it happened
    #[arg(long)]
    pub private: bool,
}

#[derive(Debug, Args)]
pub struct HoldArgs {
    pub contact: String,
    /// Don't contact before this day: a date (2027-03-01) or an offset (3m, 6w)
    #[arg(long)]
    pub until: String,
    /// Why: shown when the contact comes back
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Subcommand)]
pub enum FollowUpCommand {
    /// Add a dated follow-up about a contact
    Add {
        contact: String,
        /// Due date: 2026-12-04, tomorrow, or an offset such as 3d
        #[arg(long)]
        due: String,
        /// What to do
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Mark a follow-up done
    Done { id: i64 },
    /// List a contact's follow-ups
    List {
        contact: String,
        /// Include done ones
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CadenceCommand {
    /// Set a contact's own cadence (30d, 6w, 3m), or "inherit" to use the defaults again
    Set { contact: String, cadence: String },
    /// Set a default cadence by tier, stage, role or horizon ("none" removes it); with no scope, list the defaults
    Default(DefaultArgs),
}

#[derive(Debug, Args)]
pub struct DefaultArgs {
    #[arg(long, group = "scope")]
    pub tier: Option<String>,
    #[arg(long, group = "scope")]
    pub stage: Option<String>,
    #[arg(long, group = "scope")]
    pub role: Option<String>,
    #[arg(long, group = "scope")]
    pub horizon: Option<String>,
    /// The cadence every contact falls back on
    #[arg(long, group = "scope")]
    pub fallback: bool,
    /// 30d, 6w, 3m… or "none"
    pub cadence: Option<String>,
}

#[derive(Debug, Args)]
pub struct AgendaArgs {
    /// At most this many entries (the counts always cover everything)
    #[arg(long, default_value_t = 50, value_parser = at_least_one::<usize>)]
    pub limit: usize,
    /// Only contacts holding this relationship role today (champion, prospect…)
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
}

#[derive(Debug, Args)]
pub struct AgendaWindowArgs {
    /// How many days ahead to look
    #[arg(long, default_value_t = 7)]
    pub days: u16,
    #[command(flatten)]
    pub agenda: AgendaArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many contacts to create
    #[arg(long, default_value_t = 300)]
    pub contacts: usize,
    /// Random seed, for the same demo every time
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Where the web UI listens; port 0 lets the system choose
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub bind: String,
    /// Only fill the database and show today's agenda; do not start the web UI
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many contacts
    #[arg(long, default_value_t = 1_000_000)]
    pub contacts: u64,
    /// How many touches, shared out over the contacts by cadence
    #[arg(long, default_value_t = 10_000_000)]
    pub touches: u64,
    /// How many owners the contacts are spread over (the first is the CLI's local owner)
    #[arg(long, default_value_t = 100)]
    pub owners: u64,
    /// Random seed: the same arguments and seed give the same database
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Afterwards, recompute every schedule through the normal write path and check every
    /// last touch (slow: for checking the generator, not for benchmarking)
    #[arg(long)]
    pub verify: bool,
}

/// Database connections a server opens at most, unless told otherwise (docs/benchmarks.md:
/// on SQLite, more connections than this write slower and hold more memory).
pub const DEFAULT_SERVER_CONNECTIONS: u32 = 8;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 lets the system choose (the first line printed says which)
    #[arg(
        long,
        env = "RAPPORT_BIND",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub bind: String,
    /// Database connections the server may open at once. Requests beyond them wait their
    /// turn; a few per core is plenty for SQLite, more helps PostgreSQL under many clients
    #[arg(
        long,
        env = "RAPPORT_CONNECTIONS",
        default_value_t = DEFAULT_SERVER_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(1..=1000),
        value_name = "N"
    )]
    pub connections: u32,
    /// Mark session cookies Secure: the server sits behind TLS (set automatically for requests
    /// a proxy forwards with X-Forwarded-Proto: https)
    #[arg(long, env = "RAPPORT_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from a prompt, or from a line of standard input
    Add {
        email: String,
        /// Display name [default: the part of the email before '@']
        #[arg(long)]
        name: Option<String>,
        /// admin, member or viewer (viewers can read but not change anything)
        #[arg(long, default_value = "member")]
        role: String,
    },
    /// List users
    List,
    /// Change a user's role (admins only, not their own; a viewer owns, nurtures and sells to
    /// no contacts: reassign their book first)
    Role {
        /// The user (email or id)
        user: String,
        /// admin, member or viewer
        role: String,
    },
    /// Disable a user: they log in nowhere, their sessions end and their API tokens are
    /// revoked (admins only, not themselves; a disabled user owns, nurtures and sells to no
    /// contacts: reassign their book first)
    Disable {
        /// The user (email or id)
        user: String,
    },
    /// Enable a disabled user again (admins only); they log in again and need new API tokens
    Enable {
        /// The user (email or id)
        user: String,
    },
    /// Hand every contact FROM owns to another user, keeping every cadence, and make them
    /// the nurture and sales owner wherever FROM was (admins only)
    Reassign {
        /// The leaving user (email or id)
        from: String,
        /// Who takes the contacts over (email or id)
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only changes about this contact (its record, touches and follow-ups)
    #[arg(long)]
    pub contact: Option<String>,
    /// At most this many rows, newest first
    #[arg(long, default_value_t = 50, value_parser = at_least_one::<i64>)]
    pub limit: i64,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once and only its hash is kept
    Create {
        /// The user's email
        #[arg(long)]
        user: String,
        /// What the token is for
        #[arg(long, default_value = "api")]
        name: String,
    },
    /// List your API tokens (an admin sees everyone's); never their secrets
    List,
    /// Revoke a token by id: it stops working at once
    Revoke { id: i64 },
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Save your time zone (an IANA name such as Europe/Paris, or "system")
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Close rule (admins): the stage a won deal moves its contact to
    #[arg(long)]
    pub won_stage: Option<String>,
    /// Close rule (admins): the role a won deal gives its contact, or "none"
    #[arg(long)]
    pub won_role: Option<String>,
    /// Close rule (admins): the retention cycle after a win (1m, 6w…)
    #[arg(long)]
    pub won_cadence: Option<String>,
    /// Close rule (admins): the stage a lost deal moves its contact to
    #[arg(long)]
    pub lost_stage: Option<String>,
    /// Close rule (admins): the role a lost deal gives its contact, or "none"
    #[arg(long)]
    pub lost_role: Option<String>,
    /// Close rule (admins): the nurture cycle after a loss (3m…)
    #[arg(long)]
    pub lost_cadence: Option<String>,
    /// Days before a competitor's contract renewal its account comes back on the agenda (admins)
    #[arg(long, value_name = "DAYS")]
    pub renewal_lead: Option<String>,
    /// The least won + open deal value for a suggested tier A, B and C (admins): 100000,25000,5000
    #[arg(long, value_name = "A,B,C")]
    pub tier_values: Option<String>,
}

/// A `--limit`: a whole number of at least one (none would show nothing and read as "no
/// contacts").
fn at_least_one<T: std::str::FromStr + PartialOrd + From<u8>>(text: &str) -> Result<T, String> {
    match text.trim().parse::<T>() {
        Ok(n) if n >= T::from(1) => Ok(n),
        _ => Err("expected a whole number of at least 1".to_owned()),
    }
}
