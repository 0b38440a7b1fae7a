//! Compiling and running the jq expressions of a mapping with jaq.
//!
//! Mappings must be deterministic and pure: the same payload and inputs give the same event on
//! any machine at any time. So the standard filters that read the clock (`now`) or the process
//! environment (`env`) are not offered: an expression using them fails to compile, which makes
//! the mapping file invalid at load time rather than surprising at run time. `halt` (which
//! would end the process) raises an error instead, and `stderr` writes nothing; the standard
//! library's own definitions refer to both, so they cannot simply be left out.
//!
//! Public so that the pipeline's `filter`, `extract` and `route` transforms compile user
//! expressions with exactly these rules, rather than a second, subtly different jq setup.

use std::cell::OnceCell;
use std::fmt::Write as _;

use jaq_core::load::{Arena, File, Loader, lex};
use jaq_core::native::{Fun, bome};
use jaq_core::{Compiler, Ctx, Error, Native, Vars, compile, data, load};
use jaq_json::{Map, Num, Val};
use sha2::{Digest, Sha256};

use super::RawInput;
use super::doc::{Doc, Node};

type Data = data::JustLut<Val>;

/// Native filters left out of mappings, and why (shown when an expression uses one).
const WITHHELD: [(&str, &str); 2] =
    [("now", "reads the clock; use $received_ms"), ("env", "reads the process environment")];

/// Replaces the natives that must not act in a mapping; others pass through.
fn tame(fun: Fun<Data>) -> Fun<Data> {
    match fun.0 {
        "halt" => (fun.0, fun.1, Native::new(|_| bome(Err(Error::str("halt is not available in mappings"))))),
        "stderr_empty" => (fun.0, fun.1, Native::new(|_| Box::new(std::iter::empty()))),
        _ => fun,
    }
}

/// Variables every expression may use; their values come from [`Globals`].
pub const GLOBAL_VARS: [&str; 4] = ["$received_ms", "$source", "$headers", "$payload_sha256"];

/// One compiled expression, with its source text for error messages.
pub struct Program {
    source: String,
    filter: jaq_core::Filter<Data>,
    /// Whether the expression may refer to a variable. Any reference spells `$` and the name,
    /// so text searches are exact (and merely conservative when `$` is inside a string).
    uses_vars: bool,
    uses_sha256: bool,
    /// For plain paths (`.details.timestamp`), the keys: such expressions are most of a
    /// mapping, and walking the value directly is far cheaper than running the interpreter.
    path: Option<Vec<String>>,
    /// For `.a.b | REST`, the keys and REST compiled on its own: REST sees only the path's
    /// value, so it can run on that part of the payload (the whole payload is not parsed).
    piped: Option<(Vec<String>, Box<Program>)>,
}

/// The result of running one expression on one payload.
pub enum Outcome {
    /// The first output of the expression.
    Value(Val),
    /// The expression produced no output (`empty`, `select` that failed, `.[]` of `[]`).
    Empty,
    /// The expression raised an error (indexing a string, `error("…")`, a type mismatch).
    Error(String),
}

/// Values bound to [`GLOBAL_VARS`] for one payload, built the first time an expression that
/// uses a variable runs: most expressions are plain paths, and building `$headers` or hashing
/// the payload for every record would cost throughput for nothing.
pub struct Globals<'a> {
    input: RawInput<'a>,
    /// `$received_ms`, `$source`, `$headers`.
    vals: OnceCell<[Val; 3]>,
    /// `$payload_sha256`; usually a last-resort fallback, so computed apart from the others.
    sha256: OnceCell<Val>,
}

impl<'a> Globals<'a> {
    pub fn new(input: &RawInput<'a>) -> Self {
        Globals { input: *input, vals: OnceCell::new(), sha256: OnceCell::new() }
    }

    fn vals(&self) -> &[Val; 3] {
        self.vals.get_or_init(|| {
            let input = &self.input;
            let received = Val::Num(Num::from_integral(input.received_time_ms));
            let source = match input.source {
                None => Val::Null,
                Some(s) => Val::obj(Map::from_iter([
                    (Val::utf8_str("topic"), Val::from(s.topic.clone())),
                    (Val::utf8_str("partition"), Val::Num(Num::from_integral(s.partition))),
                    (Val::utf8_str("offset"), Val::Num(Num::from_integral(s.offset))),
                ])),
            };
            let headers = Val::obj(Map::from_iter(input.headers.iter().map(|h| {
                let v = h.value.map_or(Val::Null, |b| Val::utf8_str(b.to_vec()));
                (Val::from(h.name.to_owned()), v)
            })));
            [received, source, headers]
        })
    }

    fn sha256(&self) -> Val {
        self.sha256.get_or_init(|| Val::from(sha256_hex(self.input.payload))).clone()
    }
}

/// Lower-case hex SHA-256 of the payload bytes.
pub(crate) fn sha256_hex(payload: &[u8]) -> String {
    let digest = Sha256::digest(payload);
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

impl Program {
    /// Compiles `code`; the error is a one-line description fit for a config error.
    pub fn compile(code: &str) -> Result<Program, String> {
        let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs())
            .filter(|(name, _, _)| !WITHHELD.iter().any(|(w, _)| w == name))
            .map(tame);
        let arena = Arena::default();
        // No module reader is configured, so `import`/`include` cannot touch the file system.
        let modules =
            Loader::new(defs).load(&arena, File { code, path: () }).map_err(|errs| load_errors(code, errs))?;
        let uses_vars = code.contains('$');
        // Without variables the program is compiled without globals and runs with an empty
        // variable list, which saves building one per run.
        let globals: &[&str] = if uses_vars { &GLOBAL_VARS } else { &[] };
        let filter = Compiler::default()
            .with_funs(funs)
            .with_global_vars(globals.iter().copied())
            .compile(modules)
            .map_err(compile_errors)?;
        Ok(Program {
            source: code.to_owned(),
            filter,
            uses_vars,
            uses_sha256: code.contains("$payload_sha256"),
            path: plain_path(code),
            piped: match path_pipe(code) {
                Some((keys, rest)) => Some((keys, Box::new(Program::compile(rest)?))),
                None => None,
            },
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The part of the input this expression reads when that is one path's value: the keys
    /// of a plain path (`.a.b`) or of the path a pipeline starts with (`.a.b | f`); `None` when
    /// it may read anything.
    pub fn input_path(&self) -> Option<&[String]> {
        self.path.as_deref().or(self.piped.as_ref().map(|(keys, _)| keys.as_slice()))
    }

    /// Runs the expression on `input` and returns its first output. Later outputs are never
    /// computed, so a generator such as `repeat(.)` costs no more than its first value.
    pub fn first(&self, input: &Val, globals: &Globals) -> Outcome {
        if let Some(keys) = &self.path
            && let Some(v) = walk(input, keys)
        {
            return Outcome::Value(v);
        }
        let vars = if self.uses_vars {
            let sha = if self.uses_sha256 { globals.sha256() } else { Val::Null };
            Vars::new(globals.vals().iter().cloned().chain([sha]))
        } else {
            Vars::new([])
        };
        let ctx = Ctx::<Data>::new(&self.filter.lut, vars);
        match self.filter.id.run((ctx, input.clone())).next() {
            None => Outcome::Empty,
            Some(Ok(v)) => Outcome::Value(v),
            // `halt` is withheld, so every exception is an error; stay total regardless.
            Some(Err(exn)) => match exn.get_err() {
                Ok(err) => Outcome::Error(err.to_string()),
                Err(_) => Outcome::Error("the expression stopped without a value".to_owned()),
            },
        }
    }
}

impl Program {
    /// [`Program::first`] on a parsed payload: plain paths walk the payload's light tree and
    /// convert only what they find; other expressions run on the full value.
    pub fn first_doc(&self, doc: &Doc<'_>, globals: &Globals) -> Outcome {
        if let Some(keys) = &self.path
            && let Some(root) = doc.root()
            && let Some(v) = walk_node(root, keys)
        {
            return Outcome::Value(v);
        }
        if let Some((keys, rest)) = &self.piped
            && let Some(root) = doc.root()
            && let Some(v) = walk_node(root, keys)
        {
            return rest.first(&v, globals);
        }
        match doc.val() {
            Ok(val) => self.first(val, globals),
            Err(e) => Outcome::Error(format!("the payload is not valid JSON: {e}")),
        }
    }
}

/// `.a.b | REST` → (`a`, `b`) and REST. A pipe binds loosest (after `,`, `//`, `as`), so when
/// the text before the first `|` is a plain path, the path's value is REST's whole input. `|=`
/// is an update, not a pipe.
fn path_pipe(code: &str) -> Option<(Vec<String>, &str)> {
    let (head, rest) = code.split_once('|')?;
    if rest.starts_with('=') || rest.trim().is_empty() {
        return None;
    }
    Some((plain_path(head)?, rest))
}

/// [`walk`] on the light tree, with the same semantics.
fn walk_node(input: &Node<'_>, keys: &[String]) -> Option<Val> {
    let mut cur = input;
    for k in keys {
        match cur {
            Node::Null => return Some(Val::Null),
            Node::Obj(_) => match cur.get(k) {
                Some(v) => cur = v,
                None => return Some(Val::Null),
            },
            _ => return None,
        }
    }
    Some(cur.to_val())
}

/// `.a.b.c` with identifier keys → the keys; anything else → `None`.
fn plain_path(code: &str) -> Option<Vec<String>> {
    let rest = code.trim().strip_prefix('.')?;
    rest.split('.')
        .map(|k| {
            let mut chars = k.chars();
            let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
            ok.then(|| k.to_owned())
        })
        .collect()
}

/// jq's semantics of a plain path where they are simple: a missing key or a null gives null.
/// Indexing anything else is an error whose wording belongs to jaq, so that case (`None`) runs
/// the compiled program instead.
fn walk(input: &Val, keys: &[String]) -> Option<Val> {
    let mut cur = input;
    for k in keys {
        match cur {
            Val::Null => return Some(Val::Null),
            Val::Obj(o) => match super::value::get(o, k) {
                Some(v) => cur = v,
                None => return Some(Val::Null),
            },
            _ => return None,
        }
    }
    Some(cur.clone())
}

fn load_errors(code: &str, errs: load::Errors<&str, ()>) -> String {
    let offset = |rest: &str| load::span(code, rest).start;
    let mut parts = Vec::new();
    for (_file, err) in errs {
        match err {
            load::Error::Io(items) => {
                parts.extend(items.into_iter().map(|(path, e)| format!("cannot import `{path}`: {e}")));
            }
            load::Error::Lex(items) => parts.extend(
                items
                    .into_iter()
                    .map(|(expect, rest)| format!("expected {} at offset {}", lex_expect(&expect), offset(rest))),
            ),
            load::Error::Parse(items) => parts.extend(
                items
                    .into_iter()
                    .map(|(expect, rest)| format!("expected {} at offset {}", expect.as_str(), offset(rest))),
            ),
        }
    }
    if parts.is_empty() { "invalid expression".to_owned() } else { parts.join("; ") }
}

/// `lex::Expect::as_str` panics on delimiters it does not know; describe them ourselves.
fn lex_expect(e: &lex::Expect<&str>) -> String {
    match e {
        lex::Expect::Delim(d) => format!("a delimiter closing `{d}`"),
        other => other.as_str().to_owned(),
    }
}

fn compile_errors(errs: compile::Errors<&str, ()>) -> String {
    let mut parts = Vec::new();
    for (_file, list) in errs {
        for (name, undefined) in list {
            let why = WITHHELD
                .iter()
                .find(|(w, _)| *w == name)
                .map(|(_, why)| format!(" (not available in mappings: {why})"));
            let arity = match undefined {
                compile::Undefined::Filter(n) => format!("/{n}"),
                _ => String::new(),
            };
            parts.push(format!("undefined {} `{name}{arity}`{}", undefined.as_str(), why.unwrap_or_default()));
        }
    }
    if parts.is_empty() { "invalid expression".to_owned() } else { parts.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(code: &str, json: &str) -> Outcome {
        let p = Program::compile(code).unwrap();
        let v: Val = serde_json::from_str(json).unwrap();
        p.first(&v, &Globals::new(&RawInput::new(b"abc", 5)))
    }

    #[test]
    fn first_output_errors_and_empty() {
        assert!(matches!(run(".a", r#"{"a": 1}"#), Outcome::Value(v) if v.to_string() == "1"));
        assert!(matches!(run(".[]", "[]"), Outcome::Empty));
        assert!(matches!(run(".a.b", r#"{"a": "x"}"#), Outcome::Error(_)));
        assert!(matches!(run("repeat(.)", "1"), Outcome::Value(_)));
        assert!(matches!(run("$received_ms", "1"), Outcome::Value(v) if v.to_string() == "5"));
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert!(matches!(run("$payload_sha256", "1"), Outcome::Value(v) if v.to_string() == format!("\"{sha}\"")));
    }

    #[test]
    fn plain_paths_agree_with_the_interpreter() {
        assert!(plain_path(".a.b_2._c").is_some() && plain_path(" .a ").is_some());
        for code in [".a[0]", ".a | .b", ".a?", ".\"a\"", ".1a", "..", ".a.", ".[]"] {
            assert!(plain_path(code).is_none(), "{code}");
        }
        let docs = [r#"{"a":{"b":1}}"#, r#"{"a":null}"#, r#"{"a":"x"}"#, r#"{"a":[1]}"#, "null", "3", "{}"];
        for doc in docs {
            let v: Val = serde_json::from_str(doc).unwrap();
            let fast = Program::compile(".a.b").unwrap();
            let mut slow = Program::compile(".a.b").unwrap();
            slow.path = None;
            let g = Globals::new(&RawInput::new(b"", 0));
            let show = |o: Outcome| match o {
                Outcome::Value(v) => format!("value {v}"),
                Outcome::Empty => "empty".to_owned(),
                Outcome::Error(e) => format!("error {e}"),
            };
            assert_eq!(show(fast.first(&v, &g)), show(slow.first(&v, &g)), "{doc}");
            let parsed = Doc::parse(doc, &super::super::doc::Want::everything()).unwrap();
            assert_eq!(show(fast.first_doc(&parsed, &g)), show(slow.first(&v, &g)), "{doc}");
        }
    }

    #[test]
    fn path_pipelines_run_on_the_paths_value() {
        assert_eq!(
            path_pipe(".a.b | length").map(|(k, r)| (k, r.trim())),
            Some((vec!["a".into(), "b".into()], "length"))
        );
        for code in [".a |= 1", ".a, .b | f", ".a // .b | f", ".a as $x | $x", "[.a] | f", ".a |", "f | .a"] {
            assert!(path_pipe(code).is_none(), "{code}");
        }
        let docs = [r#"{"a":{"b":"x:y"}}"#, r#"{"a":{"b":null}}"#, r#"{"a":"s"}"#, r#"{"a":[1]}"#, "{}", "7"];
        for doc in docs {
            let v: Val = serde_json::from_str(doc).unwrap();
            let piped = Program::compile(r#".a.b | strings | split(":") | .[0]"#).unwrap();
            let mut whole = Program::compile(r#".a.b | strings | split(":") | .[0]"#).unwrap();
            whole.piped = None;
            let g = Globals::new(&RawInput::new(b"", 0));
            let show = |o: Outcome| match o {
                Outcome::Value(v) => format!("value {v}"),
                Outcome::Empty => "empty".to_owned(),
                Outcome::Error(e) => format!("error {e}"),
            };
            let mut want = super::super::doc::Want::default();
            want.add(piped.input_path().unwrap());
            let parsed = Doc::parse(doc, &want).unwrap();
            assert_eq!(show(piped.first_doc(&parsed, &g)), show(whole.first(&v, &g)), "{doc}");
        }
    }

    #[test]
    fn impure_filters_do_not_compile() {
        for code in ["now", "env", "$ENV", "input", "inputs", r#"import "x" as x; ."#, r#"include "x"; ."#] {
            assert!(Program::compile(code).is_err(), "{code} compiled");
        }
        let e = Program::compile("now").err().unwrap();
        assert!(e.contains("received_ms"), "{e}");
        assert!(matches!(run("halt", "1"), Outcome::Error(_)));
        assert!(matches!(run("halt_error", "1"), Outcome::Error(_)));
        assert!(matches!(run("stderr", "1"), Outcome::Value(v) if v.to_string() == "1"));
    }

    #[test]
    fn syntax_errors_are_described() {
        let e = Program::compile(".a |").err().unwrap();
        assert!(e.contains("offset"), "{e}");
        let e = Program::compile("(.a").err().unwrap();
        assert!(e.contains("expected"), "{e}");
    }
}
