//! Which files `server recognize` tags: the paths given, folders walked recursively with files
//! taken by content (magic bytes), sorted, and optionally one shard of them.
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use shared::audio::container_of;
use shared::invariant::{slice, slice_mut};

/// What a run is asked to tag.
#[derive(Debug, Default, PartialEq)]
pub struct Collected {
    /// The files to tag, sorted.
    pub files: Vec<PathBuf>,
    /// Files of the folders walked that were passed over because their content is not audio.
    pub not_audio: Vec<PathBuf>,
}

/// The files to tag. A file named on the command line is always taken (a broken one gets its
/// error line); a folder's files only when their first bytes are an audio container.
pub fn collect(paths: &[PathBuf]) -> std::io::Result<Collected> {
    let mut c = Collected::default();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut c)?;
        } else {
            c.files.push(p.clone());
        }
    }
    c.files.sort();
    c.files.dedup();
    c.not_audio.sort();
    c.not_audio.dedup();
    Ok(c)
}

fn walk(dir: &Path, out: &mut Collected) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.is_file() {
            if sniffs_as_audio(&path) {
                out.files.push(path);
            } else {
                out.not_audio.push(path);
            }
        }
    }
    Ok(())
}

fn sniffs_as_audio(path: &Path) -> bool {
    let mut head = [0u8; 16];
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut n = 0;
    while n < head.len() {
        match f.read(slice_mut(&mut head, n.., "the unread head")) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    container_of(slice(&head, ..n, "the bytes read")).is_some()
}

/// Whether `path` belongs to shard `i` of `n`: by a hash of the path as written, so a shard's
/// files do not change when other files are added and every machine agrees.
pub fn in_shard(path: &Path, (i, n): (usize, usize)) -> bool {
    let digest = Sha256::digest(path.to_string_lossy().as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    (u64::from_le_bytes(first) % n as u64) as usize == i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_files() {
        let files: Vec<PathBuf> = (0..200).map(|i| PathBuf::from(format!("lib/{i}.flac"))).collect();
        let counts: Vec<usize> = (0..3).map(|i| files.iter().filter(|f| in_shard(f, (i, 3))).count()).collect();
        assert_eq!(counts.iter().sum::<usize>(), 200);
        assert!(counts.iter().all(|&c| c > 40), "{counts:?}");
        for f in &files {
            assert_eq!((0..3).filter(|&i| in_shard(f, (i, 3))).count(), 1);
        }
    }

    #[test]
    fn folders_are_walked_by_content() {
        let d = test_support::fresh_scratch_dir("collect");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/song.bin"), b"fLaC\0\0\0\x22").unwrap();
        std::fs::write(d.join("a.wav"), b"RIFF\0\0\0\0WAVEfmt ").unwrap();
        std::fs::write(d.join("notes.wav"), b"these are notes").unwrap();
        let got = collect(std::slice::from_ref(&d)).unwrap();
        assert_eq!(got.files, vec![d.join("a.wav"), d.join("sub/song.bin")]);
        assert_eq!(got.not_audio, vec![d.join("notes.wav")]);
        // Named explicitly, a non-audio file is still taken (and will report its error).
        let named = collect(&[d.join("notes.wav")]).unwrap();
        assert_eq!((named.files, named.not_audio), (vec![d.join("notes.wav")], vec![]));
        std::fs::remove_dir_all(&d).ok();
    }
}
