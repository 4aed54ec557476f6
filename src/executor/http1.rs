//! The small part of HTTP/1.1 the executor API needs: `POST` requests with a body of known
//! length, response heads (parsed with `httparse`), bodies framed by `Content-Length` or
//! chunked transfer encoding, keep-alive. Over TCP, or a Unix socket when the agent says so
//! (`MESOS_DOMAIN_SOCKET`).
//!
//! Why not an HTTP client crate: the event stream is a response body that never ends, which
//! must be read incrementally with a read timeout that does not lose state (to send
//! heartbeats), and that another thread must be able to interrupt at once (`stop()` shuts the
//! socket down). Blocking clients such as `ureq` own their socket and offer only overall
//! deadlines for a body, so neither is possible with them; an async stack (`hyper` + `tokio`)
//! would bring a runtime into every executor for two connections. Owning a `TcpStream` and
//! parsing response heads with `httparse` (the parser `hyper` uses) keeps the backend small,
//! blocking and interruptible.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// Where the agent listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    /// `host:port` over TCP.
    Tcp(String),
    /// A Unix domain socket path.
    #[cfg_attr(not(unix), allow(dead_code))]
    Unix(std::path::PathBuf),
}

/// A connected socket.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Stream {
    /// Connects, giving up after `timeout` per address tried.
    pub(crate) fn connect(address: &Address, timeout: Duration) -> io::Result<Stream> {
        match address {
            Address::Tcp(hostport) => {
                let mut last = None;
                for addr in hostport.to_socket_addrs()? {
                    match TcpStream::connect_timeout(&addr, timeout) {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            return Ok(Stream::Tcp(s));
                        }
                        Err(e) => last = Some(e),
                    }
                }
                Err(last.unwrap_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, "the address resolves to nothing")
                }))
            }
            #[cfg(unix)]
            Address::Unix(path) => UnixStream::connect(path).map(Stream::Unix),
            #[cfg(not(unix))]
            Address::Unix(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "Unix domain sockets are not available on this platform",
            )),
        }
    }

    /// A second handle to the same socket (to shut it down from another thread).
    pub(crate) fn try_clone(&self) -> io::Result<Stream> {
        match self {
            Stream::Tcp(s) => s.try_clone().map(Stream::Tcp),
            #[cfg(unix)]
            Stream::Unix(s) => s.try_clone().map(Stream::Unix),
        }
    }

    /// Ends both directions: a read blocked on another handle returns at once.
    pub(crate) fn shutdown(&self) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Both),
            #[cfg(unix)]
            Stream::Unix(s) => s.shutdown(Shutdown::Both),
        };
    }

    /// Sets the read and write timeouts (`None`: block).
    pub(crate) fn set_timeouts(&self, read: Option<Duration>, write: Option<Duration>) {
        let _ = match self {
            Stream::Tcp(s) => s.set_read_timeout(read).and(s.set_write_timeout(write)),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_read_timeout(read).and(s.set_write_timeout(write)),
        };
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            #[cfg(unix)]
            Stream::Unix(s) => s.flush(),
        }
    }
}

/// Whether a read error is a timeout (the socket is still usable).
pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The bytes of a `POST` request.
pub(crate) fn post(path: &str, host: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// How a response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Length(u64),
    Chunked,
    /// Until the server closes the connection.
    Close,
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) framing: Framing,
    /// Whether the connection may carry another request after this response.
    pub(crate) keep_alive: bool,
}

impl Head {
    /// The first value of header `name` (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The most bytes a response head may take.
const MAX_HEAD: usize = 64 * 1024;

/// Reads a response head from `stream`. Returns it with the bytes read past it (the start of
/// the body). `Ok(None)` when the connection closed before any byte arrived.
pub(crate) fn read_head(stream: &mut impl Read) -> io::Result<Option<(Head, Vec<u8>)>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            if buf.is_empty() {
                return Ok(None);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the connection closed inside a response head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some((head, used)) = parse_head(&buf)? {
            return Ok(Some((head, buf.split_off(used))));
        }
        if buf.len() > MAX_HEAD {
            return Err(invalid("response head larger than 64 KiB"));
        }
    }
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Parses a complete head at the start of `buf`; `None` if more bytes are needed.
pub(crate) fn parse_head(buf: &[u8]) -> io::Result<Option<(Head, usize)>> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let used = match response.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(invalid(format!("malformed response head: {e}"))),
    };
    let status = response.code.unwrap_or(0);
    let reason = response.reason.unwrap_or("").to_owned();
    let http10 = response.version == Some(0);
    let headers: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).trim().to_owned(),
            )
        })
        .collect();
    let has = |name: &str, token: &str| {
        headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case(name)
                && v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token))
        })
    };
    let chunked = has("Transfer-Encoding", "chunked");
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
        .map(|(_, v)| v.parse::<u64>())
        .transpose()
        .map_err(|_| invalid("malformed Content-Length"))?;
    let framing = if chunked {
        Framing::Chunked
    } else if let Some(n) = length {
        Framing::Length(n)
    } else if status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::Length(0)
    } else {
        Framing::Close
    };
    let keep_alive = framing != Framing::Close
        && !has("Connection", "close")
        && (!http10 || has("Connection", "keep-alive"));
    Ok(Some((
        Head {
            status,
            reason,
            headers,
            framing,
            keep_alive,
        },
        used,
    )))
}

/// An incremental decoder of a chunked body: fed raw bytes, it yields the payload.
#[derive(Debug)]
pub(crate) struct Dechunker {
    state: Chunk,
}

#[derive(Debug)]
enum Chunk {
    /// Reading a chunk-size line.
    Size(Vec<u8>),
    /// Inside a chunk's data.
    Data(u64),
    /// Expecting the CRLF after a chunk's data; how many of its bytes were seen.
    DataEnd(u8),
    /// Reading trailer lines after the last chunk.
    Trailer(Vec<u8>),
    /// The body is complete.
    Done,
}

/// A chunk-size line longer than this is refused.
const MAX_LINE: usize = 4096;

impl Dechunker {
    pub(crate) fn new() -> Self {
        Dechunker {
            state: Chunk::Size(Vec::new()),
        }
    }

    /// Whether the terminating chunk and trailers were read.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.state, Chunk::Done)
    }

    /// Consumes `input`, appending the payload to `out`. Returns how many bytes of `input`
    /// were used (fewer than all only once the body is complete).
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
        let mut i = 0;
        while i < input.len() {
            match &mut self.state {
                Chunk::Size(line) => {
                    let b = input[i];
                    i += 1;
                    if b != b'\n' {
                        line.push(b);
                        if line.len() > MAX_LINE {
                            return Err(invalid("chunk-size line too long"));
                        }
                        continue;
                    }
                    let text = String::from_utf8_lossy(line);
                    let text = text.strip_suffix('\r').unwrap_or(&text);
                    let hex = text.split(';').next().unwrap_or("").trim();
                    let size = u64::from_str_radix(hex, 16)
                        .map_err(|_| invalid(format!("malformed chunk size {text:?}")))?;
                    self.state = if size == 0 {
                        Chunk::Trailer(Vec::new())
                    } else {
                        Chunk::Data(size)
                    };
                }
                Chunk::Data(left) => {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(input.len() - i);
                    out.extend_from_slice(&input[i..i + take]);
                    i += take;
                    *left -= take as u64;
                    if *left == 0 {
                        self.state = Chunk::DataEnd(0);
                    }
                }
                Chunk::DataEnd(seen) => {
                    let expected = if *seen == 0 { b'\r' } else { b'\n' };
                    if input[i] != expected {
                        return Err(invalid("missing CRLF after chunk data"));
                    }
                    i += 1;
                    if *seen == 0 {
                        *seen = 1;
                    } else {
                        self.state = Chunk::Size(Vec::new());
                    }
                }
                Chunk::Trailer(line) => {
                    let b = input[i];
                    i += 1;
                    if b != b'\n' {
                        line.push(b);
                        if line.len() > MAX_LINE {
                            return Err(invalid("trailer line too long"));
                        }
                        continue;
                    }
                    if line.is_empty() || line.as_slice() == b"\r" {
                        self.state = Chunk::Done;
                    } else {
                        line.clear();
                    }
                }
                Chunk::Done => return Ok(i),
            }
        }
        Ok(i)
    }
}

/// Reads a whole (bounded) response body that starts with `already`.
pub(crate) fn read_body(
    stream: &mut impl Read,
    head: &Head,
    already: Vec<u8>,
    limit: usize,
) -> io::Result<Vec<u8>> {
    let mut chunk = [0u8; 8192];
    match head.framing {
        Framing::Length(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if n > limit {
                return Err(invalid(format!("response body of {n} bytes is too large")));
            }
            let mut body = already;
            while body.len() < n {
                let got = stream.read(&mut chunk)?;
                if got == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the connection closed inside a response body",
                    ));
                }
                body.extend_from_slice(&chunk[..got]);
            }
            body.truncate(n);
            Ok(body)
        }
        Framing::Chunked => {
            let mut d = Dechunker::new();
            let mut body = Vec::new();
            d.feed(&already, &mut body)?;
            while !d.is_done() {
                let got = stream.read(&mut chunk)?;
                if got == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the connection closed inside a chunked body",
                    ));
                }
                d.feed(&chunk[..got], &mut body)?;
                if body.len() > limit {
                    return Err(invalid("response body too large"));
                }
            }
            Ok(body)
        }
        Framing::Close => {
            let mut body = already;
            loop {
                let got = stream.read(&mut chunk)?;
                if got == 0 {
                    return Ok(body);
                }
                body.extend_from_slice(&chunk[..got]);
                if body.len() > limit {
                    return Err(invalid("response body too large"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_request_bytes() {
        let req = post(
            "/slave(1)/api/v1/executor",
            "127.0.0.1:5051",
            &[("Content-Type", "application/x-protobuf")],
            b"\x01\x02",
        );
        assert_eq!(
            req,
            b"POST /slave(1)/api/v1/executor HTTP/1.1\r\nHost: 127.0.0.1:5051\r\nContent-Type: application/x-protobuf\r\nContent-Length: 2\r\n\r\n\x01\x02"
        );
    }

    #[test]
    fn heads() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello";
        let (head, used) = parse_head(raw).unwrap().unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(head.reason, "OK");
        assert_eq!(head.framing, Framing::Chunked);
        assert!(head.keep_alive);
        assert_eq!(head.header("content-type"), Some("application/x-protobuf"));
        assert_eq!(&raw[used..], b"5\r\nhello");

        assert!(parse_head(b"HTTP/1.1 202 Accepted\r\nContent-Le")
            .unwrap()
            .is_none());

        let (head, _) = parse_head(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!((head.status, head.framing), (202, Framing::Length(0)));

        let (head, _) = parse_head(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: close\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert!(!head.keep_alive);
        let (head, _) = parse_head(b"HTTP/1.0 503 Service Unavailable\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(head.framing, Framing::Close);
        assert!(!head.keep_alive);

        assert!(parse_head(b"NOT HTTP\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
    }

    #[test]
    fn chunked_bodies_split_anywhere() {
        let raw = b"5\r\nhello\r\n1;ext=1\r\n \r\nB\r\n0123456789a\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        for piece in [1, 2, 3, 7, raw.len()] {
            let mut d = Dechunker::new();
            let mut out = Vec::new();
            let mut used = 0;
            for c in raw.chunks(piece) {
                used += d.feed(c, &mut out).unwrap();
            }
            assert!(d.is_done());
            assert_eq!(out, b"hello 0123456789a");
            assert_eq!(&raw[used..], b"NEXT", "pieces of {piece}");
        }
        let mut d = Dechunker::new();
        assert!(d.feed(b"zz\r\n", &mut Vec::new()).is_err());
        let mut d = Dechunker::new();
        assert!(d.feed(b"1\r\nab", &mut Vec::new()).is_err());
    }

    #[test]
    fn bodies() {
        let (head, used) = parse_head(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 9\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(used, 47);
        let mut rest: &[u8] = b"und\r\nnext";
        let body = read_body(&mut rest, &head, b"Not fo".to_vec(), 100).unwrap();
        assert_eq!(body, b"Not found");
        let (head, _) = parse_head(b"HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap()
            .unwrap();
        let mut rest: &[u8] = b"3\r\nabc\r\n0\r\n\r\n";
        assert_eq!(
            read_body(&mut rest, &head, Vec::new(), 100).unwrap(),
            b"abc"
        );
        let mut rest: &[u8] = b"3\r\nab";
        assert!(read_body(&mut rest, &head, Vec::new(), 100).is_err());
    }
}
