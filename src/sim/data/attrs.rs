//! Participant attributes: what the Messenger (`Database.set`), Architect flows (`Set
//! Participant Data`), bots and agents' scripts set, on the customer or caller, the queue, bots
//! and consulted users. Live conversations' attributes change every few seconds.

use super::{Conv, Dataset, LIVE_PAGES, LIVE_PERIOD, Rng, hash};
use crate::genesys::model::Attributes;

fn put(m: &mut Attributes, k: &str, v: String) {
    m.insert(k.to_string(), v);
}

/// A cart set by a web shop's Messenger integration: a JSON text of `items` lines, over 1,024
/// characters from about 8 lines on (the limit async jobs cut values at).
fn long_cart(r: &mut Rng, items: usize) -> String {
    let products = [
        "Wireless headphones — noise cancelling, black",
        "Câble USB-C tressé 2 m",
        "Funda de silicona para teléfono, azul",
        "4K monitor 27\" IPS",
        "ワイヤレスマウス",
        "Mechanical keyboard (US layout), brown switches",
        "Ladegerät 65 W GaN",
    ];
    let lines: Vec<String> = (0..items)
        .map(|k| {
            format!(
                "{{\"sku\":\"SKU-{:05}\",\"name\":\"{}\",\"qty\":{},\"price\":\"{}.{:02}\",\"line\":{k}}}",
                r.range(0, 99_999),
                r.pick(&products).replace('"', "\\\""),
                r.range(1, 4),
                r.range(5, 499),
                r.range(0, 99)
            )
        })
        .collect();
    format!("{{\"currency\":\"EUR\",\"items\":[{}]}}", lines.join(","))
}

impl Dataset {
    pub(super) fn attributes(&self, i: usize, conv: &mut Conv, now: i64) {
        let mut r = Rng::new(hash(&[self.seed, 0xA77, i as u64]));
        if r.chance(0.15) && !self.is_active(i) {
            return; // no attributes at all
        }
        let kind = conv.kind;
        let d = conv.draw;
        let (_, first, last, email_local) = super::CUSTOMERS[conv.cust];
        let mut cust = Attributes::new();
        match (kind.media, kind.message_type) {
            ("message", Some("webmessaging")) | ("chat", _) => {
                put(
                    &mut cust,
                    "context.email",
                    format!("{email_local}@example.com"),
                );
                put(&mut cust, "context.firstName", first.to_string());
                put(&mut cust, "context.lastName", last.to_string());
                put(
                    &mut cust,
                    "context.customField1",
                    r.pick(&["gold", "silver", "bronze", ""]).to_string(),
                );
                if r.chance(0.5) {
                    put(
                        &mut cust,
                        "orderId",
                        format!("ORD-{:06}", r.range(0, 999_999)),
                    );
                }
                if r.chance(0.6) {
                    put(
                        &mut cust,
                        "utm_source",
                        r.pick(&["google", "newsletter", "facebook", "instagram"])
                            .to_string(),
                    );
                    put(
                        &mut cust,
                        "utm_campaign",
                        r.pick(&["black-friday-2026", "spring_sale", "retargeting", "brand"])
                            .to_string(),
                    );
                }
                put(
                    &mut cust,
                    "language",
                    r.pick(&["en-US", "es-ES", "de-DE", "ja-JP", "nb-NO", "fr-FR"])
                        .to_string(),
                );
                if r.chance(0.4) {
                    put(
                        &mut cust,
                        "cart",
                        format!(
                            "{{\"items\":{},\"total\":\"{}.{:02}\"}}",
                            r.range(1, 9),
                            r.range(5, 499),
                            r.range(0, 99)
                        ),
                    );
                }
                if r.chance(0.2) {
                    put(
                        &mut cust,
                        "note",
                        r.pick(&[
                            "Entrega en dirección nueva — piso 3º",
                            "配達は午後希望",
                            "Bitte zurückrufen ☎",
                            "Kunde möchte Rückerstattung (Bestellung beschädigt)",
                        ])
                        .to_string(),
                    );
                }
                if r.chance(0.3) {
                    put(&mut cust, "context.phoneNumber", String::new());
                }
            }
            ("message", _) => {
                put(
                    &mut cust,
                    "channel.optIn",
                    r.pick(&["true", "false"]).to_string(),
                );
                if r.chance(0.5) {
                    put(
                        &mut cust,
                        "orderId",
                        format!("ORD-{:06}", r.range(0, 999_999)),
                    );
                }
            }
            ("voice", _) | ("callback", _) => {
                put(
                    &mut cust,
                    "ivr.accountNumber",
                    format!("{:08}", r.range(0, 99_999_999)),
                );
                put(
                    &mut cust,
                    "ivr.menuPath",
                    r.pick(&["1>2", "1>3>1", "2", "3>1", ""]).to_string(),
                );
                if r.chance(0.4) {
                    put(
                        &mut cust,
                        "ivr.language",
                        r.pick(&["en-US", "es-US", "fr-CA"]).to_string(),
                    );
                }
            }
            _ => {
                put(
                    &mut cust,
                    "subjectCategory",
                    r.pick(&["invoice", "complaint", "return", "other"])
                        .to_string(),
                );
            }
        }
        // Set by flows (Architect Set Participant Data).
        if !kind.outbound {
            put(
                &mut cust,
                "routing.skill",
                r.pick(&["general", "billing", "returns", "español", "vip"])
                    .to_string(),
            );
            if r.chance(0.5) {
                put(
                    &mut cust,
                    "intent",
                    r.pick(&[
                        "order_status",
                        "refund",
                        "change_address",
                        "product_question",
                    ])
                    .to_string(),
                );
            }
        }
        // A few carts are long: the whole basket as JSON, more than an async job keeps.
        let mut l = Rng::new(hash(&[self.seed, 0x10A6, i as u64]));
        if matches!(kind.message_type, Some("webmessaging")) && !d.active && l.chance(0.03) {
            let items = l.range(10, 30) as usize;
            put(&mut cust, "cart.details", long_cart(&mut l, items));
        }
        let mut botattrs = Attributes::new();
        if d.bot {
            put(&mut botattrs, "botSessionId", self.sub_id(i, 0xB07, 0));
            put(
                &mut botattrs,
                "intent",
                r.pick(&["order_status", "refund", "change_address", "talk_to_agent"])
                    .to_string(),
            );
            put(
                &mut botattrs,
                "confidence",
                format!("0.{:02}", r.range(40, 99)),
            );
            put(
                &mut botattrs,
                "botOutcome",
                r.pick(&["handoff", "success", "failure"]).to_string(),
            );
        }
        // In-queue flows set data on the queue's participant; scripts on consulted users.
        let mut q = Rng::new(hash(&[self.seed, 0xA78, i as u64]));
        let mut acd = Attributes::new();
        if q.chance(0.5) {
            put(&mut acd, "queue.priority", q.range(0, 9).to_string());
            put(
                &mut acd,
                "inQueue.callbackOffered",
                q.pick(&["true", "false"]).to_string(),
            );
            put(
                &mut acd,
                "estimatedWaitSeconds",
                q.range(10, 900).to_string(),
            );
        }
        let mut user = Attributes::new();
        if q.chance(0.6) {
            put(
                &mut user,
                if d.internal {
                    "call.reason"
                } else {
                    "consult.reason"
                },
                q.pick(&["approval", "billing question", "second opinion", "handover"])
                    .to_string(),
            );
            if q.chance(0.5) {
                put(
                    &mut user,
                    "ticket",
                    format!("INC-{:07}", q.range(0, 9_999_999)),
                );
            }
        }
        // Live conversations: the customer keeps browsing. Every 5 s `context.pageViews` changes
        // (and mostly `lastPage`), and `typing` is added or removed; all of it stops at the end.
        // In a burst the visitor clicks on within 300 ms: `lastPage` changes twice in a period.
        if self.is_active(i) {
            let t = conv.end.map_or(now, |e| e.min(now));
            let epoch = t.div_euclid(LIVE_PERIOD);
            let since = (epoch - conv.start.div_euclid(LIVE_PERIOD)).max(0);
            let mut e = Rng::new(hash(&[self.seed, 0x11FE, i as u64, epoch as u64]));
            put(
                &mut cust,
                "context.pageViews",
                (3 + r.range(0, 5) + since).to_string(),
            );
            let mut page = e.below(LIVE_PAGES.len());
            if self
                .burst(i, epoch)
                .is_some_and(|b| t >= epoch * LIVE_PERIOD + b)
            {
                page = (page + 1 + e.below(LIVE_PAGES.len() - 1)) % LIVE_PAGES.len();
            }
            put(&mut cust, "lastPage", LIVE_PAGES[page].to_string());
            if epoch % 2 == 1 && conv.end.is_none() {
                put(&mut cust, "typing", "true".to_string());
            }
        }
        for p in &mut conv.parts {
            match p.purpose {
                "customer" | "external" => p.attributes = cust.clone(),
                "botflow" => p.attributes = botattrs.clone(),
                "acd" => p.attributes = acd.clone(),
                "user" => p.attributes = user.clone(),
                _ => {}
            }
        }
    }
}
