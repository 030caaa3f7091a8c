//! Recognising a container by its first bytes, to tell "not audio" from "broken audio".

/// The container whose magic bytes start `head`, if any.
pub fn container_of(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"RIFF") || starts(b"RIFX") || starts(b"RF64") {
        Some("wav")
    } else if starts(b"fLaC") {
        Some("flac")
    } else if starts(b"OggS") {
        Some("ogg")
    } else if starts(b"ID3") {
        Some("mp3")
    } else if starts(b"FORM") {
        Some("aiff")
    } else if starts(b"caff") {
        Some("caf")
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("mkv")
    } else if head.get(4..8) == Some(b"ftyp".as_slice()) {
        Some("mp4")
    } else if matches!(head, [0xFF, b, ..] if b & 0xF6 == 0xF0) {
        Some("aac")
    } else if matches!(head, [0xFF, b, ..] if b & 0xE0 == 0xE0) {
        Some("mp3")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_magics() {
        assert_eq!(container_of(b"RIFF\0\0\0\0WAVE"), Some("wav"));
        assert_eq!(container_of(b"fLaC\0"), Some("flac"));
        assert_eq!(container_of(b"OggS\0"), Some("ogg"));
        assert_eq!(container_of(b"ID3\x04"), Some("mp3"));
        assert_eq!(container_of(&[0xFF, 0xFB, 0x90]), Some("mp3"));
        assert_eq!(container_of(&[0xFF, 0xF1, 0x50]), Some("aac"));
        assert_eq!(container_of(b"\0\0\0\x20ftypM4A "), Some("mp4"));
    }

    #[test]
    fn text_is_not_audio() {
        assert_eq!(container_of(b"<html>"), None);
        assert_eq!(container_of(b""), None);
        assert_eq!(container_of(b"R"), None);
    }
}
