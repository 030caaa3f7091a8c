//! Decoding to a mono signal at the analysis sample rate.
//!
//! The decoder streams: each decoded packet is downmixed to mono and pushed through the
//! resampler at once, so only the mono 22,050 Hz signal of a file is ever held in memory.
mod decode;
mod downmix;
mod pcm;
mod resample;
mod sniff;

pub use decode::{
    decode, decode_file, decode_file_stream, decode_stream, DecodeOptions, Decoded, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE,
};
pub use downmix::{downmix_buffer, downmix_planes};
pub use pcm::{PcmFormat, PcmStream, MAX_CHANNELS};
pub use resample::StreamResampler;
pub use sniff::container_of;
