//! The export's writers: one conversation at a time, as NDJSON or CSV.

use std::io::{self, Write};

use crate::genesys::model::AnalyticsConversation;

use super::Format;

/// Writes conversations one at a time, in the chosen format. Shared with the screen's export.
pub trait ConversationWriter {
    fn write(&mut self, c: &AnalyticsConversation) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
}

/// One conversation a line, the object as the API returned it (plus attributes when asked).
pub struct NdjsonWriter<W: Write> {
    out: W,
}

impl<W: Write> NdjsonWriter<W> {
    pub fn new(out: W) -> Self {
        NdjsonWriter { out }
    }
}

impl<W: Write> ConversationWriter for NdjsonWriter<W> {
    fn write(&mut self, c: &AnalyticsConversation) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, c)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The CSV columns: one row per (conversation, participant, attribute).
pub const CSV_HEADER: [&str; 13] = [
    "conversationId",
    "conversationStart",
    "conversationEnd",
    "originatingDirection",
    "mediaType",
    "messageType",
    "participantId",
    "purpose",
    "participantName",
    "userId",
    "sessionMediaTypes",
    "attributeKey",
    "attributeValue",
];

/// One row per (conversation, participant, attribute); a conversation or participant without
/// attributes still gets one row, with the attribute columns empty.
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(CSV_HEADER).map_err(io::Error::other)?;
        Ok(CsvWriter { out })
    }
}

impl<W: Write> ConversationWriter for CsvWriter<W> {
    fn write(&mut self, c: &AnalyticsConversation) -> io::Result<()> {
        let (media, message) = c.media();
        let s = |o: Option<&str>| o.unwrap_or("").to_string();
        let conv = [
            c.conversation_id.clone(),
            s(c.conversation_start.as_deref()),
            s(c.conversation_end.as_deref()),
            s(c.originating_direction.as_deref()),
            s(media),
            s(message),
        ];
        let mut row = |p: [String; 5], k: &str, v: &str| {
            let rec = conv
                .iter()
                .map(String::as_str)
                .chain(p.iter().map(String::as_str));
            self.out
                .write_record(rec.chain([k, v]))
                .map_err(io::Error::other)
        };
        if c.participants.is_empty() {
            row(Default::default(), "", "")?;
        }
        for p in &c.participants {
            let mut medias: Vec<&str> = p
                .sessions
                .iter()
                .filter_map(|s| s.media_type.as_deref())
                .collect();
            medias.dedup();
            let cols = [
                p.participant_id.clone(),
                s(p.purpose.as_deref()),
                s(p.participant_name.as_deref()),
                s(p.user_id.as_deref()),
                medias.join(" "),
            ];
            match p.attributes.as_ref().filter(|a| !a.is_empty()) {
                None => row(cols, "", "")?,
                Some(attrs) => {
                    for (k, v) in attrs {
                        row(cols.clone(), k, v)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A writer for the format.
pub fn writer_for<'a, W: Write + 'a>(
    format: Format,
    out: W,
) -> io::Result<Box<dyn ConversationWriter + 'a>> {
    Ok(match format {
        Format::Ndjson => Box::new(NdjsonWriter::new(out)),
        Format::Csv => Box::new(CsvWriter::new(out)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(json: &str) -> AnalyticsConversation {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn ndjson_keeps_every_field() {
        let raw = r#"{"conversationId":"c1","conversationStart":"2026-11-24T08:00:00.000Z","divisionIds":["d1"],"participants":[{"participantId":"p1","purpose":"customer","attributes":{"a":"1"},"flaggedReason":"x"}]}"#;
        let mut buf = Vec::new();
        let mut w = NdjsonWriter::new(&mut buf);
        w.write(&conv(raw)).unwrap();
        w.finish().unwrap();
        let line: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(
            line,
            serde_json::from_str::<serde_json::Value>(raw).unwrap()
        );
        assert!(buf.ends_with(b"\n"));
    }

    #[test]
    fn csv_has_a_row_per_attribute_and_one_for_bare_participants() {
        let c = conv(
            r#"{"conversationId":"c1","participants":[
              {"participantId":"p1","purpose":"customer","participantName":"Zoë, \"the\" visitor","attributes":{"b":"2","a":"line1\nline2"}},
              {"participantId":"p2","purpose":"agent"}]}"#,
        );
        let mut buf = Vec::new();
        {
            let mut w = CsvWriter::new(&mut buf).unwrap();
            w.write(&c).unwrap();
            w.write(&conv(r#"{"conversationId":"c2"}"#)).unwrap();
            w.finish().unwrap();
        }
        let mut r = csv::Reader::from_reader(&buf[..]);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(&rows[0][8], "Zoë, \"the\" visitor");
        assert_eq!((&rows[0][11], &rows[0][12]), ("a", "line1\nline2"));
        assert_eq!((&rows[1][11], &rows[1][12]), ("b", "2"));
        assert_eq!((&rows[2][7], &rows[2][11]), ("agent", ""));
        assert_eq!(&rows[3][0], "c2");
    }
}
