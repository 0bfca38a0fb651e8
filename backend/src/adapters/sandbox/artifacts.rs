//! The files a run leaves in `/runner/out` (SPEC §12). The engine cannot read a
//! container's tmpfs (`docker cp` sees the folder empty), so the loader sends them: a tar
//! archive after its end marker, written when nothing of the script runs any more. Only
//! regular files are taken: a symlink or a device is ignored, so a script cannot make the
//! server read anything outside the folder; names are sanitised, and the count and the
//! total size are capped.
use std::io::Read;

/// One file a run left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub name: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct ArtifactLimits {
    /// The size of the `/runner/out` tmpfs, and so of all the files together.
    pub max_bytes: u64,
    pub max_files: usize,
}

impl Default for ArtifactLimits {
    fn default() -> Self {
        Self { max_bytes: 32 * 1024 * 1024, max_files: 100 }
    }
}

const MAX_NAME_CHARS: usize = 120;

/// The largest archive of a run's files the loader may send: the tmpfs's bytes plus the
/// tar framing (a header and padding per file).
pub(super) fn archive_limit(limits: &ArtifactLimits) -> usize {
    limits.max_bytes as usize + 4096 + (limits.max_files + 16) * 2048 + 1024 * 1024
}

/// The files of the archive the loader sent after its report, off the async threads.
pub(super) async fn read(archive: Vec<u8>, limits: &ArtifactLimits) -> Result<Vec<Artifact>, String> {
    if archive.is_empty() {
        return Ok(Vec::new());
    }
    let limits = limits.clone();
    tokio::task::spawn_blocking(move || read_archive(&archive, &limits))
        .await
        .map_err(|err| err.to_string())?
}

/// The regular files of a tar archive of `out/`, sanitised, at most `max_files` of them
/// (by name) and `max_bytes` in all.
fn read_archive(archive: &[u8], limits: &ArtifactLimits) -> Result<Vec<Artifact>, String> {
    let mut files = Vec::new();
    let mut total = 0u64;
    let mut entries = tar::Archive::new(archive);
    for entry in entries.entries().map_err(|err| err.to_string())? {
        let mut entry = entry.map_err(|err| err.to_string())?;
        if !matches!(entry.header().entry_type(), tar::EntryType::Regular | tar::EntryType::Continuous) {
            continue;
        }
        let Some(name) = entry.path().ok().and_then(|path| sanitise(&path)) else { continue };
        // A file that would pass the limit (one cut short by the full folder does) is
        // refused; smaller ones after it may still fit.
        if total + entry.size() > limits.max_bytes {
            continue;
        }
        total += entry.size();
        let mut content = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut content).map_err(|err| err.to_string())?;
        files.push(Artifact { name, content });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files.dedup_by(|a, b| a.name == b.name);
    files.truncate(limits.max_files);
    Ok(files)
}

/// `out/plots/a b.png` → `plots_a_b.png`: the path below `out/`, with every character but
/// letters, digits, `.`, `-` and `_` replaced, no leading dot, at most 120 characters.
fn sanitise(path: &std::path::Path) -> Option<String> {
    let below: Vec<String> =
        path.components().skip(1).map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
    let joined = below.join("_");
    let cleaned: String = joined
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    let cleaned: String = cleaned.chars().take(MAX_NAME_CHARS).collect();
    (!cleaned.is_empty() && cleaned != "..").then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, kind, content) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            if *kind == tar::EntryType::Symlink {
                header.set_link_name("/etc/passwd").unwrap();
            }
            header.set_path(path).unwrap();
            header.set_cksum();
            builder.append(&header, *content).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn only_regular_files_are_taken_with_clean_names() {
        let tar = archive(&[
            ("out/", tar::EntryType::Directory, b""),
            ("out/table.csv", tar::EntryType::Regular, b"a,b\n1,2\n"),
            ("out/plots/my plot.png", tar::EntryType::Regular, b"\x89PNG"),
            ("out/passwd", tar::EntryType::Symlink, b""),
            ("out/pipe", tar::EntryType::Fifo, b""),
            ("out/.hidden", tar::EntryType::Regular, b"h"),
        ]);
        let files = read_archive(&tar, &ArtifactLimits::default()).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["hidden", "plots_my_plot.png", "table.csv"]);
        assert_eq!(files[2].content, b"a,b\n1,2\n");
    }

    #[test]
    fn the_count_and_the_total_size_are_capped() {
        let names: Vec<String> = (0..5).map(|n| format!("out/f{n}.txt")).collect();
        let entries: Vec<(&str, tar::EntryType, &[u8])> =
            names.iter().map(|n| (n.as_str(), tar::EntryType::Regular, &b"12345"[..])).collect();
        let tar = archive(&entries);
        let few = read_archive(&tar, &ArtifactLimits { max_bytes: 1000, max_files: 3 }).unwrap();
        assert_eq!(few.len(), 3);
        let small = read_archive(&tar, &ArtifactLimits { max_bytes: 12, max_files: 100 }).unwrap();
        assert_eq!(small.len(), 2, "the third file would pass 12 bytes");
        let mixed = archive(&[
            ("out/a-big.bin", tar::EntryType::Regular, &[b'x'; 20][..]),
            ("out/b-small.txt", tar::EntryType::Regular, b"ok"),
        ]);
        let kept = read_archive(&mixed, &ArtifactLimits { max_bytes: 12, max_files: 100 }).unwrap();
        assert_eq!(kept.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["b-small.txt"]);
    }
}
