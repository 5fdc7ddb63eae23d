//! Just enough HTTP/1.1 for the recording proxy: message heads, `Content-Length` and chunked bodies.

use std::io;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// Longest head (start line plus headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest body accepted (AWS API payloads are far smaller).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// The start line and headers of a request or response, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub start_line: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    pub fn remove(&mut self, name: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.headers.push((name.to_string(), value.into()));
    }

    /// Request method (first word of the start line).
    pub fn method(&self) -> &str {
        self.start_line.split(' ').next().unwrap_or("")
    }

    /// Request target (second word of a request line), e.g. `/?Action=X`.
    pub fn target(&self) -> &str {
        self.start_line.split(' ').nth(1).unwrap_or("")
    }

    /// Status code of a response line.
    pub fn status(&self) -> Option<u16> {
        self.start_line.split(' ').nth(1)?.parse().ok()
    }

    pub fn is_http10(&self) -> bool {
        self.start_line.contains("HTTP/1.0")
    }

    pub fn is_chunked(&self) -> bool {
        self.has_token("transfer-encoding", "chunked")
    }

    pub fn content_length(&self) -> io::Result<Option<usize>> {
        match self.header("content-length") {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| invalid(format!("bad Content-Length {v:?}"))),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(256);
        out.push_str(&self.start_line);
        out.push_str("\r\n");
        for (k, v) in &self.headers {
            out.push_str(k);
            out.push_str(": ");
            out.push_str(v);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        out.into_bytes()
    }
}

pub fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    budget: &mut usize,
) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = (&mut *r)
        .take(*budget as u64 + 1)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget {
        return Err(invalid("HTTP head too long"));
    }
    *budget -= n;
    if !buf.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed mid-line",
        ));
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| invalid("non-UTF-8 HTTP head"))
}

/// Reads a message head. `Ok(None)` when the peer closed the connection before sending a byte
/// (the normal end of a keep-alive connection).
pub async fn read_head<R: AsyncBufRead + Unpin>(r: &mut R) -> io::Result<Option<Head>> {
    let mut budget = MAX_HEAD;
    // Tolerate stray empty lines between messages (RFC 9112 §2.2).
    let start_line = loop {
        match read_line(r, &mut budget).await? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut headers = Vec::new();
    loop {
        let line = read_line(r, &mut budget).await?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in HTTP head",
            )
        })?;
        if line.is_empty() {
            break;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("bad header line {line:?}")))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(Some(Head {
        start_line,
        headers,
    }))
}

/// How a body's end is found when neither `Content-Length` nor chunking says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoLength {
    /// Requests: no body.
    Empty,
    /// Responses: the body runs to the end of the connection.
    UntilClose,
}

/// Reads the body that follows `head`, decoding chunked transfer coding.
pub async fn read_body<R: AsyncBufRead + Unpin>(
    r: &mut R,
    head: &Head,
    no_length: NoLength,
) -> io::Result<Vec<u8>> {
    if head.is_chunked() {
        return read_chunked(r).await;
    }
    if let Some(len) = head.content_length()? {
        if len > MAX_BODY {
            return Err(invalid(format!("body of {len} bytes is too large")));
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).await?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if no_length == NoLength::UntilClose {
        (&mut *r)
            .take(MAX_BODY as u64)
            .read_to_end(&mut body)
            .await?;
    }
    Ok(body)
}

async fn read_chunked<R: AsyncBufRead + Unpin>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut budget = MAX_HEAD;
        let line = read_line(r, &mut budget).await?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in chunked body",
            )
        })?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
        if size == 0 {
            // Trailer section: header lines up to an empty line; dropped.
            loop {
                match read_line(r, &mut budget).await? {
                    None => return Ok(body),
                    Some(l) if l.is_empty() => return Ok(body),
                    Some(_) => {}
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("chunked body is too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..]).await?;
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf).await?;
        if &crlf != b"\r\n" {
            return Err(invalid("chunk not followed by CRLF"));
        }
    }
}

/// Writes a head plus a `Content-Length` body as one buffer, dropping framing headers of the
/// original message (the body here is always complete and decoded).
pub fn serialize_with_length(mut head: Head, body: &[u8], set_length: bool) -> Vec<u8> {
    head.remove("transfer-encoding");
    head.remove("content-length");
    if set_length {
        head.set("Content-Length", body.len().to_string());
    }
    let mut out = head.to_bytes();
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn reads_two_keep_alive_requests() {
        let wire = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nhost: y\r\n\r\n";
        rt().block_on(async {
            let mut r = tokio::io::BufReader::new(&wire[..]);
            let h = read_head(&mut r).await.unwrap().unwrap();
            assert_eq!(h.method(), "POST");
            assert_eq!(h.header("HOST"), Some("x"));
            assert_eq!(
                read_body(&mut r, &h, NoLength::Empty).await.unwrap(),
                b"abc"
            );
            let h = read_head(&mut r).await.unwrap().unwrap();
            assert_eq!(h.target(), "/b");
            assert!(
                read_body(&mut r, &h, NoLength::Empty)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert!(read_head(&mut r).await.unwrap().is_none());
        });
    }

    #[test]
    fn decodes_chunked_with_trailer() {
        let wire =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\nrest";
        rt().block_on(async {
            let mut r = tokio::io::BufReader::new(&wire[..]);
            let h = read_head(&mut r).await.unwrap().unwrap();
            assert_eq!(h.status(), Some(200));
            assert_eq!(
                read_body(&mut r, &h, NoLength::UntilClose).await.unwrap(),
                b"Wikipedia"
            );
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"rest");
        });
    }

    #[test]
    fn response_without_length_runs_to_close() {
        let wire = b"HTTP/1.0 200 OK\r\n\r\nall of it";
        rt().block_on(async {
            let mut r = tokio::io::BufReader::new(&wire[..]);
            let h = read_head(&mut r).await.unwrap().unwrap();
            assert_eq!(
                read_body(&mut r, &h, NoLength::UntilClose).await.unwrap(),
                b"all of it"
            );
        });
    }

    #[test]
    fn truncated_body_is_an_error() {
        let wire = b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
        rt().block_on(async {
            let mut r = tokio::io::BufReader::new(&wire[..]);
            let h = read_head(&mut r).await.unwrap().unwrap();
            assert!(read_body(&mut r, &h, NoLength::Empty).await.is_err());
        });
    }
}
