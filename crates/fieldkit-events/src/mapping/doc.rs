//! A payload parsed once into a light tree that borrows from the payload text.
//!
//! Most mapping expressions are plain paths (`.details.state`). Answering them needs no jq
//! value: building jaq's `Val` for a whole 2 KB notification (an ordered hash map per object,
//! a copy of every string) cost more than everything else a mapping does. So the payload is
//! parsed into [`Node`]s, which are vectors and borrowed slices, paths walk those, only the
//! value a path finds becomes a `Val`, and the full `Val` is built once, on first need, for
//! expressions that run the interpreter.
//!
//! The tree holds what `serde_json` gives jaq's own deserializer (numbers as i64/u64/f64,
//! the last value of a repeated key), so a value read through it equals the `Val` that
//! `serde_json::from_str::<Val>` would have produced.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

use jaq_json::{Map, Num, Val};
use serde::de::{Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON value that borrows its strings from the text it was parsed from when it can.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Node<'a>>),
    /// Keys in payload order, repeats included (lookups take the last, as a map would).
    Obj(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// The value under `key` of an object (the last one if the key repeats).
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Obj(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The same value as jaq's deserializer builds from the same JSON.
    pub(crate) fn to_val(&self) -> Val {
        match self {
            Node::Null => Val::Null,
            Node::Bool(b) => Val::Bool(*b),
            Node::Int(i) => Val::Num(Num::from_integral(*i)),
            Node::UInt(u) => Val::Num(Num::from_integral(*u)),
            Node::Float(f) => Val::Num(Num::Float(*f)),
            Node::Str(s) => Val::utf8_str(s.as_bytes().to_vec()),
            Node::Arr(items) => items.iter().map(Node::to_val).collect(),
            Node::Obj(entries) => {
                let map: Map =
                    entries.iter().map(|(k, v)| (Val::utf8_str(k.as_bytes().to_vec()), v.to_val())).collect();
                Val::obj(map)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node<'de>, D::Error> {
        deserializer.deserialize_any(NodeVisitor(None))
    }
}

/// Builds a [`Node`]: the whole value (`None`), or only what a [`Want`] asks for. Objects on
/// the way keep the wanted keys; any other value on the way (an array, a string) keeps only
/// its type, which is all a path needs to know that it cannot descend there (and then the
/// full payload is parsed for jq).
struct NodeVisitor<'w>(Option<&'w Want>);

impl<'de> Visitor<'de> for NodeVisitor<'_> {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::UInt(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(Node::Float(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        if self.0.is_some() {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Node::Arr(Vec::new()));
        }
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match self.0.map(|want| want.child(&key.0)) {
                None => entries.push((key.0, map.next_value()?)),
                Some(Some(want)) => entries.push((key.0, map.next_value_seed(Selective(want))?)),
                Some(None) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Node::Obj(entries))
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// The parts of a payload that plain paths read: a trie of object keys. A leaf wants its whole
/// subtree; everything else is skipped while parsing (still checked to be valid JSON).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Want {
    children: Vec<(String, Want)>,
    /// The whole value is wanted (a path ends here).
    all: bool,
}

impl Want {
    /// Everything: the whole payload is materialised.
    pub fn everything() -> Want {
        Want { children: Vec::new(), all: true }
    }

    /// Adds a plain path (object keys from the root).
    pub fn add(&mut self, keys: &[String]) {
        if self.all {
            return;
        }
        let Some((first, rest)) = keys.split_first() else {
            *self = Want::everything();
            return;
        };
        match self.children.iter_mut().find(|(k, _)| k == first) {
            Some((_, child)) => child.add(rest),
            None => {
                let mut child = Want::default();
                child.add(rest);
                self.children.push((first.clone(), child));
            }
        }
    }

    fn child(&self, key: &str) -> Option<&Want> {
        self.children.iter().find(|(k, _)| k == key).map(|(_, w)| w)
    }
}

/// Parses what a [`Want`] asks for (see [`NodeVisitor`]).
struct Selective<'w>(&'w Want);

impl<'de> DeserializeSeed<'de> for Selective<'_> {
    type Value = Node<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        d.deserialize_any(NodeVisitor((!self.0.all).then_some(self.0)))
    }
}

/// A parsed payload: a light tree of the parts plain paths read, and the full jaq value,
/// parsed from the text on first need (by an expression that runs the interpreter).
pub struct Doc<'a> {
    text: &'a str,
    root: Option<Node<'a>>,
    /// Err: the text is JSON that serde_json parses lazily but not fully (a number beyond
    /// f64 in a part that was skipped).
    val: OnceCell<Result<Val, String>>,
}

impl<'a> Doc<'a> {
    /// Parses strict JSON (serde_json: nesting bounded at 128 levels), materialising what
    /// `want` asks for. The whole text is checked, so invalid JSON anywhere is an error here.
    pub fn parse(text: &'a str, want: &Want) -> Result<Doc<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let root = Selective(want).deserialize(&mut de)?;
        de.end()?;
        Ok(Doc { text, root: Some(root), val: OnceCell::new() })
    }

    /// Wraps a value that is already a jaq value (filters on summaries, tests).
    pub fn from_val(val: Val) -> Doc<'static> {
        Doc { text: "", root: None, val: OnceCell::from(Ok(val)) }
    }

    /// The light tree; `None` for a document made from a value (paths then run on the value).
    pub(crate) fn root(&self) -> Option<&Node<'a>> {
        self.root.as_ref()
    }

    /// Why the full value could not be built, if that was tried and failed.
    pub fn val_error(&self) -> Option<&str> {
        self.val.get().and_then(|r| r.as_ref().err()).map(String::as_str)
    }

    /// The whole payload as a jaq value.
    pub fn val(&self) -> Result<&Val, &str> {
        self.val
            .get_or_init(|| serde_json::from_str(self.text).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(path: &str) -> Vec<String> {
        path.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn selective_parse_keeps_wanted_paths_and_checks_everything() {
        let mut want = Want::default();
        want.add(&keys("a.b"));
        want.add(&keys("c"));
        let text = r#"{"a":{"b":{"x":[1,2]},"skip":[{"deep":true}]},"c":[3],"d":"no","a2":1}"#;
        let doc = Doc::parse(text, &want).unwrap();
        let root = doc.root().unwrap();
        assert_eq!(root.get("a").and_then(|a| a.get("b")).unwrap().to_val().to_string(), r#"{"x":[1,2]}"#);
        assert_eq!(root.get("c").unwrap().to_val().to_string(), "[3]");
        assert!(root.get("d").is_none() && root.get("a").unwrap().get("skip").is_none());
        assert_eq!(doc.val().unwrap().to_string(), serde_json::from_str::<Val>(text).unwrap().to_string());
        // Invalid JSON in a skipped part is still invalid, and so is trailing garbage.
        assert!(Doc::parse(r#"{"a":{"b":1},"d":[1,}"#, &want).is_err());
        assert!(Doc::parse(r#"{"a":{"b":1},"d":"\q"}"#, &want).is_err());
        assert!(Doc::parse(r#"{"a":1} x"#, &want).is_err());
    }

    #[test]
    fn values_equal_what_jaq_deserializes() {
        let docs = [
            r#"{"a":{"b":[1,-2,3.5,18446744073709551615,1e400,"x\"y",null,true]},"a":{"c":"é"}}"#,
            r#"[{"k":"v","k":"w"},{},[],"",0,-0.0,12345678901234567890123]"#,
            r#""plain""#,
            "null",
        ];
        for text in docs {
            let Ok(expected) = serde_json::from_str::<Val>(text) else {
                assert!(Doc::parse(text, &Want::everything()).is_err(), "{text}");
                // Skipped parts are checked for syntax only: the full value is then an error.
                if let Ok(lazy) = Doc::parse(text, &Want::default()) {
                    assert!(lazy.val().is_err(), "{text}");
                }
                continue;
            };
            let doc = Doc::parse(text, &Want::everything()).unwrap();
            assert_eq!(doc.val().unwrap(), &expected, "{text}");
            assert_eq!(&doc.root().unwrap().to_val(), &expected, "{text}");
        }
    }

    #[test]
    fn repeated_keys_read_the_last_value() {
        let doc = Doc::parse(r#"{"k":1,"k":2}"#, &Want::everything()).unwrap();
        assert_eq!(doc.root().unwrap().get("k"), Some(&Node::UInt(2)));
        assert_eq!(doc.val().unwrap().to_string(), r#"{"k":2}"#);
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let doc = Doc::parse(r#"{"a":"plain","b":"esc\n"}"#, &Want::everything()).unwrap();
        let root = doc.root().unwrap();
        assert!(matches!(root.get("a"), Some(Node::Str(Cow::Borrowed("plain")))));
        assert!(matches!(root.get("b"), Some(Node::Str(Cow::Owned(_)))));
    }
}
