//! The `file` source: NDJSON, resumed from the stored position, optionally followed.
//!
//! Positions are byte offsets. The position's topic is `ABSOLUTE_PATH#INODE` and its partition a
//! generation that grows when the file is truncated in place, so neither a rotated-in file
//! (new inode) nor a truncated one (same inode, smaller) is read from a stale offset, and
//! their records never share a dead-letter identity with the old content.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fieldkit_events::SourcePosition;
use fieldkit_store::InputPosition;

use super::lines::{Line, LineReader, is_blank};
use super::now_ms;
use crate::counters::add;
use crate::outputs::Outputs;
use crate::record::{Ack, Item, Origin, Record, Tracker};
use crate::runtime::{RunError, Shutdown};

pub(crate) struct FileSource {
    pub name: Arc<str>,
    pub path: PathBuf,
    pub follow: bool,
    pub poll: Duration,
    pub max: usize,
    pub tracker: Arc<Tracker>,
    /// Positions stored for this source.
    pub stored: Vec<InputPosition>,
    pub out: Outputs,
    pub shutdown: Shutdown,
}

struct Open {
    reader: BufReader<File>,
    ino: u64,
    topic: String,
    generation: i32,
    offset: i64,
}

impl FileSource {
    fn err(&self, e: std::io::Error) -> RunError {
        RunError::Source { source_name: self.name.to_string(), detail: format!("{}: {e}", self.path.display()) }
    }

    fn open(&self, fresh: bool) -> Result<Option<Open>, RunError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            // Following a file that does not exist yet (or is mid-rotation) is waiting, not failing.
            Err(e) if self.follow && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.err(e)),
        };
        let meta = file.metadata().map_err(|e| self.err(e))?;
        // Absolute, so `./x.ndjson` and `x.ndjson` name the same positions (no symlink
        // resolution: a link to a rotating target is the operator's stable name for it).
        let path = std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone());
        let topic = format!("{}#{}", path.display(), meta.ino());
        let (mut generation, mut offset) = if fresh {
            (0, 0)
        } else {
            self.stored
                .iter()
                .filter(|p| p.topic == topic)
                .max_by_key(|p| p.partition)
                .map_or((0, 0), |p| (p.partition, p.next_offset))
        };
        if offset as u64 > meta.len() {
            // Truncated (or the inode was reused) while we were away: a new generation.
            generation += 1;
            offset = 0;
        }
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        reader.seek(SeekFrom::Start(offset as u64)).map_err(|e| self.err(e))?;
        Ok(Some(Open { reader, ino: meta.ino(), topic, generation, offset }))
    }

    pub fn run(self) -> Result<(), RunError> {
        let mut cur = None;
        let mut lines = LineReader::default();
        let mut fresh = false;
        let mut replaced_seen = false;
        loop {
            if self.shutdown.is_triggered() {
                return Ok(());
            }
            let Some(f) = cur.as_mut() else {
                cur = self.open(fresh)?;
                if cur.is_none() {
                    std::thread::sleep(self.poll);
                }
                continue;
            };
            let line = lines.next(&mut f.reader, self.max, !self.follow).map_err(|e| self.err(e))?;
            let (item_bytes, len, too_long) = match line {
                Line::Full { bytes, len } => (bytes, len, false),
                Line::TooLong { head, len } => (head, len, true),
                Line::Eof if !self.follow => return Ok(()),
                Line::Eof => {
                    match self.rotated(f) {
                        Rotation::Same => std::thread::sleep(self.poll),
                        Rotation::Truncated => {
                            f.generation += 1;
                            f.offset = 0;
                            f.reader.seek(SeekFrom::Start(0)).map_err(|e| self.err(e))?;
                            lines.reset();
                        }
                        Rotation::Replaced if !replaced_seen => {
                            // A writer may still be finishing the renamed file: give it one
                            // poll interval, and read the old file to its end once more.
                            replaced_seen = true;
                            std::thread::sleep(self.poll);
                        }
                        Rotation::Replaced => {
                            // The old file is read to its end; the new one is read whole.
                            cur = None;
                            fresh = true;
                            replaced_seen = false;
                            lines.reset();
                        }
                    }
                    continue;
                }
            };
            let start = f.offset;
            f.offset += len as i64;
            if !too_long && is_blank(&item_bytes) {
                continue;
            }
            let idx = self
                .tracker
                .deliver(&f.topic, f.generation, start, start, f.offset)
                .map_err(|e| RunError::Source { source_name: self.name.to_string(), detail: e.to_string() })?;
            let position = SourcePosition { topic: f.topic.clone(), partition: f.generation, offset: start };
            let origin = Arc::new(Origin {
                source: self.name.clone(),
                position: Some(position),
                received_ms: now_ms(),
                headers: Vec::new(),
            });
            let ack = Ack::new(Some(self.tracker.clone()), idx, start);
            let mut record = Record { origin, item: Item::Raw(Vec::new()), ack };
            record.item = if too_long {
                let reason = format!(
                    "record is {len} bytes, over the limit of {} bytes (first {} bytes kept)",
                    self.max,
                    item_bytes.len()
                );
                record.dead(item_bytes, "too_large", reason)
            } else {
                Item::Raw(item_bytes)
            };
            add(&self.out.live.consumed, 1);
            if self.out.send_blocking(record).is_err() {
                return Ok(());
            }
        }
    }

    fn rotated(&self, f: &Open) -> Rotation {
        match std::fs::metadata(&self.path) {
            Ok(m) if m.ino() != f.ino => Rotation::Replaced,
            Ok(m) if m.len() < f.offset as u64 => Rotation::Truncated,
            Ok(_) => Rotation::Same,
            // Moved away and not yet recreated: keep the old handle and wait.
            Err(_) => Rotation::Same,
        }
    }
}

enum Rotation {
    Same,
    Truncated,
    Replaced,
}
