//! The language server's framing: `Content-Length: N`, a blank line, then N
//! bytes of JSON. Read here rather than by `lsp-server`'s stdio transport,
//! which trusts the header: it allocates N bytes before reading any (a
//! `Content-Length` of 10^15 aborted the server, 2^64-1 panicked it, 4e9
//! grew it to 973 MB), and stops for good at the first malformed header.
//!
//! Here a message is at most [`MAX_MESSAGE_BYTES`] (the size limit of every
//! input, `MAX_FILE_BYTES`): a longer one is read past (counted, never
//! kept) and answered with an error, a header line is at most
//! [`MAX_HEADER_LINE`] bytes, and after a header that cannot be understood
//! the reader looks for the next `Content-Length:` and goes on from there.
//! Memory stays bounded whatever the client sends.

use std::io::{self, BufRead, Read};

/// The largest message read: the size limit of every input.
pub const MAX_MESSAGE_BYTES: u64 = crate::MAX_FILE_BYTES as u64;

/// The longest header line kept (real ones are about 20 bytes).
pub const MAX_HEADER_LINE: usize = 1024;

/// What the reader found next.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A message's text (UTF-8, not yet parsed).
    Message(String),
    /// A message that could not be read, and why; the reader goes on.
    Error(String),
}

/// Reads frames from a stream, one after another.
pub struct Reader<R> {
    input: R,
    /// After a header that could not be understood: skip to the next
    /// `Content-Length:`.
    lost: bool,
}

const HEADER: &[u8] = b"content-length:";

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Reader<R> {
        Reader { input, lost: false }
    }

    /// The next frame; `None` at the end of the input.
    pub fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        let mut size: Option<u64> = None;
        let mut first = true;
        loop {
            let line = if self.lost {
                if !self.skip_to_header()? {
                    return Ok(None);
                }
                self.lost = false;
                // The header's name is consumed: what is left is its value.
                match self.line()? {
                    None => return Ok(None),
                    Some(rest) => {
                        let mut line = b"Content-Length:".to_vec();
                        line.extend_from_slice(&rest);
                        Some(line)
                    }
                }
            } else {
                self.line()?
            };
            let Some(line) = line else {
                return Ok(None);
            };
            let Some(line) = line.strip_suffix(b"\n") else {
                return Ok(self.lose(format!("a header line over {MAX_HEADER_LINE} bytes")));
            };
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                if first {
                    // Blank lines between messages: passed over.
                    continue;
                }
                break;
            }
            first = false;
            let text = String::from_utf8_lossy(line);
            let Some((name, value)) = text.split_once(':') else {
                return Ok(self.lose(format!("a malformed header `{}`", shown(&text))));
            };
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<u64>() {
                    Ok(n) => size = Some(n),
                    Err(_) => {
                        return Ok(self.lose(format!(
                            "a `Content-Length` that is not a size: `{}`",
                            shown(value.trim())
                        )));
                    }
                }
            }
        }
        let Some(size) = size else {
            return Ok(self.lose("a message without `Content-Length`".to_string()));
        };
        if size > MAX_MESSAGE_BYTES {
            // Read past, never kept: the next message starts after it.
            let skipped = io::copy(&mut (&mut self.input).take(size), &mut io::sink())?;
            let how = if skipped < size { "the input ended first" } else { "it was passed over" };
            return Ok(Some(Frame::Error(format!(
                "a message of {size} bytes, more than the {MAX_MESSAGE_BYTES} escalate accepts: {how}"
            ))));
        }
        let mut body = Vec::with_capacity(size as usize);
        (&mut self.input).take(size).read_to_end(&mut body)?;
        if (body.len() as u64) < size {
            return Ok(None);
        }
        match String::from_utf8(body) {
            Ok(text) => Ok(Some(Frame::Message(text))),
            Err(_) => Ok(Some(Frame::Error("a message that is not UTF-8".to_string()))),
        }
    }

    /// An error, after which the reader looks for the next header.
    fn lose(&mut self, why: String) -> Option<Frame> {
        self.lost = true;
        Some(Frame::Error(why))
    }

    /// One line, at most [`MAX_HEADER_LINE`] bytes kept (with its `\n`; a
    /// longer line is read to its end and returned cut, without it).
    fn line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                // A line cut by the end of the input is no header.
                return Ok(None);
            }
            let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(at) => (&buf[..=at], true),
                None => (buf, false),
            };
            let room = (MAX_HEADER_LINE + 1).saturating_sub(line.len());
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = chunk.len();
            self.input.consume(used);
            if done {
                if line.len() > MAX_HEADER_LINE {
                    line.retain(|&b| b != b'\n');
                }
                return Ok(Some(line));
            }
        }
    }

    /// Read until just after the next `Content-Length:` (in any case);
    /// false at the end of the input.
    fn skip_to_header(&mut self) -> io::Result<bool> {
        let mut matched = 0;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            let mut used = 0;
            let mut found = false;
            for &b in buf {
                used += 1;
                let b = b.to_ascii_lowercase();
                if b == HEADER[matched] {
                    matched += 1;
                } else {
                    matched = usize::from(b == HEADER[0]);
                }
                if matched == HEADER.len() {
                    found = true;
                    break;
                }
            }
            self.input.consume(used);
            if found {
                return Ok(true);
            }
        }
    }
}

/// A header's text for a message: short, and with its controls as symbols.
fn shown(text: &str) -> String {
    let short: String = text.chars().take(40).collect();
    crate::render::human::visible_line(&short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = Reader::new(input);
        let mut out = Vec::new();
        while let Some(frame) = reader.next_frame().expect("reads") {
            out.push(frame);
        }
        out
    }

    fn message(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    #[test]
    fn reads_messages_one_after_another() {
        let mut input = message("{\"a\":1}");
        input.extend(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n");
        input.extend(message("{}"));
        assert_eq!(frames(&input), [Frame::Message("{\"a\":1}".into()), Frame::Message("{}".into())]);
    }

    #[test]
    fn a_bad_or_huge_length_is_an_error_and_the_next_message_is_read() {
        for header in ["1e15", "18446744073709551616", "-1", "4e9", "x", ""] {
            let mut input = format!("Content-Length: {header}\r\n\r\n{{\"lost\":1}}").into_bytes();
            input.extend(message("{\"next\":1}"));
            let got = frames(&input);
            assert!(matches!(got.first(), Some(Frame::Error(_))), "{header}: {got:?}");
            assert_eq!(got.last(), Some(&Frame::Message("{\"next\":1}".into())), "{header}");
        }
        // A length over the limit that the input holds: read past, then on.
        let mut input = format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE_BYTES + 1).into_bytes();
        input.resize(input.len() + MAX_MESSAGE_BYTES as usize + 1, b' ');
        input.extend(message("{}"));
        let got = frames(&input);
        assert!(matches!(&got[0], Frame::Error(e) if e.contains("passed over")), "{:?}", got[0]);
        assert_eq!(got[1], Frame::Message("{}".into()));
        // 2^64-1 bytes promised, none sent: the end of the input, no allocation.
        assert!(matches!(&frames(b"Content-Length: 18446744073709551615\r\n\r\n{}")[..], [Frame::Error(_)]));
    }

    #[test]
    fn a_long_header_line_is_cut_and_passed_over() {
        let mut input = vec![b'x'; 1 << 20];
        input.extend(b"\r\n");
        input.extend(message("{}"));
        let got = frames(&input);
        assert!(matches!(&got[0], Frame::Error(_)));
        assert_eq!(got.last(), Some(&Frame::Message("{}".into())));
    }

    #[test]
    fn anything_ends_without_a_panic() {
        for input in
            [&b""[..], b"\r\n", b"Content-Length: 5\r\n\r\nab", b"Content-Length: 2\r\n\r\n\xff\xfe", b"::"]
        {
            let _ = frames(input);
        }
    }
}
