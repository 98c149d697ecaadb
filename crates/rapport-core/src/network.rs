//! The lead network: who introduced whom, and what came of it. Connectors matter even when
//! they never buy (DESIGN.md, "A connector who never buys but introduced three clients is
//! visible as such").

use crate::vocab::Stage;

/// What became of one person someone introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntroOutcome {
    pub touches: u64,
    /// A client now: see [`is_client`].
    pub client: bool,
    /// Won opportunities, in whole units of the team's currency.
    pub won_value: i64,
}

/// Whether someone is a client: they hold the customer role now, stand at the customer or
/// advocate stage, or have won a deal with us.
pub fn is_client(stage: Option<Stage>, customer_role: bool, won_value: i64) -> bool {
    customer_role || matches!(stage, Some(Stage::Customer | Stage::Advocate)) || won_value > 0
}

/// What a contact's introductions added up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    pub introduced: u64,
    pub clients: u64,
    pub touches: u64,
    pub won_value: i64,
}

impl Reach {
    pub fn of(outcomes: &[IntroOutcome]) -> Reach {
        outcomes.iter().fold(Reach::default(), |reach, o| Reach {
            introduced: reach.introduced + 1,
            clients: reach.clients + u64::from(o.client),
            touches: reach.touches + o.touches,
            won_value: reach.won_value.saturating_add(o.won_value),
        })
    }

    /// A connector brought us at least one client and is not a client themselves: the
    /// person to thank and keep close, whose value never shows in their own deals.
    pub fn is_connector(&self, client_themselves: bool) -> bool {
        self.clients > 0 && !client_themselves
    }

    /// "introduced 3: 2 became clients, 5 touches, 52000 won".
    pub fn describe(&self) -> String {
        let clients = match self.clients {
            1 => "1 became a client".to_owned(),
            n => format!("{n} became clients"),
        };
        format!(
            "introduced {}: {clients}, {} touches, {} won",
            self.introduced, self.touches, self.won_value
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_holds_the_role_stands_at_the_stage_or_won_a_deal() {
        assert!(is_client(None, true, 0));
        assert!(is_client(Some(Stage::Advocate), false, 0));
        assert!(is_client(Some(Stage::Engaged), false, 1));
        assert!(!is_client(Some(Stage::Engaged), false, 0));
    }

    #[test]
    fn reach_adds_up_and_a_connector_brings_clients_without_buying() {
        let outcomes = [
            IntroOutcome {
                touches: 3,
                client: true,
                won_value: 40_000,
            },
            IntroOutcome {
                touches: 1,
                client: true,
                won_value: 12_000,
            },
            IntroOutcome {
                touches: 1,
                client: false,
                won_value: 0,
            },
        ];
        let reach = Reach::of(&outcomes);
        assert_eq!(
            reach,
            Reach {
                introduced: 3,
                clients: 2,
                touches: 5,
                won_value: 52_000
            }
        );
        assert_eq!(
            reach.describe(),
            "introduced 3: 2 became clients, 5 touches, 52000 won"
        );
        assert!(reach.is_connector(false));
        assert!(!reach.is_connector(true));
        assert!(!Reach::of(&outcomes[2..]).is_connector(false));
    }
}
