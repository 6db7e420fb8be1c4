//! What a supervisor reads of a conversation beyond its participants' names: the customer
//! (whoever is on the outside), its address, the agents (by user id), queues and wrap-up codes.
//! Shared by the screen's rows and the per-conversation CSV export, so both say the same.

use crate::genesys::directory::{Kind, Names};
use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, AnalyticsSession, ConversationParticipant,
};

/// What a supervisor reads of a conversation beyond its participants' names, taken from the
/// analytics record once (its segments and sessions are not kept): who the customer is, which
/// agents (by user id: analytics does not name them), queues and wrap-up codes (ids).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The outside party's name, when analytics has one.
    pub customer_name: Option<String>,
    /// The outside party's address: the caller's number (ANI) on an inbound call, the number
    /// called (DNIS) on an outbound one, the messaging or e-mail address otherwise.
    pub customer_address: Option<String>,
    /// The address on our side (DNIS of an inbound call, ANI of an outbound one...).
    pub our_address: Option<String>,
    /// Agents and users who took part: (user id, name when analytics has one).
    pub agents: Vec<(Option<String>, Option<String>)>,
    /// Queue ids, in the order met.
    pub queues: Vec<String>,
    /// Wrap-up code ids, in the order met.
    pub wrapups: Vec<String>,
    /// We called them (an outbound conversation): on a call, our number is the caller.
    pub outbound: bool,
    /// The divisions the conversation is in (ids).
    pub divisions: Vec<String>,
}

impl Facts {
    /// Reads them from an analytics record. The customer is whoever is on the outside: the
    /// participant of purpose `customer`, else `external` (real voice data mostly has
    /// `external` callers, inbound and outbound).
    pub fn of(c: &AnalyticsConversation) -> Facts {
        let mut f = Facts::default();
        let purpose = |p: &AnalyticsParticipant, w: &str| p.purpose.as_deref() == Some(w);
        let outside = outside(c).map(|i| &c.participants[i]);
        let outbound = c.originating_direction.as_deref() == Some("outbound")
            || (c.originating_direction.is_none()
                && c.participants
                    .iter()
                    .flat_map(|p| &p.sessions)
                    .find_map(|s| s.direction.as_deref())
                    == Some("outbound"));
        f.outbound = outbound;
        f.divisions = c
            .extra
            .get("divisionIds")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str())
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(p) = outside {
            f.customer_name = p.participant_name.clone().filter(|n| !n.trim().is_empty());
            let text = |s: &AnalyticsSession, k: &str| {
                s.extra
                    .get(k)
                    .and_then(|v| v.as_str())
                    .filter(|v| !v.trim().is_empty())
                    .map(address)
            };
            let (theirs, ours) = if outbound {
                (["dnis", "addressTo"], ["ani", "addressFrom"])
            } else {
                (["ani", "addressFrom"], ["dnis", "addressTo"])
            };
            for s in &p.sessions {
                f.customer_address = f
                    .customer_address
                    .or_else(|| theirs.iter().find_map(|k| text(s, k)));
                f.our_address = f
                    .our_address
                    .or_else(|| ours.iter().find_map(|k| text(s, k)));
            }
        }
        for p in &c.participants {
            if (purpose(p, "agent") || purpose(p, "user"))
                && !f.agents.iter().any(|(u, n)| {
                    (u.is_some() && *u == p.user_id)
                        || (u.is_none() && p.user_id.is_none() && *n == p.participant_name)
                })
            {
                f.agents.push((
                    p.user_id.clone(),
                    p.participant_name.clone().filter(|n| !n.trim().is_empty()),
                ));
            }
            for s in &p.sessions {
                let segs = s.extra.get("segments").and_then(|v| v.as_array());
                for seg in segs.into_iter().flatten() {
                    for (key, list) in [("queueId", &mut f.queues), ("wrapUpCode", &mut f.wrapups)]
                    {
                        if let Some(id) = seg.get(key).and_then(|v| v.as_str())
                            && !id.is_empty()
                            && !list.iter().any(|x| x == id)
                        {
                            list.push(id.to_string());
                        }
                    }
                }
            }
        }
        f
    }

    /// The directory ids it holds, by kind: agents' user ids, queues, wrap-up codes.
    pub fn ids(&self) -> impl Iterator<Item = (Kind, &str)> {
        let users = self.agents.iter().filter_map(|(u, _)| u.as_deref());
        users
            .map(|u| (Kind::User, u))
            .chain(self.queues.iter().map(|q| (Kind::Queue, q.as_str())))
            .chain(self.wrapups.iter().map(|w| (Kind::Wrapup, w.as_str())))
    }

    /// The customer's name, else their address.
    pub fn customer(&self) -> String {
        self.customer_name
            .clone()
            .or_else(|| self.customer_address.clone())
            .unwrap_or_default()
    }

    /// For a call, the customer's number then ours, the arrow from the caller to the number
    /// called (`+4930… → +1800…` inbound, `+4930… ← +1800…` outbound: the customer's number
    /// stays first, where a narrow column keeps it); the customer's address otherwise.
    pub fn address(&self) -> String {
        match (&self.customer_address, &self.our_address) {
            (Some(a), Some(b)) if self.is_phone() => {
                format!("{a} {} {b}", if self.outbound { '←' } else { '→' })
            }
            (Some(a), _) => a.clone(),
            (None, Some(b)) => b.clone(),
            (None, None) => String::new(),
        }
    }

    fn is_phone(&self) -> bool {
        [&self.customer_address, &self.our_address]
            .into_iter()
            .flatten()
            .all(|a| a.starts_with('+') || a.chars().all(|c| c.is_ascii_digit()))
    }

    /// The agents by name: analytics' name, else the directory's, else the short id.
    pub fn agents<'a>(&'a self, names: &'a Names) -> Vec<&'a str> {
        self.agents
            .iter()
            .filter_map(|(u, n)| match (u, n) {
                (_, Some(n)) => Some(n.as_str()),
                (Some(u), None) => Some(names.shown(Kind::User, u)),
                (None, None) => None,
            })
            .collect()
    }

    /// Ids of a kind by name, joined.
    pub fn shown(&self, kind: Kind, ids: &[String], names: &Names) -> String {
        ids.iter()
            .map(|id| names.shown(kind, id))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Which participant is the customer: whoever is on the outside, the participant of purpose
/// `customer`, else `external`.
pub fn outside(c: &AnalyticsConversation) -> Option<usize> {
    let purpose = |w: &str| {
        c.participants
            .iter()
            .position(|p| p.purpose.as_deref() == Some(w))
    };
    purpose("customer").or_else(|| purpose("external"))
}

/// The address of a participant of GET conversation (no analytics record at hand), as people
/// read it: its `address`, else the caller's number, else the number called.
pub fn live_address(p: &ConversationParticipant) -> Option<String> {
    let extra = |k: &str| p.extra.get(k).and_then(|v| v.as_str());
    [p.address.as_deref(), extra("ani"), extra("dnis")]
        .into_iter()
        .flatten()
        .find(|a| !a.trim().is_empty())
        .map(address)
}

/// An address as people read it: `tel:+4930…` is `+4930…`.
fn address(a: &str) -> String {
    a.strip_prefix("tel:").unwrap_or(a).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(direction: &str) -> AnalyticsConversation {
        serde_json::from_value(serde_json::json!({
            "conversationId": "c1",
            "originatingDirection": direction,
            "participants": [{
                "participantId": "p1",
                "purpose": "external",
                "sessions": [{
                    "mediaType": "voice",
                    "direction": direction,
                    "ani": if direction == "inbound" { "tel:+4930123" } else { "tel:+18005550100" },
                    "dnis": if direction == "inbound" { "tel:+18005550100" } else { "tel:+4930123" },
                }],
            }],
        }))
        .unwrap()
    }

    /// The customer's number comes first either way (a narrow Address column keeps it), and
    /// the arrow goes from the caller to the number called: on an outbound call we called.
    #[test]
    fn a_calls_address_points_from_the_caller_to_the_number_called() {
        let inbound = Facts::of(&call("inbound"));
        assert_eq!(inbound.customer_address.as_deref(), Some("+4930123"));
        assert_eq!(inbound.address(), "+4930123 → +18005550100");
        let outbound = Facts::of(&call("outbound"));
        assert_eq!(outbound.customer_address.as_deref(), Some("+4930123"));
        assert_eq!(outbound.our_address.as_deref(), Some("+18005550100"));
        assert_eq!(outbound.address(), "+4930123 ← +18005550100");
    }
}
