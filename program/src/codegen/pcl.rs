//! A parser for the part of PCL (Pulumi's HCL-based program language) that `pulumi import`
//! sends: `package` and `resource` blocks whose attributes are literals, objects, tuples,
//! references to other blocks (`name.attr`) and calls such as `secret(...)`, plus an `options`
//! block. Anything beyond that is a clear error with its line, never a silent drop.

use std::fmt;

/// A PCL expression, kept as written (numbers as their text).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String),
    Number(String),
    Bool(bool),
    Null,
    /// `root.attr.attr`: a reference to another block (or a variable).
    Traversal(Vec<String>),
    Call(String, Vec<Expr>),
    Tuple(Vec<Expr>),
    /// Keys are property names (bare in PCL) or map keys (quoted); both arrive as text.
    Object(Vec<(String, Expr)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub attributes: Vec<(String, Expr)>,
    pub blocks: Vec<Block>,
}

impl Block {
    pub fn attribute(&self, name: &str) -> Option<&Expr> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses a whole PCL file into its top-level blocks.
pub fn parse(source: &str) -> Result<Vec<Block>, ParseError> {
    let mut p = Parser {
        chars: source.chars().collect(),
        pos: 0,
    };
    let mut blocks = Vec::new();
    loop {
        p.skip_space(true);
        if p.at_end() {
            return Ok(blocks);
        }
        let (name, item) = p.body_item()?;
        match item {
            Item::Block(b) => blocks.push(b),
            Item::Attribute(_) => {
                return Err(p.error(format!(
                    "top-level attribute `{name}` (only blocks are expected)"
                )));
            }
        }
    }
}

enum Item {
    Attribute(Expr),
    Block(Block),
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn line(&self) -> usize {
        1 + self.chars[..self.pos.min(self.chars.len())]
            .iter()
            .filter(|c| **c == '\n')
            .count()
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            line: self.line(),
            message: message.into(),
        }
    }

    /// Skips blanks and comments; newlines too when `newlines` (they separate items).
    fn skip_space(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            if c == '\n' && !newlines {
                return;
            }
            if c.is_whitespace() {
                self.pos += 1;
            } else if c == '#' || (c == '/' && self.peek_at(1) == Some('/')) {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
            } else if c == '/' && self.peek_at(1) == Some('*') {
                self.pos += 2;
                let closes = |p: &Parser| p.peek() == Some('*') && p.peek_at(1) == Some('/');
                while !self.at_end() && !closes(self) {
                    self.pos += 1;
                }
                self.pos = (self.pos + 2).min(self.chars.len());
            } else {
                return;
            }
        }
    }

    fn expect(&mut self, want: char) -> Result<(), ParseError> {
        self.skip_space(true);
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!(
                "expected `{want}`, found {}",
                self.peek()
                    .map_or("the end of the file".to_string(), |c| format!("`{c}`"))
            )))
        }
    }

    fn identifier(&mut self) -> Option<String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            self.pos += 1;
        }
        (self.pos > start).then(|| self.chars[start..self.pos].iter().collect())
    }

    /// `name = expr` or `name label* { body }`.
    fn body_item(&mut self) -> Result<(String, Item), ParseError> {
        let name = self
            .identifier()
            .ok_or_else(|| self.error("expected an attribute or block name"))?;
        self.skip_space(false);
        if self.peek() == Some('=') {
            self.pos += 1;
            let value = self.expression()?;
            return Ok((name, Item::Attribute(value)));
        }
        let mut labels = Vec::new();
        loop {
            self.skip_space(false);
            match self.peek() {
                Some('{') => break,
                Some('"') => labels.push(self.string()?),
                _ => labels.push(self.identifier().ok_or_else(|| {
                    self.error(format!("expected a label or `{{` after `{name}`"))
                })?),
            }
        }
        self.pos += 1;
        let mut block = Block {
            kind: name.clone(),
            labels,
            attributes: Vec::new(),
            blocks: Vec::new(),
        };
        loop {
            self.skip_space(true);
            if self.peek() == Some('}') {
                self.pos += 1;
                return Ok((name, Item::Block(block)));
            }
            if self.at_end() {
                return Err(self.error(format!("block `{name}` is not closed")));
            }
            let (item_name, item) = self.body_item()?;
            match item {
                Item::Attribute(e) => block.attributes.push((item_name, e)),
                Item::Block(b) => block.blocks.push(b),
            }
        }
    }

    /// One expression, dispatched on its first character; each kind has its own helper so
    /// the dispatch stays readable.
    fn expression(&mut self) -> Result<Expr, ParseError> {
        self.skip_space(true);
        match self.peek() {
            Some('"') => Ok(Expr::Str(self.string()?)),
            Some('<') if self.peek_at(1) == Some('<') => Ok(Expr::Str(self.heredoc()?)),
            Some('[') => self.tuple(),
            Some('{') => self.object(),
            Some(c) if c.is_ascii_digit() || c == '-' => Ok(self.number()),
            Some(c) if c.is_alphabetic() || c == '_' => self.word(),
            other => Err(self.error(format!(
                "unsupported expression starting with {}",
                other.map_or("the end of the file".to_string(), |c| format!("`{c}`"))
            ))),
        }
    }

    /// `[a, b, ...]`, the cursor on `[`; a trailing comma is allowed.
    fn tuple(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space(true);
            if self.peek() == Some(']') {
                self.pos += 1;
                return Ok(Expr::Tuple(items));
            }
            items.push(self.expression()?);
            self.skip_space(true);
            if self.peek() == Some(',') {
                self.pos += 1;
            }
        }
    }

    /// `{ key = value, "key": value }`, the cursor on `{`; keys are identifiers or strings.
    fn object(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space(true);
            match self.peek() {
                Some('}') => {
                    self.pos += 1;
                    return Ok(Expr::Object(items));
                }
                Some('"') => {
                    let key = self.string()?;
                    items.push((key, self.object_value()?));
                }
                _ => {
                    let key = self
                        .identifier()
                        .ok_or_else(|| self.error("expected an object key"))?;
                    items.push((key, self.object_value()?));
                }
            }
            self.skip_space(true);
            if self.peek() == Some(',') {
                self.pos += 1;
            }
        }
    }

    /// A number literal kept as text: the generator decides later whether it is an integer.
    fn number(&mut self) -> Expr {
        let start = self.pos;
        self.pos += 1;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '+' || c == '-')
        {
            self.pos += 1;
        }
        Expr::Number(self.chars[start..self.pos].iter().collect())
    }

    /// An expression that starts with an identifier: a keyword literal, a call or a traversal.
    fn word(&mut self) -> Result<Expr, ParseError> {
        let name = self.identifier().unwrap_or_default();
        match name.as_str() {
            "true" => return Ok(Expr::Bool(true)),
            "false" => return Ok(Expr::Bool(false)),
            "null" => return Ok(Expr::Null),
            _ => {}
        }
        if self.peek() == Some('(') {
            return self.call(name);
        }
        self.traversal(name)
    }

    /// `name(a, b, ...)`, the cursor on `(`.
    fn call(&mut self, name: String) -> Result<Expr, ParseError> {
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.skip_space(true);
            if self.peek() == Some(')') {
                self.pos += 1;
                return Ok(Expr::Call(name, args));
            }
            args.push(self.expression()?);
            self.skip_space(true);
            if self.peek() == Some(',') {
                self.pos += 1;
            }
        }
    }

    /// `name.attr[0]["key"]...`, the cursor after `name`; indexes must be numbers or strings.
    fn traversal(&mut self, name: String) -> Result<Expr, ParseError> {
        let mut path = vec![name];
        loop {
            if self.peek() == Some('.') {
                self.pos += 1;
                path.push(
                    self.identifier()
                        .ok_or_else(|| self.error("expected an attribute after `.`"))?,
                );
            } else if self.peek() == Some('[') {
                self.pos += 1;
                let index = self.expression()?;
                self.expect(']')?;
                path.push(match index {
                    Expr::Number(n) | Expr::Str(n) => n,
                    other => {
                        return Err(self.error(format!("unsupported index {other:?}")));
                    }
                });
            } else {
                return Ok(Expr::Traversal(path));
            }
        }
    }

    fn object_value(&mut self) -> Result<Expr, ParseError> {
        self.skip_space(true);
        match self.peek() {
            Some('=') | Some(':') => {
                self.pos += 1;
                self.expression()
            }
            _ => Err(self.error("expected `=` after an object key")),
        }
    }

    /// A quoted template without interpolations (the importer writes literal values only).
    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("string is not closed"));
            };
            self.pos += 1;
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let e = self
                        .peek()
                        .ok_or_else(|| self.error("string is not closed"))?;
                    self.pos += 1;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'u' | 'U' => {
                            let len = if e == 'u' { 4 } else { 8 };
                            let hex: String = self
                                .chars
                                .get(self.pos..self.pos + len)
                                .map(|s| s.iter().collect())
                                .unwrap_or_default();
                            self.pos += len;
                            let ch = u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| self.error(format!("bad escape \\{e}{hex}")))?;
                            out.push(ch);
                        }
                        other => return Err(self.error(format!("unknown escape `\\{other}`"))),
                    }
                }
                // `$${` and `%%{` are the escaped forms of a literal `${` / `%{`.
                '$' | '%' if self.peek() == Some(c) && self.peek_at(1) == Some('{') => {
                    self.pos += 1;
                    out.push(c);
                }
                '$' | '%' if self.peek() == Some('{') => {
                    return Err(self.error(
                        "string interpolation (`${...}`) is not supported: only literal values",
                    ));
                }
                c => out.push(c),
            }
        }
    }

    /// `<<EOF` / `<<-EOF` heredocs (multi-line literal strings).
    fn heredoc(&mut self) -> Result<String, ParseError> {
        self.pos += 2;
        let indented = self.peek() == Some('-');
        if indented {
            self.pos += 1;
        }
        let marker = self
            .identifier()
            .ok_or_else(|| self.error("expected a heredoc marker"))?;
        while self.peek().is_some_and(|c| c != '\n') {
            self.pos += 1;
        }
        self.pos += 1;
        let mut lines = Vec::new();
        loop {
            if self.at_end() {
                return Err(self.error(format!("heredoc `{marker}` is not closed")));
            }
            let start = self.pos;
            while self.peek().is_some_and(|c| c != '\n') {
                self.pos += 1;
            }
            let line: String = self.chars[start..self.pos].iter().collect();
            self.pos = (self.pos + 1).min(self.chars.len());
            if line.trim() == marker {
                break;
            }
            lines.push(line);
        }
        if indented {
            let indent = lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            for l in &mut lines {
                *l = l.chars().skip(indent).collect();
            }
        }
        let mut text = lines.join("\n");
        text.push('\n');
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_importer_writes() {
        let source = r#"
package fargate {
    baseProviderName = "fargate"
    baseProviderVersion = "0.1.0"
}

resource legacy "fargate:ecs:Cluster" {
    __logicalName = "legacy-cluster"
    name = "team-cluster"
    tags = {
        "app" = "sotex \"box\"",
        "cost-center" = "42"
    }
    list = [1, -2.5, true, null]
    ref = other.arn
    hidden = secret("s3cr3t")
    options {
        protect = true
        dependsOn = [other]
    }
}
"#;
        let blocks = parse(source).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].kind, "package");
        let r = &blocks[1];
        assert_eq!(r.labels, ["legacy", "fargate:ecs:Cluster"]);
        assert_eq!(
            r.attribute("tags"),
            Some(&Expr::Object(vec![
                ("app".into(), Expr::Str("sotex \"box\"".into())),
                ("cost-center".into(), Expr::Str("42".into())),
            ]))
        );
        assert_eq!(
            r.attribute("list"),
            Some(&Expr::Tuple(vec![
                Expr::Number("1".into()),
                Expr::Number("-2.5".into()),
                Expr::Bool(true),
                Expr::Null
            ]))
        );
        assert_eq!(
            r.attribute("ref"),
            Some(&Expr::Traversal(vec!["other".into(), "arn".into()]))
        );
        assert_eq!(
            r.attribute("hidden"),
            Some(&Expr::Call(
                "secret".into(),
                vec![Expr::Str("s3cr3t".into())]
            ))
        );
        assert_eq!(r.blocks[0].kind, "options");
        assert_eq!(r.blocks[0].attribute("protect"), Some(&Expr::Bool(true)));
    }

    #[test]
    fn heredocs_and_escapes_are_literal_text() {
        let blocks = parse(
            "resource a \"t\" {\n  x = <<-EOT\n    one\n      two\n    EOT\n  y = \"$${HOME} \\u00e9\"\n}\n",
        )
        .unwrap();
        assert_eq!(
            blocks[0].attribute("x"),
            Some(&Expr::Str("one\n  two\n".into()))
        );
        assert_eq!(
            blocks[0].attribute("y"),
            Some(&Expr::Str("${HOME} é".into()))
        );
    }

    #[test]
    fn interpolation_is_refused_with_its_line() {
        let err = parse("resource a \"t\" {\n  x = \"${b.id}\"\n}\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("interpolation"), "{err}");
    }
}
