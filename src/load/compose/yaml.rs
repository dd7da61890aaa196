//! A YAML tree with byte spans, built from `saphyr-parser`'s event stream, with
//! every limit a hostile file needs: aliases expand into a bounded number of
//! nodes (a billion-laughs file is an error, not a memory blow-up), nesting is
//! bounded, and merge keys (`<<: *base`) are applied as compose applies them.

use crate::source::{FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use std::collections::HashMap;

/// Nodes a document may expand to, aliases included.
pub const MAX_NODES: usize = 200_000;
/// Nesting depth of sequences and mappings.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub struct Yaml {
    pub span: Span,
    /// A local tag (`!override`, `!reset`) without its `!`.
    pub tag: Option<String>,
    pub value: YValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum YValue {
    Null,
    /// The scalar's text; `plain` when unquoted (so `18789` may be a number).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Yaml>),
    Map(Vec<(Yaml, Yaml)>),
}

impl Yaml {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            YValue::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Yaml, Yaml)]> {
        match &self.value {
            YValue::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Yaml]> {
        match &self.value {
            YValue::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, YValue::Null)
    }

    /// The value of key `k` of a mapping.
    pub fn get(&self, k: &str) -> Option<&Yaml> {
        self.entry(k).map(|(_, v)| v)
    }

    pub fn entry(&self, k: &str) -> Option<(&Yaml, &Yaml)> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(key, _)| key.as_str() == Some(k))
            .map(|(k, v)| (k, v))
    }

    fn count(&self) -> usize {
        match &self.value {
            YValue::Seq(s) => 1 + s.iter().map(Yaml::count).sum::<usize>(),
            YValue::Map(m) => 1 + m.iter().map(|(k, v)| k.count() + v.count()).sum::<usize>(),
            _ => 1,
        }
    }
}

/// Why a file is not a YAML document clawfence can use.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

/// Character index → byte offset, with checkpoints so that lookups stay cheap
/// for files of any size.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    /// Byte offset of every 1024th character.
    checkpoints: Vec<usize>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Offsets<'a> {
        let ascii = text.is_ascii();
        let checkpoints = if ascii {
            vec![]
        } else {
            text.char_indices().step_by(1024).map(|(b, _)| b).collect()
        };
        Offsets {
            text,
            ascii,
            checkpoints,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let Some(&start) = self.checkpoints.get(char_index / 1024) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth(char_index % 1024)
            .map(|(b, _)| start + b)
            .unwrap_or(self.text.len())
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Yaml>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<(Yaml, Yaml)>,
        key: Option<Yaml>,
    },
}

fn local_tag(tag: &Option<std::borrow::Cow<'_, Tag>>) -> Option<String> {
    tag.as_ref()
        .filter(|t| t.handle == "!")
        .map(|t| t.suffix.clone())
}

/// Parses the first document of `text`, the contents of `file`.
pub fn parse(text: &str, file: FileId) -> Result<Yaml, YamlError> {
    let offsets = Offsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Yaml, usize)> = HashMap::new();
    let mut nodes = 0usize;
    let mut root: Option<Yaml> = None;
    let err = |offset: usize, message: String| YamlError { offset, message };
    while let Some(next) = parser.next_event() {
        let (event, span) =
            next.map_err(|e| err(offsets.byte(e.marker().index()), e.info().to_string()))?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index()).max(start);
        let node = match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                let tag = local_tag(tag);
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        start,
                        format!("nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                nodes += 1;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        start,
                        anchor,
                        tag,
                        items: vec![],
                    }
                } else {
                    Frame::Map {
                        start,
                        anchor,
                        tag,
                        entries: vec![],
                        key: None,
                    }
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    start,
                    anchor,
                    tag,
                    items,
                }) => keep(
                    &mut anchors,
                    anchor,
                    Yaml {
                        span: Span::new(
                            file,
                            start..close(text, start, end, items.last().map(|i| i.span)),
                        ),
                        tag,
                        value: YValue::Seq(items),
                    },
                ),
                _ => return Err(err(start, "unbalanced sequence".into())),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    start,
                    anchor,
                    tag,
                    entries,
                    ..
                }) => keep(
                    &mut anchors,
                    anchor,
                    Yaml {
                        span: Span::new(
                            file,
                            start..close(text, start, end, entries.last().map(|(_, v)| v.span)),
                        ),
                        tag,
                        value: YValue::Map(merge_keys(entries)),
                    },
                ),
                _ => return Err(err(start, "unbalanced mapping".into())),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let tag = local_tag(&tag);
                nodes += 1;
                let plain = style == ScalarStyle::Plain;
                let value = if plain && matches!(&*text, "" | "~" | "null" | "Null" | "NULL") {
                    YValue::Null
                } else {
                    YValue::Scalar {
                        text: text.into_owned(),
                        plain,
                    }
                };
                keep(
                    &mut anchors,
                    anchor,
                    Yaml {
                        span: Span::new(file, start..end),
                        tag,
                        value,
                    },
                )
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(err(start, "alias to an unknown anchor".into()));
                };
                nodes += size;
                if nodes > MAX_NODES {
                    return Err(err(
                        start,
                        format!("aliases expand the document past {MAX_NODES} nodes"),
                    ));
                }
                // The alias keeps its own place, so labels point where it is used.
                let mut node = node.clone();
                node.span = Span::new(file, start..end);
                node
            }
        };
        if nodes > MAX_NODES {
            return Err(err(start, format!("more than {MAX_NODES} nodes")));
        }
        match stack.last_mut() {
            None => {
                root = Some(node);
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(root.unwrap_or(Yaml {
        span: Span::new(file, 0..0),
        tag: None,
        value: YValue::Null,
    }))
}

/// Where a collection ends: at its `]`/`}` in flow style, else where its last
/// child ends (a block collection's end event sits at the next token).
fn close(text: &str, start: usize, end: usize, last: Option<Span>) -> usize {
    let flow = text
        .as_bytes()
        .get(start)
        .is_some_and(|b| matches!(b, b'[' | b'{'));
    match last {
        Some(l) if !flow => (l.end as usize).max(start),
        _ => end,
    }
}

/// Remembers an anchored node (with its expanded size) and passes it on.
fn keep(anchors: &mut HashMap<usize, (Yaml, usize)>, anchor: usize, node: Yaml) -> Yaml {
    if anchor > 0 {
        let size = node.count();
        anchors.insert(anchor, (node.clone(), size));
    }
    node
}

/// `<<: *base` and `<<: [*a, *b]`: the merged mappings' keys, under the
/// mapping's own (which win wherever they are written).
fn merge_keys(entries: Vec<(Yaml, Yaml)>) -> Vec<(Yaml, Yaml)> {
    if !entries
        .iter()
        .any(|(k, _)| matches!(&k.value, YValue::Scalar { text, plain: true } if text == "<<"))
    {
        return entries;
    }
    let mut own = Vec::new();
    let mut merged: Vec<(Yaml, Yaml)> = Vec::new();
    for (k, v) in entries {
        if matches!(&k.value, YValue::Scalar { text, plain: true } if text == "<<") {
            let sources: Vec<Yaml> = match v.value {
                YValue::Map(_) => vec![v],
                YValue::Seq(items) => items,
                _ => vec![],
            };
            for src in sources {
                if let YValue::Map(m) = src.value {
                    for (mk, mv) in m {
                        if !merged.iter().any(|(x, _)| x.as_str() == mk.as_str()) {
                            merged.push((mk, mv));
                        }
                    }
                }
            }
        } else {
            own.push((k, v));
        }
    }
    merged.retain(|(mk, _)| !own.iter().any(|(k, _)| k.as_str() == mk.as_str()));
    merged.extend(own);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_byte_ranges() {
        let text = "é: 1\nservices:\n  gw:\n    ports:\n      - \"127.0.0.1:18791:18789\"\n";
        let y = parse(text, FileId(0)).unwrap();
        let p = &y
            .get("services")
            .unwrap()
            .get("gw")
            .unwrap()
            .get("ports")
            .unwrap();
        let item = &p.as_seq().unwrap()[0];
        assert_eq!(&text[item.span.range()], "\"127.0.0.1:18791:18789\"");
        assert_eq!(item.as_str(), Some("127.0.0.1:18791:18789"));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let text = "x: &base {a: 1, b: 2}\ny:\n  <<: *base\n  b: 3\n";
        let y = parse(text, FileId(0)).unwrap();
        let m = y.get("y").unwrap();
        assert_eq!(m.get("a").unwrap().as_str(), Some("1"));
        assert_eq!(m.get("b").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn billion_laughs_is_an_error() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for n in 1..10 {
            let prev = (b'a' + n - 1) as char;
            let cur = (b'a' + n) as char;
            text.push_str(&format!(
                "{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        let t = std::time::Instant::now();
        let e = parse(&text, FileId(0)).unwrap_err();
        assert!(e.message.contains("aliases expand"), "{e:?}");
        assert!(t.elapsed().as_secs() < 5);
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = "[".repeat(100_000);
        let e = parse(&text, FileId(0)).unwrap_err();
        assert!(
            e.message.contains("nested") || e.message.contains("recursion"),
            "{e:?}"
        );
    }
}
