//! Typed errors of the redaction library.

use std::path::PathBuf;

/// Everything that can go wrong while setting up a [`crate::Redactor`] or handling key and map files.
///
/// Redacting text itself never fails: any input bytes are accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedactError {
    /// The key file could not be read, created or written.
    #[error("key file {path}: {source}")]
    KeyIo {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The key file exists but does not hold exactly 64 hex digits.
    #[error("key file {path} must hold exactly 64 hex digits (a 32-byte key)")]
    KeyFormat {
        /// The key file.
        path: PathBuf,
    },
    /// A key given as text is not 64 hex digits.
    #[error("a key must be exactly 64 hex digits (a 32-byte key)")]
    KeyText,
    /// The operating system could not provide random bytes for a new key.
    #[error("cannot get random bytes for a new key: {0}")]
    Random(String),
    /// A user-supplied regex does not compile.
    #[error("invalid redaction regex {pattern:?}: {source}")]
    Regex {
        /// The pattern as given.
        pattern: String,
        /// The compile error.
        #[source]
        source: Box<regex::Error>,
    },
    /// The keyword automaton could not be built (e.g. too many keywords).
    #[error("cannot build the keyword matcher: {0}")]
    Keywords(#[from] aho_corasick::BuildError),
    /// An empty keyword was given.
    #[error("redaction keywords must not be empty")]
    EmptyKeyword,
    /// An unknown kind name was given to [`crate::Kinds::set`].
    #[error("unknown redaction kind {0:?} (known: {known})", known = crate::Kinds::NAMES.join(", "))]
    UnknownKind(String),
    /// The HMAC could not be keyed (never happens with HMAC-SHA256).
    #[error("cannot key HMAC-SHA256")]
    Hmac,
    /// The map file could not be read or written.
    #[error("map file {path}: {source}")]
    MapIo {
        /// The map file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The map file is not a valid fieldkit redaction map.
    #[error("map file {path} is not a valid redaction map: {source}")]
    MapFormat {
        /// The map file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The map file has an unknown format marker or version.
    #[error("map file {path} has format {found:?}, expected {expected:?}")]
    MapVersion {
        /// The map file.
        path: PathBuf,
        /// What the file says.
        found: String,
        /// What this version writes.
        expected: &'static str,
    },
    /// The same token stands for two different originals (maps made with different keys merged,
    /// or a hash collision); reversing that token would be ambiguous.
    #[error("map conflict: token {token:?} stands for both {existing:?} and {new:?}")]
    MapConflict {
        /// The token.
        token: String,
        /// The original already in the map.
        existing: String,
        /// The other original.
        new: String,
    },
}
