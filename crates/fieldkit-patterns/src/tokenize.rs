//! Turning one raw message into a sequence of masked words.
//!
//! A message is split on whitespace into words; each word is split at delimiters (`=`, `:`,
//! brackets, quotes, ...) into pieces, and each piece is either kept or masked as a variable
//! (see [`crate::mask`]). Three rewrites then make equal templates produce equal token
//! sequences even when their variables vary in shape:
//!
//! - a unit right after a variable is absorbed into it (`18846 bytes` → `<*>`),
//! - a bracket pair holding only variables becomes one variable (`(18.4 KB)` → `<*>`),
//! - whitespace-separated runs of variables become one (`blk_1 blk_2 blk_3` → `<*>`), so a
//!   variable-length list does not change the word count.
//!
//! The pieces are reassembled into words (`uid=<*>`, `<*>`): words are the tokens the
//! clustering compares. Everything works on byte offsets into the message and one reusable
//! buffer, so normalising a message allocates nothing once the buffers have grown.

use crate::mask;

/// Text written for a variable.
pub const WILDCARD: &str = "<*>";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Const,
    Var,
}

#[derive(Clone, Copy, Debug)]
struct Piece {
    kind: Kind,
    start: u32,
    end: u32,
    /// Whitespace precedes this piece: it starts a new word.
    space: bool,
}

/// Reusable output of [`Tokenizer::normalize`]: the masked words of one message.
#[derive(Default, Debug)]
pub struct Tokenizer {
    pieces: Vec<Piece>,
    /// Second piece buffer for the rewrite pass (swapped with `pieces`).
    rewritten: Vec<Piece>,
    text: String,
    words: Vec<(u32, u32)>,
}

impl Tokenizer {
    /// Normalise `message` into at most `max_words` words (the rest, if any, becomes one
    /// trailing variable); a word longer than `max_word_bytes` is a variable (blobs, encoded
    /// payloads). Read the result with [`Tokenizer::text`] / [`Tokenizer::words`].
    pub fn normalize(&mut self, message: &str, max_words: usize, max_word_bytes: usize) {
        self.pieces.clear();
        self.text.clear();
        self.words.clear();
        // Offsets are u32; a longer message is cut (its tail would be one variable anyway).
        let message = truncate(message, u32::MAX as usize - 1);
        let bytes = message.as_bytes();
        let max_words = max_words.max(1);
        let mut words = 0usize;
        let mut i = 0;
        let n = bytes.len();
        // Words are split on ASCII whitespace; other Unicode spaces stay inside words.
        while i < n {
            while i < n && mask::CLASS[bytes[i] as usize] & mask::SPACE != 0 {
                i += 1;
            }
            if i == n {
                break;
            }
            let start = i;
            let mut bits = 0;
            while i < n {
                let c = mask::CLASS[bytes[i] as usize];
                if c & mask::SPACE != 0 {
                    break;
                }
                bits |= c;
                i += 1;
            }
            if words + 1 == max_words && bytes[i..].iter().any(|&b| mask::CLASS[b as usize] & mask::SPACE == 0) {
                // Everything from here on is one variable.
                self.push_var(start, n, true);
                break;
            }
            words += 1;
            if i - start > max_word_bytes {
                self.push_var(start, i, true);
            } else {
                self.split_word(bytes, start, i, bits);
            }
        }
        self.rewrite(bytes);
        self.assemble(message);
    }

    /// The last normalised message: its masked words joined by single spaces.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The masked words of the last normalised message.
    pub fn words(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.words.iter().map(|&(s, e)| &self.text[s as usize..e as usize])
    }

    fn push_var(&mut self, start: usize, end: usize, space: bool) {
        self.pieces.push(Piece { kind: Kind::Var, start: start as u32, end: end as u32, space });
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize, space: bool) {
        self.pieces.push(Piece { kind, start: start as u32, end: end as u32, space });
    }

    /// Split one whitespace-delimited word (`bytes[start..end]`) into pieces.
    /// `bits` are the OR of the word's byte classes.
    fn split_word(&mut self, bytes: &[u8], start: usize, end: usize, bits: u8) {
        let word = &bytes[start..end];
        if bits & (mask::DELIM | mask::DIGIT | mask::SLASH) == 0 {
            // Plain word: one piece, and only the calendar check can make it a variable.
            self.push_piece(bytes, start, end, true);
            return;
        }
        // An empty bracket pair on its own (`()`, `[]`) is an empty value: `connection from
        // 1.2.3.4 ()` and `connection from 1.2.3.4 (host.example)` are one template.
        if matches!(word, b"()" | b"[]" | b"{}" | b"<>" | b"\"\"" | b"''") {
            self.push_var(start, end, true);
            return;
        }
        let (cs, ce) = mask::core_bounds(word);
        if bits & (mask::DIGIT | mask::SLASH) != 0 && cs < ce && mask::core_is_variable(&word[cs..ce]) {
            let mut space = true;
            for i in 0..cs {
                self.push(Kind::Const, start + i, start + i + 1, space);
                space = false;
            }
            self.push_var(start + cs, start + ce, space);
            for i in ce..word.len() {
                self.push(Kind::Const, start + i, start + i + 1, false);
            }
            return;
        }
        let mut space = true;
        let mut piece_start = start;
        for i in start..end {
            // A run of dots is padding (`instruction......0`), not part of a name.
            let dots = bytes[i] == b'.' && (bytes.get(i + 1) == Some(&b'.') || (i > start && bytes[i - 1] == b'.'));
            if dots || mask::is_delimiter(bytes[i]) {
                if piece_start < i {
                    self.push_piece(bytes, piece_start, i, space);
                    space = false;
                }
                self.push(Kind::Const, i, i + 1, space);
                space = false;
                piece_start = i + 1;
            }
        }
        if piece_start < end {
            self.push_piece(bytes, piece_start, end, space);
        }
    }

    fn push_piece(&mut self, bytes: &[u8], start: usize, end: usize, space: bool) {
        let kind = if mask::piece_is_variable(&bytes[start..end]) { Kind::Var } else { Kind::Const };
        self.push(kind, start, end, space);
    }

    /// Apply the unit, bracket and run rewrites, from `pieces` into `rewritten`, then swap.
    fn rewrite(&mut self, bytes: &[u8]) {
        let text = |p: &Piece| &bytes[p.start as usize..p.end as usize];
        let out = &mut self.rewritten;
        out.clear();
        for p in self.pieces.iter().copied() {
            match p.kind {
                Kind::Const => {
                    let last = out.last().copied();
                    // Unit after a variable: absorbed.
                    if p.space && last.is_some_and(|l| l.kind == Kind::Var) && mask::is_unit(text(&p)) {
                        continue;
                    }
                    // Closing bracket whose bracket holds only variables: collapse.
                    if let Some(k) = matching_open(text(&p)).and_then(|o| bracket_of_vars(out, bytes, o)) {
                        let (space, start) = (out[k].space, out[k].start);
                        out.truncate(k);
                        push_var(out, start, p.end, space);
                        continue;
                    }
                    out.push(p);
                }
                Kind::Var => push_var(out, p.start, p.end, p.space),
            }
        }
        std::mem::swap(&mut self.pieces, &mut self.rewritten);
    }

    /// Reassemble pieces into words, writing masked text into `self.text`.
    fn assemble(&mut self, message: &str) {
        let mut word_start: Option<usize> = None;
        for p in &self.pieces {
            if p.space || word_start.is_none() {
                if let Some(s) = word_start {
                    self.words.push((s as u32, self.text.len() as u32));
                    // Words are joined by one space in `text`, so the whole normalised
                    // message is a lookup key of its own.
                    self.text.push(' ');
                }
                word_start = Some(self.text.len());
            }
            match p.kind {
                Kind::Var => self.text.push_str(WILDCARD),
                Kind::Const => self.text.push_str(&message[p.start as usize..p.end as usize]),
            }
        }
        if let Some(s) = word_start {
            self.words.push((s as u32, self.text.len() as u32));
        }
    }
}

/// Push a variable, merging it into a directly preceding variable separated only by
/// whitespace (a run of variables is one variable).
fn push_var(out: &mut Vec<Piece>, start: u32, end: u32, space: bool) {
    // Only when the previous word is the variable alone: `onExtend:<*> 0` keeps two words,
    // `1190 bytes (1.16 KB)` becomes one.
    if space
        && let Some(last) = out.last_mut()
        && last.kind == Kind::Var
        && last.space
    {
        last.end = end;
        return;
    }
    out.push(Piece { kind: Kind::Var, start, end, space });
}

/// The opening bracket matching a one-byte closing bracket piece.
fn matching_open(piece: &[u8]) -> Option<u8> {
    match piece {
        b")" => Some(b'('),
        b"]" => Some(b'['),
        b"}" => Some(b'{'),
        _ => None,
    }
}

/// If `out` ends with `open`, then only variables and separators (at least one variable),
/// return the index of `open`.
fn bracket_of_vars(out: &[Piece], bytes: &[u8], open: u8) -> Option<usize> {
    let mut saw_var = false;
    for (k, p) in out.iter().enumerate().rev() {
        let t = &bytes[p.start as usize..p.end as usize];
        match p.kind {
            Kind::Var => saw_var = true,
            Kind::Const if t == [open] => return saw_var.then_some(k),
            Kind::Const if t == b"," || t == b":" || t == b";" => {}
            Kind::Const => return None,
        }
    }
    None
}

/// Cut `s` to at most `max` bytes on a char boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut t = Tokenizer::default();
        t.normalize(s, 256, 256);
        t.words().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("   ", ""),
            ("hello world", "hello world"),
            ("uid=0 euid=0 tty=NODEVssh", "uid=<*> euid=<*> tty=NODEVssh"),
            (
                "Receiving block blk_-16089 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
                "Receiving block <*> src: <*> dest: <*>",
            ),
            (
                "proxy.cse.cuhk.edu.hk:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes received",
                "<*> close, <*> sent, <*> received",
            ),
            ("x close, 0 bytes sent, 451 bytes received", "x close, <*> sent, <*> received"),
            ("ALERT exited abnormally with [1]", "ALERT exited abnormally with <*>"),
            (
                "[instance: b562ef10-ba2d-48ae] VM Started (Lifecycle Event)",
                "[instance: <*>] VM Started (Lifecycle Event)",
            ),
            ("BLOCK* ask 10.0.0.1:50010 to delete blk_1 blk_2 blk_3", "BLOCK* ask <*> to delete <*>"),
            ("connection from 1.2.3.4 () at Sat Jul  9 12:59:44 2005", "connection from <*> at <*>"),
            ("session opened for user root by (uid=0)", "session opened for user root by (uid=<*>)"),
            ("Took 20.03 seconds to spawn", "Took <*> to spawn"),
            ("DHCPDISCOVER from 00:11:43:e3:ba:c3 via eth1", "DHCPDISCOVER from <*> via eth1"),
            ("onExtend:1514039352000 0 0 5", "onExtend:<*> <*>"),
            ("via interface alt0 and ssh2", "via interface alt0 and ssh2"),
            ("naïve ünïcödé 数字 ok", "naïve ünïcödé 数字 ok"),
            ("literal <*> stays", "literal <*> stays"),
            ("illegal instruction......0", "illegal instruction......<*>"),
            ("Calibrating delay loop... 4771.02 BogoMIPS", "Calibrating delay loop... <*> BogoMIPS"),
        ];
        for &(input, want) in cases {
            assert_eq!(norm(input), want, "input: {input:?}");
        }
    }

    #[test]
    fn word_limit_folds_the_tail() {
        let mut t = Tokenizer::default();
        t.normalize("a b c d e f", 3, 256);
        assert_eq!(t.words().collect::<Vec<_>>(), ["a", "b", "<*>"]);
    }

    #[test]
    fn long_words_are_variables() {
        let mut t = Tokenizer::default();
        let blob = "x".repeat(300);
        t.normalize(&format!("payload {blob} end"), 256, 256);
        assert_eq!(t.text(), "payload <*> end");
    }

    #[test]
    fn odd_input_does_not_panic() {
        let mut t = Tokenizer::default();
        for s in [
            "(((",
            ")))",
            "[]",
            "=",
            "\u{0}\u{ffff}",
            "é(",
            "(1 2 3",
            "1)",
            "\t\n",
            "é é é é é é é é é é é",
            "......",
            "a=b=c=d",
            "\u{a0}\u{2003}x\u{3000}",
            "𝕏𝕐 ℤ (1 KB)",
        ] {
            t.normalize(s, 8, 4);
            let _ = t.words().count();
        }
    }
}
