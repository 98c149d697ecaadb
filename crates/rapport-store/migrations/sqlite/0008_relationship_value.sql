-- Rapport schema, version 8 (sqlite): relationship value and lifecycle playbooks. Identical on
-- both backends.

-- The value thresholds a suggested tier is read against (the least won + open opportunity
-- value for tiers A, B and C), a relationship rule like the others, changed by admins.
INSERT INTO relationship_settings (key, value) VALUES ('tier_values', '100000,25000,5000');

-- Each lifecycle stage's playbook, also team rules (so they are exported, imported and
-- audited like the others): what the relationship looks like at the stage, the checklist of
-- what it takes to move on (one step per line), and the approach for a new and for a
-- seasoned prospect. A stage's cadence is its default cycle in cadence_defaults.
INSERT INTO relationship_settings (key, value) VALUES
    ('playbook.stranger.looks_like', 'We know of them; they may not know us yet.'),
    ('playbook.stranger.checklist', 'Find a reason to reach out: a shared contact, an event, a need
Make the first contact
Learn their role and what they care about'),
    ('playbook.stranger.approach_new', 'Teach: show what good looks like before any pitch.'),
    ('playbook.stranger.approach_seasoned', 'Ask what they use today and what they would change.'),
    ('playbook.acquainted.looks_like', 'We have met and they remember us.'),
    ('playbook.acquainted.checklist', 'Follow up on the first conversation
Learn their needs and timing
Share something useful without asking for anything'),
    ('playbook.acquainted.approach_new', 'Help them define the need and the budget.'),
    ('playbook.acquainted.approach_seasoned', 'Learn the incumbent''s contract, renewal date and weak spots.'),
    ('playbook.engaged.looks_like', 'Regular two-way conversations about a real need.'),
    ('playbook.engaged.checklist', 'Meet the decision maker
Agree on the problem and what success looks like
Know the buying timeline'),
    ('playbook.engaged.approach_new', 'Walk them through how buying works and who to involve.'),
    ('playbook.engaged.approach_seasoned', 'Show the difference from the incumbent ahead of the renewal.'),
    ('playbook.customer.looks_like', 'They buy from us; we keep earning it.'),
    ('playbook.customer.checklist', 'Check in after delivery
Review results together
Ask for an introduction or a reference'),
    ('playbook.customer.approach_new', 'Make the first success visible to their team.'),
    ('playbook.customer.approach_seasoned', 'Make the switch feel safe; compare results with before.'),
    ('playbook.advocate.looks_like', 'They recommend us and introduce others.'),
    ('playbook.advocate.checklist', 'Thank them for each introduction
Keep them informed of what came of it'),
    ('playbook.advocate.approach_new', 'Keep them close: early news, invitations.'),
    ('playbook.advocate.approach_seasoned', 'Keep them close: early news, invitations.'),
    ('playbook.dormant.looks_like', 'No active need; the relationship rests, not ends.'),
    ('playbook.dormant.checklist', 'Share something relevant once a season
Watch for a change: new role, new budget, a renewal'),
    ('playbook.dormant.approach_new', 'Stay useful and light; no pitch.'),
    ('playbook.dormant.approach_seasoned', 'Note when their current contract renews.');

-- Checklist progress per contact: the steps ticked, one per line as "stage<TAB>step", kept
-- per stage so moving on and back loses nothing.
ALTER TABLE contacts ADD COLUMN checklist TEXT;
