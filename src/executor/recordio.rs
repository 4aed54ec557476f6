//! RecordIO, the framing of the agent's event stream: each record is its length in bytes as
//! ASCII decimal digits, a `\n`, then exactly that many bytes (here: one serialized `Event`).
//!
//! The decoder is fed whatever bytes arrived, in pieces of any size, and returns the records
//! completed so far; it keeps a partial record between calls, so a read that returns few bytes
//! (or none, after a timeout) loses nothing.

use std::fmt;

/// Why a stream is not valid RecordIO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RecordIoError {
    /// A byte other than a digit (or the terminating `\n`) in a length.
    BadLength(String),
    /// A length larger than the decoder accepts.
    TooLarge(u64),
}

impl fmt::Display for RecordIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordIoError::BadLength(seen) => {
                write!(f, "malformed RecordIO length {seen:?}")
            }
            RecordIoError::TooLarge(n) => write!(f, "RecordIO record of {n} bytes is too large"),
        }
    }
}

/// The longest length prefix accepted (a `u64` has at most 20 decimal digits).
const MAX_DIGITS: usize = 20;

#[derive(Debug)]
enum State {
    /// Reading the digits of a length.
    Length(Vec<u8>),
    /// Reading a record's bytes; `need` more to go.
    Body { record: Vec<u8>, need: usize },
}

/// An incremental RecordIO decoder.
#[derive(Debug)]
pub(crate) struct Decoder {
    state: State,
    max_record: usize,
}

impl Decoder {
    /// A decoder refusing records longer than `max_record` bytes.
    pub(crate) fn new(max_record: usize) -> Decoder {
        Decoder {
            state: State::Length(Vec::new()),
            max_record,
        }
    }

    /// Whether the decoder is between records (nothing partial is buffered).
    pub(crate) fn is_idle(&self) -> bool {
        matches!(&self.state, State::Length(digits) if digits.is_empty())
    }

    /// Consumes `input` and returns the records it completed, in order. After an error the
    /// stream cannot be resynchronised: drop the decoder.
    pub(crate) fn feed(&mut self, mut input: &[u8]) -> Result<Vec<Vec<u8>>, RecordIoError> {
        let mut done = Vec::new();
        while !input.is_empty() {
            match &mut self.state {
                State::Length(digits) => {
                    let (&b, rest) = input.split_first().expect("input is not empty");
                    input = rest;
                    match b {
                        b'0'..=b'9' if digits.len() < MAX_DIGITS => digits.push(b),
                        b'\n' if !digits.is_empty() => {
                            let text = std::str::from_utf8(digits).expect("ASCII digits");
                            let len: u64 = text
                                .parse()
                                .map_err(|_| RecordIoError::BadLength(text.to_owned()))?;
                            let need = usize::try_from(len)
                                .ok()
                                .filter(|n| *n <= self.max_record)
                                .ok_or(RecordIoError::TooLarge(len))?;
                            if need == 0 {
                                done.push(Vec::new());
                                digits.clear();
                            } else {
                                self.state = State::Body {
                                    record: Vec::with_capacity(need),
                                    need,
                                };
                            }
                        }
                        other => {
                            let mut seen = String::from_utf8_lossy(digits).into_owned();
                            seen.push_str(&String::from_utf8_lossy(&[other]));
                            return Err(RecordIoError::BadLength(seen));
                        }
                    }
                }
                State::Body { record, need } => {
                    let take = (*need).min(input.len());
                    record.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    *need -= take;
                    if *need == 0 {
                        let State::Body { record, .. } =
                            std::mem::replace(&mut self.state, State::Length(Vec::new()))
                        else {
                            unreachable!("in the Body state")
                        };
                        done.push(record);
                    }
                }
            }
        }
        Ok(done)
    }
}

/// Frames one record.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn encode(record: &[u8]) -> Vec<u8> {
    let mut out = format!("{}\n", record.len()).into_bytes();
    out.extend_from_slice(record);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_as_the_agent_writes_them() {
        assert_eq!(encode(b"hello"), b"5\nhello");
        assert_eq!(encode(b""), b"0\n");
        let big = vec![7u8; 1234];
        let framed = encode(&big);
        assert!(framed.starts_with(b"1234\n"));
        assert_eq!(framed.len(), 5 + 1234);
    }

    #[test]
    fn decodes_records_split_anywhere() {
        let records: Vec<Vec<u8>> = vec![
            b"first".to_vec(),
            vec![0, 10, 13, b'\n', 255],
            vec![b'9'; 300],
            b"x".to_vec(),
        ];
        let stream: Vec<u8> = records.iter().flat_map(|r| encode(r)).collect();
        // Every split of the stream into pieces of each size gives the same records.
        for piece in [1, 2, 3, 5, 7, 64, stream.len()] {
            let mut d = Decoder::new(1 << 20);
            let mut got = Vec::new();
            for chunk in stream.chunks(piece) {
                got.extend(d.feed(chunk).unwrap());
            }
            assert_eq!(got, records, "pieces of {piece}");
            assert!(d.is_idle());
        }
    }

    #[test]
    fn keeps_a_partial_record() {
        let mut d = Decoder::new(100);
        assert_eq!(d.feed(b"1").unwrap(), Vec::<Vec<u8>>::new());
        assert!(!d.is_idle());
        assert_eq!(d.feed(b"1\nhello").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(d.feed(b"").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(
            d.feed(b" world3\nabc").unwrap(),
            [b"hello world".to_vec(), b"abc".to_vec()]
        );
        assert!(d.is_idle());
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut d = Decoder::new(100);
        assert_eq!(d.feed(b"12x"), Err(RecordIoError::BadLength("12x".into())));
        let mut d = Decoder::new(100);
        assert_eq!(d.feed(b"\n"), Err(RecordIoError::BadLength("\n".into())));
        let mut d = Decoder::new(100);
        assert_eq!(d.feed(b"-1\n"), Err(RecordIoError::BadLength("-".into())));
        let mut d = Decoder::new(100);
        assert_eq!(d.feed(b"101\n"), Err(RecordIoError::TooLarge(101)));
        let mut d = Decoder::new(100);
        assert!(matches!(
            d.feed(b"123456789012345678901\n"),
            Err(RecordIoError::BadLength(_))
        ));
        let mut d = Decoder::new(usize::MAX);
        assert_eq!(
            d.feed(b"99999999999999999999\n"),
            Err(RecordIoError::BadLength("99999999999999999999".into()))
        );
    }
}
