//! Interning of masked words, so templates are compared as `u32` ids.

use crate::hash::FxHashMap;
use crate::tokenize::WILDCARD;

/// Id of the plain variable word `<*>`.
pub const WILDCARD_ID: u32 = 0;

/// Word ↔ id table. Ids are assigned in first-seen order, so they are deterministic.
#[derive(Debug)]
pub struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
    /// Per id: the word contains a masked variable (`uid=<*>`).
    has_var: Vec<bool>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner { ids: FxHashMap::default(), words: Vec::new(), has_var: Vec::new() };
        let id = i.intern(WILDCARD);
        debug_assert_eq!(id, WILDCARD_ID);
        i
    }
}

impl Interner {
    /// The id of `word`, allocating only the first time it is seen.
    #[inline]
    pub fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        self.ids.insert(word.into(), id);
        self.words.push(word.into());
        self.has_var.push(word.contains(WILDCARD));
        id
    }

    /// The word for `id`.
    #[inline]
    pub fn word(&self, id: u32) -> &str {
        self.words.get(id as usize).map_or(WILDCARD, |w| w)
    }

    /// Whether the word for `id` contains a variable.
    #[inline]
    pub fn has_var(&self, id: u32) -> bool {
        self.has_var.get(id as usize).copied().unwrap_or(true)
    }
}
