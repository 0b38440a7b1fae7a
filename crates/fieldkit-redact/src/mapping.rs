//! The reverse map: token -> (kind, original), saved as JSON next to a redacted bundle.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::RedactError;

/// What kind of value a token replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Kind {
    /// An IPv4 address (or `a.b.c.d/len` network).
    Ipv4,
    /// An IPv6 address (or network).
    Ipv6,
    /// A host name or FQDN.
    Host,
    /// A parent domain of a redacted host name (added so partial tokens reverse too).
    Domain,
    /// An e-mail address.
    Email,
    /// A MAC address.
    Mac,
    /// A user name or principal name.
    User,
    /// A distinguished-name attribute value other than a user or host (O, OU, L, ST, DC...).
    Dn,
    /// An identifier-like URL path segment.
    Urlpath,
    /// A password, token or other secret. Never stored in a [`Mapping`].
    Secret,
    /// A user-supplied keyword.
    Keyword,
    /// A match of a user-supplied regex.
    Regex,
    /// A whole value replaced by [`crate::Redactor::pseudonym`] (a node label, a tenant id).
    Value,
}

impl Kind {
    /// The lowercase name used in map files.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Host => "host",
            Kind::Domain => "domain",
            Kind::Email => "email",
            Kind::Mac => "mac",
            Kind::User => "user",
            Kind::Dn => "dn",
            Kind::Urlpath => "urlpath",
            Kind::Secret => "secret",
            Kind::Keyword => "keyword",
            Kind::Regex => "regex",
            Kind::Value => "value",
        }
    }
}

/// One reverse-map entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// What the original was.
    pub kind: Kind,
    /// The original text (lossy UTF-8 if the input was not UTF-8).
    pub original: String,
}

const FORMAT: &str = "fieldkit-redact-map/1";

#[derive(Serialize, Deserialize)]
struct MapFile {
    format: String,
    entries: BTreeMap<String, Entry>,
}

/// Token -> original. Secrets are never added.
///
/// Tokens are deterministic for a given key, so maps built by several [`crate::Redactor`]s with
/// the same key (e.g. one per thread) merge without conflicts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    entries: BTreeMap<String, Entry>,
    collisions: u64,
}

impl Mapping {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a map file.
    pub fn load(path: &Path) -> Result<Self, RedactError> {
        let text = std::fs::read(path).map_err(|source| RedactError::MapIo { path: path.to_path_buf(), source })?;
        let file: MapFile = serde_json::from_slice(&text)
            .map_err(|source| RedactError::MapFormat { path: path.to_path_buf(), source })?;
        if file.format != FORMAT {
            return Err(RedactError::MapVersion { path: path.to_path_buf(), found: file.format, expected: FORMAT });
        }
        Ok(Mapping { entries: file.entries, collisions: 0 })
    }

    /// Writes the map to `path`, first merging in the entries of the map already there (if any).
    /// The file is replaced atomically and is readable only by its owner (mode 0600 on Unix):
    /// it holds the originals.
    ///
    /// Fails with [`RedactError::MapConflict`] if a token in the file stands for a different
    /// original than in `self`; nothing is written then.
    pub fn save(&self, path: &Path) -> Result<(), RedactError> {
        let io = |source| RedactError::MapIo { path: path.to_path_buf(), source };
        let mut merged = match std::fs::metadata(path) {
            Ok(_) => Mapping::load(path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Mapping::new(),
            Err(e) => return Err(io(e)),
        };
        merged.merge(self)?;
        let file = MapFile { format: FORMAT.to_string(), entries: merged.entries };
        let mut json = serde_json::to_vec_pretty(&file)
            .map_err(|source| RedactError::MapFormat { path: path.to_path_buf(), source })?;
        json.push(b'\n');
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "map".to_string());
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let result = (|| {
            let mut f = opts.open(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(io)
    }

    /// Adds all entries of `other`. Fails (leaving `self` partly merged) if a token stands for
    /// different originals.
    pub fn merge(&mut self, other: &Mapping) -> Result<(), RedactError> {
        for (token, entry) in &other.entries {
            match self.entries.get(token) {
                Some(e) if !same_original(e, entry) => {
                    return Err(RedactError::MapConflict {
                        token: token.clone(),
                        existing: e.original.clone(),
                        new: entry.original.clone(),
                    });
                }
                Some(_) => {}
                None => {
                    self.entries.insert(token.clone(), entry.clone());
                }
            }
        }
        self.collisions += other.collisions;
        Ok(())
    }

    /// The entry for `token`. Host-like tokens are also found case-insensitively (an upper-case
    /// Kerberos realm is redacted to an upper-case token).
    pub fn reverse(&self, token: &str) -> Option<&Entry> {
        let t = token.trim();
        if let Some(e) = self.entries.get(t) {
            return Some(e);
        }
        let lower = t.to_ascii_lowercase();
        self.entries.get(&lower)
    }

    /// All entries, ordered by token.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many times a new original got a token that already stood for a different original
    /// (a hash collision; the first original keeps the token in the map). Expected to be 0.
    pub fn collisions(&self) -> u64 {
        self.collisions
    }

    pub(crate) fn insert(&mut self, token: &str, kind: Kind, original: &[u8]) {
        debug_assert!(kind != Kind::Secret);
        if kind == Kind::Secret {
            return;
        }
        let original = String::from_utf8_lossy(original);
        match self.entries.get(token) {
            Some(e) => {
                if !e.original.eq_ignore_ascii_case(&original) && !equivalent_spelling(e, &original) {
                    self.collisions += 1;
                }
            }
            None => {
                self.entries.insert(token.to_string(), Entry { kind, original: original.into_owned() });
            }
        }
    }
}

/// Two originals that are the same value spelled differently (case of a host name, leading zeros
/// or compression of an address) legitimately share a token.
fn same_original(a: &Entry, b: &Entry) -> bool {
    a.original == b.original
        || (a.kind == b.kind && a.original.eq_ignore_ascii_case(&b.original))
        || equivalent_spelling(a, &b.original)
}

fn equivalent_spelling(a: &Entry, b: &str) -> bool {
    match a.kind {
        Kind::Ipv4 | Kind::Ipv6 | Kind::Mac => crate::net::normalize_addr(&a.original) == crate::net::normalize_addr(b),
        _ => false,
    }
}
