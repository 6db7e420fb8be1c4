//! What filters see of a conversation: the values of the dimensions, as the analytics data has
//! them (no names for agents and users, ids for queues and wrap-up codes).

use std::borrow::Cow;
use std::cell::OnceCell;

use super::{Conv, Dataset, Draw, Kind, Part, Seg, note_text, time};
use crate::sim::filter::{Dim, Row};

fn b(v: bool) -> Option<Cow<'static, str>> {
    Some(Cow::Borrowed(if v { "true" } else { "false" }))
}

/// The dimensions every conversation of a [`Kind`] shares.
fn kind_dim(k: Kind, d: Dim) -> Option<Option<Cow<'static, str>>> {
    Some(match d {
        Dim::MediaType => Some(Cow::Borrowed(k.media)),
        Dim::MessageType => k.message_type.map(Cow::Borrowed),
        Dim::OriginatingDirection => Some(Cow::Borrowed(k.direction())),
        Dim::ConversationInitiator => {
            Some(Cow::Borrowed(if k.outbound { "agent" } else { "customer" }))
        }
        Dim::Unset => None,
        _ => return None,
    })
}

/// The conversation-level dimensions, from the drawn timeline.
fn conversation_dim<'a>(
    ds: &'a Dataset,
    id: impl FnOnce() -> &'a str,
    d: &Draw,
    now: i64,
    dim: Dim,
) -> Option<Cow<'a, str>> {
    if let Some(v) = kind_dim(d.kind, dim) {
        return v;
    }
    match dim {
        Dim::ConversationId => Some(Cow::Borrowed(id())),
        Dim::ConversationStart => Some(Cow::Owned(time(d.start))),
        Dim::ConversationEnd => d.end_at(now).map(|e| Cow::Owned(time(e))),
        Dim::CustomerParticipation => b(d.customer_participation()),
        Dim::DivisionId => Some(Cow::Borrowed(ds.divisions[d.division].id.as_str())),
        Dim::ExternalTag => d.external_tag.map(|t| Cow::Owned(format!("CRM-{t:06}"))),
        Dim::MinConversationMos => d
            .mos
            .filter(|_| d.end_at(now).is_some())
            .map(|m| Cow::Owned((f64::from(m) / 100.0).to_string())),
        _ => None,
    }
}

/// A row that answers the dimensions of a [`Kind`] (the same on every segment).
pub(super) struct KindRow(pub Kind);

impl Row for KindRow {
    fn get(&self, d: Dim) -> Option<Cow<'_, str>> {
        kind_dim(self.0, d).flatten()
    }
}

/// The quick dimensions of conversation `i`: its kind, and its drawn timeline when asked for.
pub(super) struct QuickRow<'a> {
    ds: &'a Dataset,
    i: usize,
    now: i64,
    draw: OnceCell<Draw>,
    id: OnceCell<String>,
}

impl<'a> QuickRow<'a> {
    pub(super) fn new(ds: &'a Dataset, i: usize, now: i64) -> Self {
        QuickRow {
            ds,
            i,
            now,
            draw: OnceCell::new(),
            id: OnceCell::new(),
        }
    }
}

impl Row for QuickRow<'_> {
    fn get(&self, d: Dim) -> Option<Cow<'_, str>> {
        if let Some(v) = kind_dim(self.ds.kind(self.i), d) {
            return v;
        }
        let draw = self.draw.get_or_init(|| self.ds.draw(self.i));
        let id = || {
            self.id
                .get_or_init(|| self.ds.conversation_id(self.i))
                .as_str()
        };
        conversation_dim(self.ds, id, draw, self.now, d)
    }
}

pub(super) struct ConvRow<'a> {
    pub ds: &'a Dataset,
    pub c: &'a Conv,
}

impl Row for ConvRow<'_> {
    fn get(&self, d: Dim) -> Option<Cow<'_, str>> {
        // A generated conversation is clipped at its `now` already: its end is as seen then.
        let now = self.c.end.unwrap_or(i64::MIN);
        conversation_dim(self.ds, || self.c.id.as_str(), &self.c.draw, now, d)
    }
}

pub(super) struct SegRow<'a> {
    pub ds: &'a Dataset,
    pub c: &'a Conv,
    pub p: &'a Part,
    pub s: &'a Seg,
}

impl SegRow<'_> {
    fn flow(&self) -> Option<usize> {
        self.p.flow
    }

    fn transferred_to_queue(&self) -> Option<usize> {
        self.flow()?;
        (self.p.segs.last().and_then(|s| s.disconnect) == Some("transfer"))
            .then(|| self.c.parts.iter().find_map(|p| p.queue))
            .flatten()
    }
}

impl Row for SegRow<'_> {
    fn get(&self, d: Dim) -> Option<Cow<'_, str>> {
        let ds = self.ds;
        let s = |v: &'static str| Some(Cow::Borrowed(v));
        let voice = self.c.kind.media == "voice";
        match d {
            Dim::MediaType | Dim::MessageType | Dim::Unset => kind_dim(self.c.kind, d).flatten(),
            Dim::Direction => s(self.p.direction),
            Dim::Purpose => s(self.p.purpose),
            Dim::UserId => self.p.user.map(|u| Cow::Borrowed(ds.users[u].id.as_str())),
            Dim::QueueId => self
                .s
                .queue
                .map(|q| Cow::Borrowed(ds.queues[q].id.as_str())),
            Dim::ParticipantName => self.p.analytics_name().map(Cow::Borrowed),
            Dim::Ani => self.p.ani.as_deref().map(Cow::Borrowed),
            Dim::Dnis => self.p.dnis.as_deref().map(Cow::Borrowed),
            Dim::SessionDnis => self.p.dnis.as_deref().filter(|_| voice).map(Cow::Borrowed),
            Dim::AddressFrom => self.p.address_from.as_deref().map(Cow::Borrowed),
            Dim::AddressTo => self.p.address_to.as_deref().map(Cow::Borrowed),
            Dim::ExternalContactId => self.p.external_contact.as_deref().map(Cow::Borrowed),
            Dim::FlowId => self.flow().map(|f| Cow::Borrowed(ds.flows[f].id.as_str())),
            Dim::FlowName => self
                .flow()
                .map(|f| Cow::Borrowed(ds.flows[f].name.as_str())),
            Dim::FlowVersion => self.flow().and(s("12.0")),
            Dim::ExitReason => self.flow().map(|_| {
                Cow::Borrowed(
                    if self.p.segs.last().and_then(|s| s.disconnect) == Some("transfer") {
                        "TRANSFER"
                    } else {
                        "DISCONNECT"
                    },
                )
            }),
            Dim::TransferType => self.transferred_to_queue().and(s("ACD")),
            Dim::TransferTargetName => self
                .transferred_to_queue()
                .map(|q| Cow::Borrowed(ds.queues[q].name.as_str())),
            Dim::TransferTargetAddress => self
                .transferred_to_queue()
                .map(|q| Cow::Borrowed(ds.queues[q].id.as_str())),
            Dim::WrapUpCode => self
                .s
                .wrapup
                .map(|w| Cow::Borrowed(ds.wrapups[w].id.as_str())),
            Dim::WrapUpNote => self.s.note.map(|n| Cow::Borrowed(note_text(n))),
            Dim::DisconnectType => self.s.disconnect.map(Cow::Borrowed),
            Dim::SegmentType => s(self.s.typ),
            Dim::SegmentEnd => self.s.end.map(|e| Cow::Owned(time(e))),
            Dim::Conference => s("false"),
            Dim::Provider => s(if voice { "Edge" } else { "PureCloud Messaging" }),
            Dim::Remote => match self.p.purpose {
                "agent" | "user" => Dataset::remote(self.c).map(Cow::Owned),
                _ => None,
            },
            Dim::Recording => (voice
                && matches!(self.p.purpose, "agent" | "external" | "customer"))
            .then(|| b(self.c.draw.recording))
            .flatten(),
            Dim::RequestedRouting | Dim::UsedRouting => {
                matches!(self.p.purpose, "acd" | "agent").then_some(Cow::Borrowed("Standard"))
            }
            // Conversation dimensions are parsed for conversation filters only.
            _ => None,
        }
    }
}
