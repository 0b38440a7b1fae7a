//! Wiring checks: every input names an existing output, no cycles, store sinks get
//! summaries, every source feeds something, and each source's positions live in one store.

use std::collections::{HashMap, HashSet};

use super::parse::Spans;
use super::{Config, ConfigError, SinkKind, TransformKind, UNMATCHED_ROUTE};

/// What a stage emits: raw JSON payloads, or summaries (from `summarize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Raw,
    Summary,
}

/// An input reference split into the stage and, for routers, the route.
pub(crate) fn split_input(input: &str) -> (&str, Option<&str>) {
    match input.split_once('.') {
        Some((stage, route)) => (stage, Some(route)),
        None => (input, None),
    }
}

pub(super) fn check(text: &str, config: &Config, spans: &Spans, errors: &mut Vec<ConfigError>) {
    let mut err = |at: usize, msg: String| errors.push(ConfigError::at(text, at, msg));
    if spans.broken.is_empty() && (config.sources.is_empty() || config.sinks.is_empty()) {
        err(0, "a pipeline needs at least one [sources.NAME] and one [sinks.NAME]".to_owned());
    }
    let transforms: HashMap<&str, &TransformKind> =
        config.transforms.iter().map(|t| (t.name.as_str(), &t.kind)).collect();
    let sources: HashSet<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    let sinks: HashSet<&str> = config.sinks.iter().map(|s| s.name.as_str()).collect();

    let stages = config
        .transforms
        .iter()
        .map(|t| (t.name.as_str(), &t.inputs))
        .chain(config.sinks.iter().map(|s| (s.name.as_str(), &s.inputs)));
    let mut valid_inputs: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, inputs) in stages {
        for (i, input) in inputs.iter().enumerate() {
            let at = spans.input_entries.get(&(name.to_owned(), i)).copied().unwrap_or(0);
            let (stage, route) = split_input(input);
            if spans.broken.contains(stage) {
                continue;
            }
            let problem = match (sources.contains(stage), transforms.get(stage), route) {
                (true, _, None) => None,
                (true, _, Some(_)) => Some(format!("`{input}`: source `{stage}` has no named outputs")),
                (false, Some(TransformKind::Route { routes }), Some(r)) => (r != UNMATCHED_ROUTE
                    && !routes.iter().any(|(n, _)| n == r))
                .then(|| {
                    let names: Vec<&str> = routes.iter().map(|(n, _)| n.as_str()).collect();
                    format!("`{input}`: `{stage}` has no route `{r}` (routes: {}, {UNMATCHED_ROUTE})", names.join(", "))
                }),
                (false, Some(TransformKind::Route { .. }), None) => {
                    Some(format!("`{input}` is a route transform: read one of its routes, e.g. `{input}.NAME`"))
                }
                (false, Some(_), Some(_)) => Some(format!("`{input}`: `{stage}` is not a route transform")),
                (false, Some(_), None) => None,
                (false, None, _) if sinks.contains(stage) => Some(format!("`{input}` is a sink: sinks have no output")),
                (false, None, _) => Some(format!("unknown input `{input}`: no source or transform has that name")),
            };
            match problem {
                Some(p) => err(at, p),
                None if stage == name => err(at, format!("`{name}` reads its own output")),
                None => valid_inputs.entry(name).or_default().push(stage),
            }
        }
    }

    // Cycles: depth-first search over transforms, reporting each cycle once at a stage in it.
    let mut state: HashMap<&str, u8> = HashMap::new(); // 1 = on the stack, 2 = done
    fn visit<'a>(
        n: &'a str,
        edges: &HashMap<&'a str, Vec<&'a str>>,
        state: &mut HashMap<&'a str, u8>,
        cycles: &mut Vec<&'a str>,
    ) {
        state.insert(n, 1);
        for &m in edges.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            match state.get(m) {
                Some(1) => cycles.push(n),
                Some(_) => {}
                None => visit(m, edges, state, cycles),
            }
        }
        state.insert(n, 2);
    }
    let mut cycles = Vec::new();
    for t in &config.transforms {
        if !state.contains_key(t.name.as_str()) {
            visit(&t.name, &valid_inputs, &mut state, &mut cycles);
        }
    }
    for c in &cycles {
        let at = spans.inputs_key.get(*c).copied().unwrap_or(0);
        err(at, format!("`{c}` is part of a cycle: a pipeline's stages must not feed back into each other"));
    }
    // Kinds and reachability are only meaningful for a complete, acyclic graph.
    if !cycles.is_empty() || !spans.broken.is_empty() {
        return;
    }

    // What each stage emits, following inputs back to the sources.
    fn kind_of<'a>(stage: &'a str, config: &'a Config, memo: &mut HashMap<&'a str, Option<Kind>>) -> Option<Kind> {
        if let Some(k) = memo.get(stage) {
            return *k;
        }
        let Some(t) = config.transforms.iter().find(|t| t.name == stage) else {
            return config.sources.iter().any(|s| s.name == stage).then_some(Kind::Raw);
        };
        let k = match &t.kind {
            TransformKind::Summarize { .. } => Some(Kind::Summary),
            TransformKind::Extract { .. } => Some(Kind::Raw),
            TransformKind::Filter { .. }
            | TransformKind::FilterHeader { .. }
            | TransformKind::Route { .. }
            | TransformKind::Redact(_) => {
                let kinds: HashSet<Option<Kind>> =
                    t.inputs.iter().map(|i| kind_of(split_input(i).0, config, memo)).collect();
                if kinds.len() == 1 { kinds.into_iter().next().flatten() } else { None }
            }
        };
        memo.insert(stage, k);
        k
    }
    let mut memo = HashMap::new();
    for t in &config.transforms {
        if matches!(t.kind, TransformKind::Summarize { .. }) {
            for (i, input) in t.inputs.iter().enumerate() {
                if kind_of(split_input(input).0, config, &mut memo) == Some(Kind::Summary) {
                    let at = spans.input_entries.get(&(t.name.clone(), i)).copied().unwrap_or(0);
                    err(at, format!("`{}` summarizes `{input}`, which already carries summaries", t.name));
                }
            }
        }
    }
    for s in &config.sinks {
        if s.kind.is_store() {
            for (i, input) in s.inputs.iter().enumerate() {
                if kind_of(split_input(input).0, config, &mut memo) != Some(Kind::Summary) {
                    let at = spans.input_entries.get(&(s.name.clone(), i)).copied().unwrap_or(0);
                    err(
                        at,
                        format!(
                            "store sink `{}` needs summaries, but `{input}` is not (only) the output of a summarize transform",
                            s.name
                        ),
                    );
                }
            }
        }
    }

    // Every source must feed something, and at most one store sink: that store holds its
    // positions, and two stores would disagree about where to resume.
    for src in &config.sources {
        let at = spans.names.get(&src.name).copied().unwrap_or(0);
        let stores = store_sinks_of(config, &src.name);
        let consumed = config
            .transforms
            .iter()
            .map(|t| &t.inputs)
            .chain(config.sinks.iter().map(|s| &s.inputs))
            .any(|inputs| inputs.iter().any(|i| split_input(i).0 == src.name));
        if !consumed {
            err(at, format!("source `{}` feeds nothing: list it in a transform's or sink's `inputs`", src.name));
        } else if stores.len() > 1 {
            err(
                at,
                format!(
                    "source `{}` reaches {} store sinks ({}); one store must hold its positions",
                    src.name,
                    stores.len(),
                    stores.join(", ")
                ),
            );
        }
    }
    for t in &config.transforms {
        let consumed = config
            .transforms
            .iter()
            .map(|t| &t.inputs)
            .chain(config.sinks.iter().map(|s| &s.inputs))
            .any(|inputs| inputs.iter().any(|i| split_input(i).0 == t.name));
        if !consumed {
            let at = spans.names.get(&t.name).copied().unwrap_or(0);
            err(at, format!("transform `{}` feeds nothing: list it in a sink's `inputs`", t.name));
        }
    }
}

/// Store sinks (`store` or `postgres`) a source's records can reach.
pub(crate) fn store_sinks_of(config: &Config, source: &str) -> Vec<String> {
    sinks_of(config, source, SinkKind::is_store)
}

/// Kafka sinks a source's records can reach.
pub(crate) fn kafka_sinks_of(config: &Config, source: &str) -> Vec<String> {
    sinks_of(config, source, |k| matches!(k, SinkKind::Kafka(_)))
}

/// Sinks of a kind a source's records can reach.
fn sinks_of(config: &Config, source: &str, kind: impl Fn(&SinkKind) -> bool) -> Vec<String> {
    let mut reached: HashSet<&str> = HashSet::from([source]);
    // Stages are few; iterate to a fixed point rather than build an adjacency list.
    loop {
        let before = reached.len();
        for t in &config.transforms {
            if t.inputs.iter().any(|i| reached.contains(split_input(i).0)) {
                reached.insert(&t.name);
            }
        }
        if reached.len() == before {
            break;
        }
    }
    config
        .sinks
        .iter()
        .filter(|s| kind(&s.kind) && s.inputs.iter().any(|i| reached.contains(split_input(i).0)))
        .map(|s| s.name.clone())
        .collect()
}
