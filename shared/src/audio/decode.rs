//! symphonia decoding of any supported container and codec into a mono signal at a target rate.

use std::io::ErrorKind;
use std::path::Path;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadBytes, SeekBuffered};
use symphonia::core::meta::MetadataOptions;

use super::sniff::container_of;
use super::{downmix_buffer, StreamResampler};
use crate::{Error, Result};

/// Lowest source sample rate accepted. Below it there is no music to analyse.
pub const MIN_SAMPLE_RATE: u32 = 1_000;
/// Highest source sample rate accepted (twice the highest rate in common studio use).
pub const MAX_SAMPLE_RATE: u32 = 768_000;
/// Consecutive undecodable packets tolerated before a stream is called corrupt. Players skip a
/// damaged packet or two; a stream made of nothing else is not audio.
const MAX_CONSECUTIVE_DECODE_ERRORS: usize = 16;

/// What the caller knows about the input and how much of it to accept.
#[derive(Debug, Clone, Default)]
pub struct DecodeOptions {
    /// File extension (without the dot), to help the format probe.
    pub extension: Option<String>,
    /// MIME type, e.g. from an HTTP `Content-Type`, to help the format probe.
    pub mime_type: Option<String>,
    /// Stop with [`Error::TooLong`] as soon as more than this many seconds have been decoded.
    pub max_seconds: Option<f64>,
}

/// A decoded clip: mono, at the requested rate.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Mono samples at `sample_rate`.
    pub samples: Vec<f32>,
    /// The rate of `samples`.
    pub sample_rate: u32,
    /// The sample rate of the source.
    pub source_sample_rate: u32,
    /// The channel count of the source.
    pub source_channels: usize,
    /// Frames decoded from the source (at its own rate).
    pub source_frames: u64,
}

impl Decoded {
    /// Duration of the source in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.source_frames as f64 / self.source_sample_rate as f64
    }
}

/// Where a streaming decode hands its samples; an error stops the decode with it.
pub type Sink<'a> = dyn FnMut(&[f32]) -> Result<()> + 'a;

/// Decodes a file; the extension of `path` is used as a probe hint.
pub fn decode_file(path: &Path, target_rate: u32, opts: &DecodeOptions) -> Result<Decoded> {
    let (file, opts) = open_file(path, opts)?;
    decode(Box::new(file), target_rate, &opts)
}

/// Opens a non-empty file, with its extension as the probe hint unless `opts` has one.
fn open_file(path: &Path, opts: &DecodeOptions) -> Result<(std::fs::File, DecodeOptions)> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Err(Error::Empty);
    }
    let mut opts = opts.clone();
    if opts.extension.is_none() {
        opts.extension = path.extension().and_then(|e| e.to_str()).map(str::to_owned);
    }
    Ok((file, opts))
}

/// Decodes `source` to mono at `target_rate`, streaming: packets are downmixed and resampled as
/// they are decoded.
pub fn decode(source: Box<dyn MediaSource>, target_rate: u32, opts: &DecodeOptions) -> Result<Decoded> {
    open(source, target_rate, opts, false)?.run(None)
}

/// Decodes `source` as [`decode`] does, but hands the resampled samples to `sink` piece by piece
/// instead of keeping them, so memory stays bounded whatever the duration; the returned
/// [`Decoded`] has no samples. The pieces joined are exactly what [`decode`] returns.
pub fn decode_stream(
    source: Box<dyn MediaSource>,
    target_rate: u32,
    opts: &DecodeOptions,
    sink: &mut Sink<'_>,
) -> Result<Decoded> {
    open(source, target_rate, opts, true)?.run(Some(sink))
}

/// [`decode_stream`] of a file (its extension a probe hint).
pub fn decode_file_stream(
    path: &Path,
    target_rate: u32,
    opts: &DecodeOptions,
    sink: &mut dyn FnMut(&[f32]) -> Result<()>,
) -> Result<Decoded> {
    let (file, opts) = open_file(path, opts)?;
    decode_stream(Box::new(file), target_rate, &opts, sink)
}

/// Probes `source` and starts its decoder; `streaming` decodes keep no whole-signal buffer.
fn open(
    source: Box<dyn MediaSource>,
    target_rate: u32,
    opts: &DecodeOptions,
    streaming: bool,
) -> Result<Decoding<'static>> {
    if source.byte_len() == Some(0) {
        return Err(Error::Empty);
    }
    let mut mss = MediaSourceStream::new(source, Default::default());
    let container = sniff(&mut mss)?;
    let mut hint = Hint::new();
    if let Some(ext) = &opts.extension {
        hint.with_extension(ext);
    }
    if let Some(mime) = &opts.mime_type {
        hint.mime_type(mime);
    }
    let format = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| probe_error(e, container))?;
    Decoding::open(format, target_rate, opts, streaming)
}

/// Reads the first bytes without consuming them; `Empty` if there are none.
fn sniff(mss: &mut MediaSourceStream<'_>) -> Result<Option<&'static str>> {
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match mss.read_buf(crate::invariant::slice_mut(&mut head, n.., "the unread head")) {
            Ok(0) => break,
            Ok(got) => n += got,
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(Error::Io(e)),
        }
    }
    if n == 0 {
        return Err(Error::Empty);
    }
    mss.seek_buffered_rel(-(n as isize));
    Ok(container_of(crate::invariant::slice(&head, ..n, "the bytes read")))
}

/// Maps a probe failure. Data that starts like a known container but cannot be opened is
/// truncated or corrupt audio, not an unknown format.
fn probe_error(e: SymError, container: Option<&'static str>) -> Error {
    match (e, container) {
        (SymError::IoError(io), Some(c)) if io.kind() == ErrorKind::UnexpectedEof => {
            Error::Truncated(format!("the data ends inside the {c} header"))
        }
        (SymError::IoError(io), None) if io.kind() == ErrorKind::UnexpectedEof => {
            Error::UnknownFormat("the data ends before any known audio header".into())
        }
        (SymError::IoError(io), _) => Error::Io(io),
        (SymError::Unsupported(what), Some(c)) => {
            Error::Corrupt(format!("looks like {c} but cannot be opened: {what}"))
        }
        (SymError::Unsupported(what), None) => Error::UnknownFormat(what.into()),
        (SymError::DecodeError(what), _) => Error::Corrupt(format!("bad container header: {what}")),
        (SymError::LimitError(what), _) => Error::Corrupt(format!("container exceeds a limit: {what}")),
        (other, _) => Error::Corrupt(other.to_string()),
    }
}

fn check_rate(rate: u32) -> Result<u32> {
    match rate {
        0 => Err(Error::ZeroSampleRate),
        r if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&r) => {
            Err(Error::UnsupportedSampleRate { rate: r, min: MIN_SAMPLE_RATE, max: MAX_SAMPLE_RATE })
        }
        r => Ok(r),
    }
}

/// The state of one decode: reader, decoder, resampler and counters.
struct Decoding<'a> {
    format: Box<dyn FormatReader + 'a>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    declared_frames: Option<u64>,
    limit_seconds: f64,
    max_frames: Option<u64>,
    rate: Option<u32>,
    target_rate: u32,
    channels: usize,
    frames: u64,
    resampler: Option<StreamResampler>,
    mono: Vec<f32>,
    /// The output is handed out as it comes: no room is reserved for the whole signal.
    streaming: bool,
}

impl<'a> Decoding<'a> {
    fn open(
        format: Box<dyn FormatReader + 'a>,
        target_rate: u32,
        opts: &DecodeOptions,
        streaming: bool,
    ) -> Result<Self> {
        let track = format.default_track(TrackType::Audio).ok_or(Error::NoAudioTrack)?;
        let params = track.codec_params.as_ref().and_then(|p| p.audio()).ok_or(Error::NoAudioTrack)?.clone();
        let rate = params.sample_rate.map(check_rate).transpose()?;
        if params.channels.as_ref().is_some_and(|c| c.count() == 0) {
            return Err(Error::NoChannels);
        }
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| match e {
                SymError::Unsupported(_) => {
                    Error::UnsupportedCodec(format!("codec id {} has no decoder in this build", params.codec))
                }
                other => Error::Corrupt(format!("cannot start the decoder: {other}")),
            })?;
        let mut decoding = Self {
            track_id: track.id,
            declared_frames: track.num_frames,
            format,
            decoder,
            limit_seconds: opts.max_seconds.unwrap_or(f64::INFINITY),
            max_frames: None,
            rate: None,
            target_rate,
            channels: 0,
            frames: 0,
            resampler: None,
            mono: Vec::new(),
            streaming,
        };
        if let Some(r) = rate {
            decoding.set_rate(r)?;
        }
        Ok(decoding)
    }

    fn set_rate(&mut self, rate: u32) -> Result<()> {
        let rate = check_rate(rate)?;
        self.rate = Some(rate);
        if self.limit_seconds.is_finite() {
            self.max_frames = Some((self.limit_seconds * rate as f64).floor().max(0.0) as u64);
        }
        let mut resampler = StreamResampler::new(rate, self.target_rate)?;
        if let Some(declared) = self.declared_frames.filter(|_| !self.streaming) {
            // Trust the header only as far as the duration limit allows.
            let cap = self.max_frames.unwrap_or(rate as u64 * 3600);
            resampler.reserve_for_input(declared.min(cap) as usize);
        }
        self.resampler = Some(resampler);
        Ok(())
    }

    fn run(mut self, mut sink: Option<&mut Sink<'_>>) -> Result<Decoded> {
        let mut piece = Vec::new();
        let mut consecutive_errors = 0usize;
        let mut last_error = String::new();
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) | Err(SymError::ResetRequired) => break,
                Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                    return Err(self.truncated("the stream ends inside a packet"));
                }
                Err(SymError::IoError(e)) => return Err(Error::Io(e)),
                Err(SymError::DecodeError(what)) => {
                    return Err(Error::Corrupt(format!("malformed container: {what}")));
                }
                Err(other) => return Err(Error::Corrupt(other.to_string())),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let mono = &mut self.mono;
            mono.clear();
            let decoded = self.decoder.decode(&packet).map(|buf| {
                let channels = downmix_buffer(&buf, mono);
                (channels, buf.spec().rate(), buf.frames() as u64)
            });
            match decoded {
                Ok((channels, rate, frames)) => {
                    consecutive_errors = 0;
                    self.accept(channels, rate, frames)?;
                    if let (Some(sink), Some(r)) = (sink.as_mut(), self.resampler.as_mut()) {
                        r.take_output(&mut piece);
                        if !piece.is_empty() {
                            sink(&piece)?;
                            piece.clear();
                        }
                    }
                }
                Err(SymError::DecodeError(what)) => {
                    consecutive_errors += 1;
                    last_error = what.to_string();
                    if consecutive_errors > MAX_CONSECUTIVE_DECODE_ERRORS {
                        return Err(Error::Corrupt(format!(
                            "{consecutive_errors} packets in a row failed to decode: {what}"
                        )));
                    }
                }
                Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                    return Err(self.truncated("a packet ends early"));
                }
                Err(SymError::Unsupported(what)) => return Err(Error::UnsupportedCodec(what.into())),
                Err(other) => return Err(Error::Corrupt(other.to_string())),
            }
        }
        let mut decoded = self.finish(consecutive_errors, &last_error)?;
        if let Some(sink) = sink {
            sink(&decoded.samples)?;
            decoded.samples = Vec::new();
        }
        Ok(decoded)
    }

    /// Takes the packet just downmixed into `self.mono`.
    fn accept(&mut self, channels: usize, rate: u32, frames: u64) -> Result<()> {
        if channels == 0 {
            return Err(Error::NoChannels);
        }
        if self.rate.is_none() {
            self.set_rate(rate)?;
        }
        self.channels = channels;
        self.frames += frames;
        if self.max_frames.is_some_and(|m| self.frames > m) {
            return Err(Error::TooLong { limit_seconds: self.limit_seconds });
        }
        match self.resampler.as_mut() {
            Some(r) => r.push(&self.mono),
            None => Err(Error::ZeroSampleRate),
        }
    }

    fn finish(self, consecutive_errors: usize, last_error: &str) -> Result<Decoded> {
        if self.frames == 0 {
            return Err(if consecutive_errors > 0 {
                Error::Corrupt(format!("no packet could be decoded: {last_error}"))
            } else {
                Error::NoSamples
            });
        }
        if let Some(declared) = self.declared_frames {
            // Container headers round to whole packets; a shortfall of more than a quarter
            // second is data that is missing, not padding.
            let tolerance = self.rate.map_or(0, |r| r as u64 / 4);
            if self.frames + tolerance < declared {
                return Err(self.truncated("the stream ends early"));
            }
        }
        // Both are set before the first frame is counted, so with frames > 0 they exist.
        let (Some(rate), Some(resampler)) = (self.rate, self.resampler) else {
            return Err(Error::NoSamples);
        };
        Ok(Decoded {
            samples: resampler.finish()?,
            sample_rate: self.target_rate,
            source_sample_rate: rate,
            source_channels: self.channels,
            source_frames: self.frames,
        })
    }

    fn truncated(&self, what: &str) -> Error {
        let declared = self.declared_frames.map(|d| format!(" of {d} declared")).unwrap_or_default();
        Error::Truncated(format!("{what} after {} frames{declared}", self.frames))
    }
}
