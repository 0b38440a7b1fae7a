//! The 32-byte pseudonymisation key and its hex key file.

use std::fmt;
use std::io::Write;
use std::path::Path;

use crate::RedactError;

/// A 32-byte secret key. Equal keys give equal pseudonyms; keep it private (whoever has it can
/// test guesses of originals against tokens).
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; 32]);

impl Key {
    /// Wraps raw key bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Key(bytes)
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, RedactError> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| RedactError::Random(e.to_string()))?;
        Ok(Key(b))
    }

    /// Parses 64 hex digits (surrounding whitespace allowed).
    pub fn from_hex(text: &str) -> Result<Self, RedactError> {
        let t = text.trim().as_bytes();
        if t.len() != 64 {
            return Err(RedactError::KeyText);
        }
        let mut b = [0u8; 32];
        for (i, pair) in t.chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]).ok_or(RedactError::KeyText)?;
            let lo = hex_val(pair[1]).ok_or(RedactError::KeyText)?;
            b[i] = (hi << 4) | lo;
        }
        Ok(Key(b))
    }

    /// The key as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<hidden>)")
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Reads the key file at `path`, or creates it (parent directories too) with 32 random bytes written
/// as 64 hex digits and a newline, readable only by its owner (mode 0600 on Unix).
///
/// Creation uses `create_new`, so two processes racing to create the same key file end up
/// sharing the winner's key.
pub fn load_or_create_key(path: &Path) -> Result<Key, RedactError> {
    let io = |source| RedactError::KeyIo { path: path.to_path_buf(), source };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            return Key::from_hex(&text).map_err(|_| RedactError::KeyFormat { path: path.to_path_buf() });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let key = Key::generate()?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(mut f) => {
            let mut text = key.to_hex();
            text.push('\n');
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            Ok(key)
        }
        // Someone else created it between our read and our create: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(io)?;
            Key::from_hex(&text).map_err(|_| RedactError::KeyFormat { path: path.to_path_buf() })
        }
        Err(e) => Err(io(e)),
    }
}
