//! The score of a piece: timed MIDI events, the piece they make, and the notes one of its
//! channels plays. Composing ([`super::music`]) writes it; rendering ([`super::render`]) and the
//! real sampler ([`super::real`]) read it.

/// A MIDI message at a time in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub time: f64,
    pub channel: u8,
    pub command: u8,
    pub data1: u8,
    pub data2: u8,
}

/// A composed piece.
#[derive(Debug, Clone)]
pub struct Piece {
    pub events: Vec<Event>,
    pub seconds: f64,
    /// The labelled (predominant) instruments.
    pub leads: Vec<&'static str>,
    pub drums: bool,
}

impl Piece {
    /// The piece with only the events of the channels `keep` accepts (a lead taken out to be
    /// played by a real recording, a backing part rendered on its own).
    pub fn channels(&self, keep: impl Fn(u8) -> bool) -> Piece {
        Piece { events: self.events.iter().filter(|e| keep(e.channel)).copied().collect(), ..self.clone() }
    }
}

/// One note of a melody.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Note {
    pub start: f64,
    pub length: f64,
    pub midi: u8,
    pub velocity: u8,
}

/// The notes `channel` plays in `piece`: each note-on paired with the next note-off of its key.
pub fn notes_of(piece: &Piece, channel: u8) -> Vec<Note> {
    let mut notes = Vec::new();
    for (i, on) in piece.events.iter().enumerate() {
        if on.channel != channel || on.command != 0x90 || on.data2 == 0 {
            continue;
        }
        let end = piece.events[i + 1..]
            .iter()
            .find(|e| {
                e.channel == channel
                    && e.data1 == on.data1
                    && (e.command == 0x80 || (e.command == 0x90 && e.data2 == 0))
            })
            .map_or(piece.seconds, |e| e.time);
        notes.push(Note { start: on.time, length: (end - on.time).max(0.05), midi: on.data1, velocity: on.data2 });
    }
    notes
}
