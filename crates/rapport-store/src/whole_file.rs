//! Files that appear whole: an export, a report, a backup is written to a temporary file and
//! only then put in place, so a failed run leaves the previous file (or none), never part of
//! one.
//!
//! Put in place means renamed over the target — except where the target exists and is not a
//! regular file: `/dev/null`, `/dev/stdout`, a named pipe. Renaming over those replaces the
//! device or the pipe with a plain file (run as root, `/dev/null` itself, for every program
//! on the machine); such a target gets the finished file's bytes written into it instead. A
//! symbolic link is followed: the file it points to is replaced (or made, if it is missing)
//! and the link stays.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file being written for `target`; nothing reaches the target before [`WholeFile::finish`].
#[derive(Debug)]
pub struct WholeFile {
    partial: NamedTempFile,
    target: PathBuf,
    /// The target is a device or a pipe: written into, never renamed over.
    special: bool,
}

impl WholeFile {
    /// A new empty temporary file for `path`: beside the file it names (symbolic links
    /// followed), so the rename stays on one file system; in the system's temporary folder
    /// for a device or a pipe.
    pub fn create(path: &Path) -> io::Result<WholeFile> {
        let (target, special) = match fs::metadata(path) {
            Ok(found) if found.is_file() => (fs::canonicalize(path)?, false),
            Ok(_) => (path.to_owned(), true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => (end_of_links(path)?, false),
            Err(e) => return Err(e),
        };
        let folder = match target.parent() {
            _ if special => std::env::temp_dir(),
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let partial = tempfile::Builder::new()
            .prefix(".rapport-")
            .suffix(".partial")
            .tempfile_in(folder)?;
        Ok(WholeFile {
            partial,
            target,
            special,
        })
    }

    /// The temporary file, to write to.
    pub fn file(&self) -> &File {
        self.partial.as_file()
    }

    /// The temporary file's path, for writers that open it themselves (`VACUUM INTO`).
    pub fn path(&self) -> &Path {
        self.partial.path()
    }

    /// Puts the finished file in place: synced and renamed over the target, or copied into a
    /// device or pipe. Dropping a `WholeFile` instead deletes the temporary file.
    pub fn finish(self) -> io::Result<()> {
        if self.special {
            let mut target = OpenOptions::new().write(true).open(&self.target)?;
            io::copy(&mut File::open(self.partial.path())?, &mut target)?;
            return Ok(());
        }
        self.partial.as_file().sync_all()?;
        self.partial.persist(&self.target).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Where `path`, which leads to no file, should have one: the end of its chain of symbolic
/// links (the link stays and names the new file), or `path` itself.
fn end_of_links(path: &Path) -> io::Result<PathBuf> {
    let mut at = path.to_owned();
    // As many links as Linux follows.
    for _ in 0..40 {
        match fs::read_link(&at) {
            // Relative to the link's folder; an absolute one replaces it.
            Ok(to) => {
                at = at
                    .parent()
                    .map_or_else(|| to.clone(), |folder| folder.join(&to))
            }
            // Not a link (EINVAL), or nothing there: the end.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::InvalidInput | io::ErrorKind::NotFound
                ) =>
            {
                return Ok(at);
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::unix::fs::FileTypeExt;
    use std::process::Command;

    use super::*;

    fn write(path: &Path, text: &str) -> io::Result<()> {
        let out = WholeFile::create(path)?;
        out.file().write_all(text.as_bytes())?;
        out.finish()
    }

    #[test]
    fn a_file_appears_only_when_finished_and_replaces_the_one_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.csv");
        fs::write(&path, "old").unwrap();
        let out = WholeFile::create(&path).unwrap();
        out.file().write_all(b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        out.finish().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        // An unfinished one leaves nothing behind.
        drop(WholeFile::create(&dir.path().join("other.csv")).unwrap());
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn a_symbolic_link_stays_and_its_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        let link = dir.path().join("link.csv");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, "new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_symbolic_link_to_a_missing_file_stays_and_the_file_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("gone.db");
        let link = dir.path().join("link.db");
        let hop = dir.path().join("hop.db");
        std::os::unix::fs::symlink("gone.db", &hop).unwrap();
        std::os::unix::fs::symlink(&hop, &link).unwrap();
        write(&link, "restored").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert!(fs::symlink_metadata(&hop).unwrap().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "restored");
    }

    #[test]
    fn a_named_pipe_gets_the_bytes_and_stays_a_pipe() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe");
        let made = Command::new("mkfifo").arg(&pipe).status().unwrap();
        assert!(made.success());
        let reader = {
            let pipe = pipe.clone();
            std::thread::spawn(move || {
                let mut text = String::new();
                File::open(pipe).unwrap().read_to_string(&mut text).unwrap();
                text
            })
        };
        write(&pipe, "through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(fs::metadata(&pipe).unwrap().file_type().is_fifo());
        // Its temporary file was not left beside it.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
