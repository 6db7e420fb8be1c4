//! The export's writers: one conversation at a time, as NDJSON or CSV, whole records only.
//!
//! What they write is safe to open: NDJSON escapes (in JSON's own `\u` form, so the value is the
//! same) the characters the screen escapes; CSV cells carry them as the screen's visible escapes,
//! and a cell that a spreadsheet would run as a formula starts with `'`. Records reach the output
//! whole, and [`ConversationWriter::delivered`] counts those that did, not those in a buffer.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, Write};

use serde::Serialize;

use crate::facts::Facts;
use crate::genesys::directory::{Kind, Names};
use crate::genesys::model::AnalyticsConversation;
use crate::tui::sanitize;

use super::Format;

/// Writes conversations one at a time, in the chosen format. Shared with the screen's export.
pub trait ConversationWriter {
    fn write(&mut self, c: &AnalyticsConversation) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
    /// Whether it writes names of users, queues and wrap-up codes (then the export asks the
    /// directory for each page's ids before writing it, and hands them over by
    /// [`learn_names`](Self::learn_names)).
    fn wants_names(&self) -> bool {
        false
    }
    fn learn_names(&mut self, _names: Names) {}
    /// What reached the output whole so far; `None` for a writer that does not count.
    fn delivered(&self) -> Option<Delivered> {
        None
    }
}

/// What reached the output: whole records, not bytes sitting in a buffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Conversations whose records reached the output whole.
    pub conversations: u64,
    /// The bytes of the whole records (a header included): where a cut record would begin.
    pub bytes: u64,
    /// The output refused more because its reader went away (a closed pipe).
    pub closed: bool,
}

/// Bytes gathered before they go to the output at once.
const CHUNK: usize = 64 * 1024;

/// Buffers whole records and writes them out in chunks, counting what the output accepted.
/// Unlike a `BufWriter` it knows, after a failed write, which records got through whole.
pub struct RecordSink<W: Write> {
    out: W,
    buf: Vec<u8>,
    /// For each record in `buf`: where it ends, and how many conversations it holds.
    pending: VecDeque<(usize, u64)>,
    delivered: Delivered,
    /// The first write error: the sink writes nothing after it.
    failed: Option<io::ErrorKind>,
}

impl<W: Write> RecordSink<W> {
    pub fn new(out: W) -> Self {
        RecordSink {
            out,
            buf: Vec::with_capacity(CHUNK + 4096),
            pending: VecDeque::new(),
            delivered: Delivered::default(),
            failed: None,
        }
    }

    /// Adds one record (`bytes`, whole) holding `conversations` conversations.
    pub fn record(&mut self, bytes: &[u8], conversations: u64) -> io::Result<()> {
        if let Some(kind) = self.failed {
            return Err(io::Error::new(kind, "the output failed before"));
        }
        self.buf.extend_from_slice(bytes);
        self.pending.push_back((self.buf.len(), conversations));
        if self.buf.len() >= CHUNK {
            self.drain()?;
        }
        Ok(())
    }

    /// Writes out what is buffered and flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        if let Some(kind) = self.failed {
            return Err(io::Error::new(kind, "the output failed before"));
        }
        self.drain()?;
        self.out.flush().inspect_err(|e| self.fail(e))
    }

    pub fn delivered(&self) -> Delivered {
        self.delivered
    }

    fn fail(&mut self, e: &io::Error) {
        self.failed = Some(e.kind());
        self.delivered.closed = e.kind() == io::ErrorKind::BrokenPipe;
    }

    fn drain(&mut self) -> io::Result<()> {
        let mut off = 0;
        let mut result = Ok(());
        while off < self.buf.len() {
            match self.out.write(&self.buf[off..]) {
                Ok(0) => {
                    result = Err(io::Error::from(io::ErrorKind::WriteZero));
                    break;
                }
                Ok(n) => {
                    off += n;
                    let mut last = 0;
                    while let Some(&(end, convs)) = self.pending.front().filter(|p| p.0 <= off) {
                        self.delivered.conversations += convs;
                        self.delivered.bytes += (end - last) as u64;
                        last = end;
                        self.pending.pop_front();
                    }
                    // Ends are relative to the buffer: shift what is left by what got out.
                    if last > 0 {
                        self.buf.drain(..last);
                        off -= last;
                        for p in &mut self.pending {
                            p.0 -= last;
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        match result {
            Ok(()) => {
                self.buf.clear();
                Ok(())
            }
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }
}

/// serde_json's output, with the characters the screen escapes written as `\uXXXX` too (C1,
/// DEL, BiDi controls, invisible characters): still valid JSON, and the same value.
struct Escaping;

impl serde_json::ser::Formatter for Escaping {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !sanitize::has_unsafe(fragment) {
            return w.write_all(fragment.as_bytes());
        }
        let mut out = String::with_capacity(fragment.len() + 16);
        sanitize::scan(fragment, |c, escape| {
            if escape {
                sanitize::push_json_escape(&mut out, c);
            } else {
                out.push(c);
            }
        });
        w.write_all(out.as_bytes())
    }

    /// JSON kept as the API sent it passes through the same escaping.
    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        w.write_all(sanitize::escape_json_text(fragment).as_bytes())
    }
}

/// One conversation a line, the object as the API returned it (plus attributes when asked).
pub struct NdjsonWriter<W: Write> {
    sink: RecordSink<W>,
    line: Vec<u8>,
}

impl<W: Write> NdjsonWriter<W> {
    pub fn new(out: W) -> Self {
        NdjsonWriter {
            sink: RecordSink::new(out),
            line: Vec::with_capacity(4096),
        }
    }
}

/// `c` as one NDJSON line, escaped.
pub fn ndjson_line(c: &AnalyticsConversation, line: &mut Vec<u8>) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *line, Escaping);
    c.serialize(&mut ser).map_err(io::Error::other)?;
    line.push(b'\n');
    Ok(())
}

impl<W: Write> ConversationWriter for NdjsonWriter<W> {
    fn write(&mut self, c: &AnalyticsConversation) -> io::Result<()> {
        self.line.clear();
        ndjson_line(c, &mut self.line)?;
        self.sink.record(&self.line, 1)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.sink.flush()
    }

    fn delivered(&self) -> Option<Delivered> {
        Some(self.sink.delivered())
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

/// A CSV cell as written: control and invisible characters as the screen's visible escapes, and
/// a `'` before a value a spreadsheet would take as a formula (one starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return: OWASP's advice against CSV injection).
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    match (formula, sanitize::has_unsafe(s)) {
        (false, false) => Cow::Borrowed(s),
        (false, true) => Cow::Owned(sanitize::sanitize(s)),
        (true, _) => Cow::Owned(format!("'{}", sanitize::sanitize(s))),
    }
}

/// One row per (conversation, participant, attribute); a conversation or participant without
/// attributes still gets one row, with the attribute columns empty.
pub struct CsvWriter<W: Write> {
    sink: RecordSink<W>,
    rows: Vec<u8>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W, bom: bool) -> io::Result<Self> {
        let mut w = CsvWriter {
            sink: RecordSink::new(out),
            rows: Vec::with_capacity(4096),
        };
        let mut csv = w.csv();
        csv.write_record(CSV_HEADER).map_err(io::Error::other)?;
        let mut first = if bom { BOM.to_vec() } else { Vec::new() };
        first.extend(into_rows(csv)?);
        w.sink.record(&first, 0)?;
        Ok(w)
    }

    /// A CSV writer into the (emptied) row buffer: a conversation's rows become one record.
    fn csv(&mut self) -> csv::Writer<Vec<u8>> {
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        csv::WriterBuilder::new()
            .buffer_capacity(4096)
            .from_writer(rows)
    }
}

fn into_rows(csv: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    csv.into_inner()
        .map_err(|e| io::Error::other(e.error().to_string()))
}

impl<W: Write> ConversationWriter for CsvWriter<W> {
    fn write(&mut self, c: &AnalyticsConversation) -> io::Result<()> {
        let mut out = self.csv();
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
        let mut row = |p: &[String; 5], k: &str, v: &str| {
            let cells = conv
                .iter()
                .chain(p.iter())
                .map(String::as_str)
                .chain([k, v]);
            for cell in cells {
                out.write_field(csv_cell(cell).as_bytes())
                    .map_err(io::Error::other)?;
            }
            out.write_record(std::iter::empty::<&[u8]>())
                .map_err(io::Error::other)
        };
        if c.participants.is_empty() {
            row(&Default::default(), "", "")?;
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
                None => row(&cols, "", "")?,
                Some(attrs) => {
                    for (k, v) in attrs {
                        row(&cols, k, v)?;
                    }
                }
            }
        }
        self.rows = into_rows(out)?;
        self.sink.record(&self.rows, 1)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.sink.flush()
    }

    fn delivered(&self) -> Option<Delivered> {
        Some(self.sink.delivered())
    }
}

/// What the CSV formats write besides the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// Attribute keys written as columns of the per-conversation CSV (`--attr`).
    pub attrs: Vec<String>,
    /// Start with a UTF-8 byte-order mark, so that Excel reads the text as UTF-8 (`--bom`).
    pub bom: bool,
}

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A writer for the format.
pub fn writer_for<'a, W: Write + 'a>(
    format: Format,
    out: W,
    csv: &CsvOptions,
) -> io::Result<Box<dyn ConversationWriter + 'a>> {
    Ok(match format {
        Format::Ndjson => Box::new(NdjsonWriter::new(out)),
        Format::Csv => Box::new(ConversationCsvWriter::new(out, csv)?),
        Format::CsvAttributes => Box::new(CsvWriter::new(out, csv.bom)?),
    })
}

/// The per-conversation CSV's columns, before the `--attr` ones.
pub const CONVERSATION_HEADER: [&str; 13] = [
    "conversationId",
    "start",
    "end",
    "durationSeconds",
    "direction",
    "media",
    "queue",
    "wrapUp",
    "agents",
    "customer",
    "customerAddress",
    "ourAddress",
    "divisions",
];

/// One row per conversation, with the columns of the screen: queues, wrap-up codes and agents by
/// name (the names the export read from the directories; the short id when a name cannot be
/// read), the customer (name, else address), then one column per `--attr` key (the first
/// participant that has it: the customer's first).
pub struct ConversationCsvWriter<W: Write> {
    sink: RecordSink<W>,
    rows: Vec<u8>,
    attrs: Vec<String>,
    names: Names,
}

impl<W: Write> ConversationCsvWriter<W> {
    pub fn new(out: W, opts: &CsvOptions) -> io::Result<Self> {
        let mut w = ConversationCsvWriter {
            sink: RecordSink::new(out),
            rows: Vec::with_capacity(4096),
            attrs: opts.attrs.clone(),
            names: Names::default(),
        };
        let mut csv = csv_into(std::mem::take(&mut w.rows));
        let header = CONVERSATION_HEADER
            .iter()
            .map(|h| h.to_string())
            .chain(w.attrs.iter().map(|k| format!("attr:{k}")));
        for h in header {
            csv.write_field(csv_cell(&h).as_bytes())
                .map_err(io::Error::other)?;
        }
        csv.write_record(std::iter::empty::<&[u8]>())
            .map_err(io::Error::other)?;
        let mut first = if opts.bom { BOM.to_vec() } else { Vec::new() };
        first.extend(into_rows(csv)?);
        w.sink.record(&first, 0)?;
        Ok(w)
    }
}

fn csv_into(mut rows: Vec<u8>) -> csv::Writer<Vec<u8>> {
    rows.clear();
    csv::WriterBuilder::new()
        .buffer_capacity(4096)
        .from_writer(rows)
}

impl<W: Write> ConversationCsvWriter<W> {
    /// Writes `c`'s row from its `facts` (read from the record by [`Facts::of`], or kept by the
    /// screen's rows, which keep no segments).
    pub fn write_facts(&mut self, c: &AnalyticsConversation, f: &Facts) -> io::Result<()> {
        let (media, message) = c.media();
        let s = |o: Option<&str>| o.unwrap_or("").to_string();
        let duration = match (c.start(), c.end()) {
            (Some(a), Some(b)) => (b - a).num_seconds().max(0).to_string(),
            _ => String::new(),
        };
        let direction = c
            .originating_direction
            .clone()
            .or_else(|| {
                c.participants
                    .iter()
                    .flat_map(|p| &p.sessions)
                    .find_map(|s| s.direction.clone())
            })
            .unwrap_or_default();
        let divisions: Vec<&str> = f
            .divisions
            .iter()
            .map(|d| self.names.shown(Kind::Division, d))
            .collect();
        let mut cells = vec![
            c.conversation_id.clone(),
            s(c.conversation_start.as_deref()),
            s(c.conversation_end.as_deref()),
            duration,
            direction,
            match (media, message) {
                (Some(m), Some(t)) => format!("{m}/{t}"),
                (m, _) => s(m),
            },
            f.shown(Kind::Queue, &f.queues, &self.names),
            f.shown(Kind::Wrapup, &f.wrapups, &self.names),
            f.agents(&self.names).join(", "),
            f.customer(),
            s(f.customer_address.as_deref()),
            s(f.our_address.as_deref()),
            divisions.join(", "),
        ];
        // The customer's attributes first: a key on several participants is the customer's.
        let mut order: Vec<&crate::genesys::model::AnalyticsParticipant> =
            c.participants.iter().collect();
        order.sort_by_key(|p| !matches!(p.purpose.as_deref(), Some("customer") | Some("external")));
        for k in &self.attrs {
            cells.push(
                order
                    .iter()
                    .find_map(|p| p.attributes.as_ref()?.get(k).cloned())
                    .unwrap_or_default(),
            );
        }
        let mut out = csv_into(std::mem::take(&mut self.rows));
        for cell in &cells {
            out.write_field(csv_cell(cell).as_bytes())
                .map_err(io::Error::other)?;
        }
        out.write_record(std::iter::empty::<&[u8]>())
            .map_err(io::Error::other)?;
        self.rows = into_rows(out)?;
        self.sink.record(&self.rows, 1)
    }
}

impl<W: Write> ConversationWriter for ConversationCsvWriter<W> {
    fn write(&mut self, c: &AnalyticsConversation) -> io::Result<()> {
        self.write_facts(c, &Facts::of(c))
    }

    fn finish(&mut self) -> io::Result<()> {
        self.sink.flush()
    }

    fn delivered(&self) -> Option<Delivered> {
        Some(self.sink.delivered())
    }

    fn wants_names(&self) -> bool {
        true
    }

    fn learn_names(&mut self, names: Names) {
        self.names.merge(names);
    }
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
            let mut w = CsvWriter::new(&mut buf, false).unwrap();
            w.write(&c).unwrap();
            w.write(&conv(r#"{"conversationId":"c2"}"#)).unwrap();
            w.finish().unwrap();
        }
        let mut r = csv::Reader::from_reader(&buf[..]);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(&rows[0][8], "Zoë, \"the\" visitor");
        // A line break is carried as the screen shows it: a CSV row stays one line.
        assert_eq!((&rows[0][11], &rows[0][12]), ("a", "line1\\nline2"));
        assert_eq!((&rows[1][11], &rows[1][12]), ("b", "2"));
        assert_eq!((&rows[2][7], &rows[2][11]), ("agent", ""));
        assert_eq!(&rows[3][0], "c2");
    }

    /// Accepts `room` bytes, then fails as `kind` (a full disk, a closed pipe).
    struct Fails {
        got: Vec<u8>,
        room: usize,
        kind: io::ErrorKind,
    }

    impl Write for Fails {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let n = b.len().min(self.room - self.got.len());
            if n == 0 {
                return Err(io::Error::from(self.kind));
            }
            self.got.extend_from_slice(&b[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn many(n: usize) -> Vec<AnalyticsConversation> {
        (0..n)
            .map(|i| conv(&format!(r#"{{"conversationId":"c{i:05}","participants":[{{"participantId":"p","purpose":"customer","attributes":{{"k":"{}"}}}}]}}"#, "v".repeat(i % 300))))
            .collect()
    }

    #[test]
    fn delivered_counts_whole_records_that_reached_the_output() {
        for (format, kind) in [
            (Format::Ndjson, io::ErrorKind::BrokenPipe),
            (Format::CsvAttributes, io::ErrorKind::StorageFull),
        ] {
            let mut out = Fails {
                got: Vec::new(),
                room: 100_000,
                kind,
            };
            let convs = many(2000);
            let (delivered, err) = {
                let mut w = writer_for(format, &mut out, &CsvOptions::default()).unwrap();
                let err = convs
                    .iter()
                    .try_for_each(|c| w.write(c))
                    .and_then(|()| w.finish())
                    .unwrap_err();
                (w.delivered().unwrap(), err)
            };
            assert_eq!(err.kind(), kind);
            // What the output holds: whole lines up to the count, then part of one.
            let text = String::from_utf8(out.got).unwrap();
            let whole = &text[..delivered.bytes as usize];
            let records = if format == Format::CsvAttributes {
                whole.lines().count() as u64 - 1
            } else {
                whole.lines().count() as u64
            };
            assert!(delivered.conversations > 100, "{delivered:?}");
            assert_eq!(records, delivered.conversations, "{format:?}");
            assert!(whole.ends_with('\n'));
            assert!(text.len() > whole.len(), "a record was cut by the failure");
            assert_eq!(delivered.closed, kind == io::ErrorKind::BrokenPipe);
        }
    }

    #[test]
    fn nothing_counts_when_nothing_reached_the_output() {
        let mut out = Fails {
            got: Vec::new(),
            room: 0,
            kind: io::ErrorKind::StorageFull,
        };
        let mut w = NdjsonWriter::new(&mut out);
        // Buffered: no error yet, and nothing delivered.
        for c in many(10) {
            w.write(&c).unwrap();
        }
        assert_eq!(w.delivered().unwrap().conversations, 0);
        assert!(w.finish().is_err());
        assert_eq!(w.delivered().unwrap(), Delivered::default());
        // A failed output stays failed.
        assert!(w.write(&many(1)[0]).is_err());
    }

    #[test]
    fn everything_counts_once_finished() {
        let mut buf = Vec::new();
        let mut w = CsvWriter::new(&mut buf, false).unwrap();
        for c in many(500) {
            w.write(&c).unwrap();
        }
        w.finish().unwrap();
        let d = w.delivered().unwrap();
        assert_eq!(d.conversations, 500);
        assert_eq!(d.bytes as usize, buf.len());
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_start_with_a_quote() {
        for (raw, cell) in [
            (
                "=HYPERLINK(\"http://evil\",\"click\")",
                "'=HYPERLINK(\"http://evil\",\"click\")",
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\\t=1"),
            ("\r=1", "'\\r=1"),
            ("a=1", "a=1"),
            (" =1", " =1"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(raw), cell, "{raw:?}");
        }
        let c = conv(
            r#"{"conversationId":"c1","participants":[{"participantId":"p1","purpose":"customer","participantName":"=cmd","attributes":{"@k":"=1+1"}}]}"#,
        );
        let mut buf = Vec::new();
        {
            let mut w = CsvWriter::new(&mut buf, false).unwrap();
            w.write(&c).unwrap();
            w.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(row.ends_with(",'=cmd,,,'@k,'=1+1"), "{row}");
    }

    #[test]
    fn csv_carries_control_characters_as_visible_escapes() {
        let c = conv(
            r#"{"conversationId":"c1","participants":[{"participantId":"p1","purpose":"customer","participantName":"\u001b]0;title\u0007Zo\u00eb","attributes":{"k\u202e":"a\u001b[2J\u009b31m\r\nb\u200b\udb40\udc41"}}]}"#,
        );
        let mut buf = Vec::new();
        {
            let mut w = CsvWriter::new(&mut buf, false).unwrap();
            w.write(&c).unwrap();
            w.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        assert!(
            !crate::tui::sanitize::has_unsafe(&text.replace("\n", "")),
            "{text:?}"
        );
        assert_eq!(text.lines().count(), 2);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[8], "\\e]0;title\\x07Zoë");
        assert_eq!(&row[11], "k\\u{202e}");
        assert_eq!(&row[12], "a\\e[2J\\x9b31m\\r\\nb\\u{200b}\\u{e0041}");
    }

    #[test]
    fn ndjson_escapes_what_the_screen_escapes_and_keeps_the_value() {
        let raw = r#"{"conversationId":"c1","participants":[{"participantId":"p1","purpose":"customer","participantName":"\u001b[2J\u009b31m\u007f","attributes":{"k\u202e":"x\u2066y\u200bz\udb40\udc41\u3164","ok":"❤\ufe0f 日本 é"}}]}"#;
        let mut buf = Vec::new();
        {
            let mut w = NdjsonWriter::new(&mut buf);
            w.write(&conv(raw)).unwrap();
            w.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        // No raw control, BiDi or invisible character: only JSON escapes.
        assert!(!crate::tui::sanitize::has_unsafe(text.trim_end()), "{text}");
        for esc in [
            "\\u001b",
            "\\u009b",
            "\\u007f",
            "\\u202e",
            "\\u2066",
            "\\u200b",
            "\\udb40\\udc41",
            "\\u3164",
        ] {
            assert!(text.contains(esc), "{esc} in {text}");
        }
        assert!(text.contains("❤\u{fe0f} 日本 é"), "{text}");
        let got: serde_json::Value = serde_json::from_str(&text).unwrap();
        let want: serde_json::Value = serde_json::from_str(raw).unwrap();
        assert_eq!(got, want, "the same value");
    }

    #[test]
    fn the_conversation_csv_escapes_formulas_and_controls_and_names_by_id_when_it_must() {
        let raw = r#"{"conversationId":"c1","conversationStart":"2026-11-24T08:00:00.000Z","conversationEnd":"2026-11-24T08:01:30.000Z","originatingDirection":"inbound","participants":[{"participantId":"p1","purpose":"customer","participantName":"=HYPERLINK(\"x\")","attributes":{"k":"v\u001b[31m"},"sessions":[{"mediaType":"voice","direction":"inbound","ani":"tel:+4930","dnis":"tel:+1800"}]},{"participantId":"p2","purpose":"agent","userId":"0a1b2c3d-0000-4000-8000-000000000000","sessions":[{"mediaType":"voice","segments":[{"queueId":"q-1","wrapUpCode":"w-1"}]}]}]}"#;
        let mut buf = Vec::new();
        {
            let opts = CsvOptions {
                attrs: vec!["k".into(), "missing".into()],
                bom: true,
            };
            let mut w = ConversationCsvWriter::new(&mut buf, &opts).unwrap();
            let mut names = Names::default();
            names.insert(Kind::Queue, "q-1".into(), Some("Support".into()));
            w.learn_names(names);
            w.write(&conv(raw)).unwrap();
            w.finish().unwrap();
        }
        assert!(buf.starts_with(BOM));
        let mut r = csv::Reader::from_reader(&buf[BOM.len()..]);
        let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let row = r.records().next().unwrap().unwrap();
        let get = |n: &str| row[h.iter().position(|x| x == n).unwrap()].to_string();
        assert_eq!(get("durationSeconds"), "90");
        assert_eq!(get("queue"), "Support");
        // Unnamed: the short id, never blank.
        assert_eq!(get("wrapUp"), "w-1");
        assert_eq!(get("agents"), "0a1b2c3d");
        assert!(
            get("customer").starts_with("'=HYPERLINK"),
            "{}",
            get("customer")
        );
        // A leading `+` is a formula to a spreadsheet: quoted like any other.
        assert_eq!(get("customerAddress"), "'+4930");
        assert_eq!(get("ourAddress"), "'+1800");
        assert_eq!(get("attr:k"), "v\\e[31m");
        assert_eq!(get("attr:missing"), "");
    }
}
