//! Lets stock gRPC clients use the Unix socket.
//!
//! gRPC's C core (grpcio, and the Ruby, PHP, C++ clients) sends the socket
//! path, percent-encoded, as the HTTP/2 `:authority` of a `unix:` target
//! (`tmp%2Frenacer%2Frenacer.sock`). A `%` outside a percent-encoded userinfo
//! or IPv6 zone makes that an invalid authority for the `http` crate, so `h2`
//! resets every such stream with PROTOCOL_ERROR before tonic sees the request
//! (the client gets INTERNAL "RST_STREAM with error code 1"). No tower layer
//! can help, and h2 has no setting to tolerate it: this wrapper of the Unix
//! connection rewrites an invalid `:authority` to `localhost` in the
//! client's HEADERS frames, before h2 reads them. An authority is meaningless
//! on a Unix socket anyway.
//!
//! To rewrite one header the wrapper decodes every header block of the
//! connection (HPACK is stateful) and re-encodes each one with literals that
//! are never indexed, so the server's decoder keeps an empty dynamic table
//! and never depends on the client's. Every other frame passes unchanged.
use std::{
    io,
    pin::Pin,
    task::{Context, Poll, ready},
};

use bytes::{Buf as _, BytesMut};
use tokio::io::{AsyncRead, ReadBuf};
use tracing::debug;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const FRAME_HEADER: usize = 9;
const HEADERS: u8 = 0x1;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;
/// The smallest SETTINGS_MAX_FRAME_SIZE: what the server accepts before any
/// settings change (tonic does not raise it).
const MAX_FRAME: usize = 16_384;
/// Frames declared longer than this are passed through unparsed (h2 rejects them).
const MAX_BUFFERED_FRAME: usize = 1 << 24;
/// What an invalid authority becomes.
const LOCALHOST: &[u8] = b"localhost";

/// A Unix connection whose incoming HTTP/2 headers get a valid `:authority`.
#[derive(Debug)]
pub struct AuthorityFix<S> {
    inner: S,
    /// Read from the client, not yet parsed into whole frames.
    raw: BytesMut,
    /// Ready for h2 to read.
    out: BytesMut,
    state: State,
    eof: bool,
}

#[derive(Debug)]
enum State {
    /// Bytes of the connection preface still to pass.
    Preface(usize),
    Frames {
        decoder: Box<HpackDecoder>,
        /// A header block waiting for its CONTINUATION frames.
        pending: Option<PendingHeaders>,
    },
    /// Something unexpected: pass everything unchanged from here on.
    Passthrough,
}

struct HpackDecoder(hpack::Decoder<'static>);

impl std::fmt::Debug for HpackDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HpackDecoder")
    }
}

#[derive(Debug)]
struct PendingHeaders {
    stream_id: u32,
    /// The flags of the HEADERS frame, minus PADDED.
    flags: u8,
    /// Its priority fields, when PRIORITY is set.
    priority: Option<[u8; 5]>,
    block: Vec<u8>,
}

impl<S> AuthorityFix<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            raw: BytesMut::new(),
            out: BytesMut::new(),
            state: State::Preface(PREFACE.len()),
            eof: false,
        }
    }

    /// Moves whatever is complete from `raw` to `out`.
    fn process(&mut self) {
        loop {
            match &mut self.state {
                State::Preface(left) => {
                    let n = (*left).min(self.raw.len());
                    if n == 0 {
                        return;
                    }
                    self.out.extend_from_slice(&self.raw.split_to(n));
                    *left -= n;
                    if *left == 0 {
                        self.state = State::Frames {
                            decoder: Box::new(HpackDecoder(hpack::Decoder::new())),
                            pending: None,
                        };
                    }
                }
                State::Passthrough => {
                    let raw = self.raw.split();
                    self.out.extend_from_slice(&raw);
                    return;
                }
                State::Frames { decoder, pending } => {
                    if self.raw.len() < FRAME_HEADER {
                        return;
                    }
                    let len = usize::from(self.raw[0]) << 16
                        | usize::from(self.raw[1]) << 8
                        | usize::from(self.raw[2]);
                    if len > MAX_BUFFERED_FRAME {
                        self.state = State::Passthrough;
                        continue;
                    }
                    if self.raw.len() < FRAME_HEADER + len {
                        return;
                    }
                    let frame = self.raw.split_to(FRAME_HEADER + len);
                    let (kind, flags) = (frame[3], frame[4]);
                    let stream_id =
                        u32::from_be_bytes([frame[5], frame[6], frame[7], frame[8]]) & 0x7fff_ffff;
                    let payload = &frame[FRAME_HEADER..];
                    let result = match (kind, pending.take()) {
                        (HEADERS, None) => {
                            start_headers(stream_id, flags, payload).map(|headers| {
                                finish_or_wait(headers, decoder, pending, &mut self.out)
                            })
                        }
                        (CONTINUATION, Some(mut headers)) if headers.stream_id == stream_id => {
                            headers.block.extend_from_slice(payload);
                            headers.flags |= flags & END_HEADERS;
                            Some(finish_or_wait(headers, decoder, pending, &mut self.out))
                        }
                        (_, None) => {
                            self.out.extend_from_slice(&frame);
                            Some(Ok(()))
                        }
                        // Anything else between HEADERS and CONTINUATION is a
                        // protocol error for h2 to report.
                        (_, Some(_)) => None,
                    };
                    match result {
                        Some(Ok(())) => {}
                        Some(Err(_)) | None => {
                            debug!(
                                "unexpected HTTP/2 input on the Unix socket: passing it through"
                            );
                            self.out.extend_from_slice(&frame);
                            self.state = State::Passthrough;
                        }
                    }
                }
            }
        }
    }
}

/// The header block fragment of a HEADERS frame, without padding and priority.
fn start_headers(stream_id: u32, flags: u8, payload: &[u8]) -> Option<PendingHeaders> {
    let mut payload = payload;
    let mut pad = 0;
    if flags & PADDED != 0 {
        pad = usize::from(*payload.first()?);
        payload = &payload[1..];
    }
    let priority = if flags & PRIORITY != 0 {
        let fields: [u8; 5] = payload.get(..5)?.try_into().ok()?;
        payload = &payload[5..];
        Some(fields)
    } else {
        None
    };
    let block = payload.get(..payload.len().checked_sub(pad)?)?.to_vec();
    Some(PendingHeaders {
        stream_id,
        flags: flags & !PADDED,
        priority,
        block,
    })
}

/// Re-encodes a complete header block into `out`, or keeps waiting for its
/// CONTINUATION frames. Errors when the block does not decode.
fn finish_or_wait(
    headers: PendingHeaders,
    decoder: &mut HpackDecoder,
    pending: &mut Option<PendingHeaders>,
    out: &mut BytesMut,
) -> Result<(), PendingHeaders> {
    if headers.flags & END_HEADERS == 0 {
        *pending = Some(headers);
        return Ok(());
    }
    let Ok(fields) = decoder.0.decode(&headers.block) else {
        return Err(headers);
    };
    let mut block = Vec::with_capacity(headers.block.len() + 64);
    for (name, value) in &fields {
        let value = if name == b":authority" && !valid_authority(value) {
            LOCALHOST
        } else {
            value.as_slice()
        };
        encode_literal(&mut block, name, value);
    }
    write_headers(out, &headers, &block);
    Ok(())
}

fn valid_authority(value: &[u8]) -> bool {
    http::uri::Authority::try_from(value).is_ok()
}

/// A "literal header field without indexing, new name" (RFC 7541 6.2.2),
/// without Huffman coding.
fn encode_literal(block: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    block.push(0);
    for text in [name, value] {
        // Writing to a Vec cannot fail.
        let _ = hpack::encoder::encode_integer_into(text.len(), 7, 0, block);
        block.extend_from_slice(text);
    }
}

/// One HEADERS frame, then CONTINUATION frames when the block is longer
/// than a frame.
fn write_headers(out: &mut BytesMut, headers: &PendingHeaders, block: &[u8]) {
    let priority: &[u8] = headers.priority.as_ref().map_or(&[], |p| p.as_slice());
    let first_room = MAX_FRAME - priority.len();
    let (first, mut rest) = block.split_at(block.len().min(first_room));
    let mut flags = headers.flags & (END_STREAM | PRIORITY);
    if rest.is_empty() {
        flags |= END_HEADERS;
    }
    frame_header(
        out,
        priority.len() + first.len(),
        HEADERS,
        flags,
        headers.stream_id,
    );
    out.extend_from_slice(priority);
    out.extend_from_slice(first);
    while !rest.is_empty() {
        let (chunk, left) = rest.split_at(rest.len().min(MAX_FRAME));
        rest = left;
        let flags = if rest.is_empty() { END_HEADERS } else { 0 };
        frame_header(out, chunk.len(), CONTINUATION, flags, headers.stream_id);
        out.extend_from_slice(chunk);
    }
}

fn frame_header(out: &mut BytesMut, len: usize, kind: u8, flags: u8, stream_id: u32) {
    let len = (len as u32).to_be_bytes();
    out.extend_from_slice(&len[1..]);
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream_id.to_be_bytes());
}

impl<S: AsyncRead + Unpin> AsyncRead for AuthorityFix<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.out.is_empty() {
                let n = this.out.len().min(buf.remaining());
                buf.put_slice(&this.out[..n]);
                this.out.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0u8; 8192];
            let mut chunk_buf = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut chunk_buf))?;
            let filled = chunk_buf.filled();
            if filled.is_empty() {
                // A truncated frame goes to h2 as it came.
                this.eof = true;
                let raw = this.raw.split();
                this.out.extend_from_slice(&raw);
                continue;
            }
            this.raw.extend_from_slice(filled);
            this.process();
        }
    }
}

pass_writes_through!(AuthorityFix);

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    fn headers_frame(block: &[u8], flags: u8, stream_id: u32) -> Vec<u8> {
        let mut out = BytesMut::new();
        frame_header(&mut out, block.len(), HEADERS, flags, stream_id);
        out.extend_from_slice(block);
        out.to_vec()
    }

    async fn rewrite(input: Vec<u8>) -> Vec<u8> {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        client.write_all(&input).await.unwrap();
        drop(client);
        let mut fixed = AuthorityFix::new(server);
        let mut out = Vec::new();
        fixed.read_to_end(&mut out).await.unwrap();
        out
    }

    /// Decodes the HEADERS blocks of `bytes` (after the preface) with a fresh decoder.
    fn decoded_headers(bytes: &[u8]) -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut decoder = hpack::Decoder::new();
        let mut rest = &bytes[PREFACE.len()..];
        let mut blocks = Vec::new();
        while rest.len() >= FRAME_HEADER {
            let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
            if rest[3] == HEADERS {
                blocks.push(
                    decoder
                        .decode(&rest[FRAME_HEADER..FRAME_HEADER + len])
                        .unwrap(),
                );
            }
            rest = &rest[FRAME_HEADER + len..];
        }
        blocks
    }

    #[tokio::test]
    async fn invalid_authority_becomes_localhost_in_every_request() {
        let mut encoder = hpack::Encoder::new();
        let request: Vec<(&[u8], &[u8])> = vec![
            (b":method", b"POST"),
            (b":path", b"/renacer.v1.Tracer/Status"),
            (b":authority", b"tmp%2Frenacer%2Frenacer.sock"),
            (b"te", b"trailers"),
        ];
        let mut input = PREFACE.to_vec();
        // The second block refers to the first one's dynamic-table entries.
        input.extend(headers_frame(
            &encoder.encode(request.clone()),
            END_HEADERS,
            1,
        ));
        let ping = [0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        input.extend_from_slice(&ping);
        input.extend(headers_frame(
            &encoder.encode(request),
            END_HEADERS | END_STREAM,
            3,
        ));
        let out = rewrite(input).await;
        assert!(
            out.windows(ping.len()).any(|w| w == ping),
            "other frames pass unchanged"
        );
        let blocks = decoded_headers(&out);
        assert_eq!(blocks.len(), 2);
        for block in &blocks {
            let authority = block
                .iter()
                .find(|(name, _)| name == b":authority")
                .unwrap();
            assert_eq!(authority.1, b"localhost");
            assert!(
                block
                    .iter()
                    .any(|(name, value)| name == b":path" && value == b"/renacer.v1.Tracer/Status")
            );
        }
    }

    #[tokio::test]
    async fn valid_authority_and_continuations_are_kept() {
        let mut encoder = hpack::Encoder::new();
        let big = vec![b'x'; 20_000];
        let block = encoder.encode(vec![
            (&b":authority"[..], &b"renacer.invalid"[..]),
            (b"x-big", &big),
        ]);
        let (first, second) = block.split_at(100);
        let mut input = PREFACE.to_vec();
        input.extend(headers_frame(first, 0, 1));
        let mut continuation = BytesMut::new();
        frame_header(
            &mut continuation,
            second.len(),
            CONTINUATION,
            END_HEADERS,
            1,
        );
        continuation.extend_from_slice(second);
        input.extend_from_slice(&continuation);
        let out = rewrite(input).await;
        // Re-split at the frame limit: HEADERS then CONTINUATION frames.
        let mut decoder = hpack::Decoder::new();
        let mut rest = &out[PREFACE.len()..];
        let mut block = Vec::new();
        while rest.len() >= FRAME_HEADER {
            let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
            assert!(len <= MAX_FRAME);
            block.extend_from_slice(&rest[FRAME_HEADER..FRAME_HEADER + len]);
            rest = &rest[FRAME_HEADER + len..];
        }
        let fields = decoder.decode(&block).unwrap();
        assert_eq!(
            fields[0],
            (b":authority".to_vec(), b"renacer.invalid".to_vec())
        );
        assert_eq!(fields[1].1.len(), 20_000);
    }
}
