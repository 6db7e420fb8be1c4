//! Files the program writes (`export -o FILE`, the screen's `x`/`X`): readable by the user only,
//! never written through a symbolic link, never over a file nobody asked to replace, and in place
//! only once complete.
//!
//! Every file is written as `NAME.partial` (created new, mode 0600) beside its final name, and
//! moved there when the export succeeded: a failed or interrupted export leaves the final name as
//! it was, and what it wrote in the `.partial` file (cut after the last whole record).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The suffix of a file being written.
pub const PARTIAL: &str = "partial";

/// Where `export -o FILE` writes.
#[derive(Debug)]
pub enum Output {
    /// A file written beside FILE and renamed over it when complete.
    File(OutputFile),
    /// A device or a named pipe (`/dev/null`, `/dev/stdout`, a FIFO): written directly, since it
    /// cannot be replaced.
    Device { file: File, path: PathBuf },
}

/// What to do with the final name when the file is complete.
#[derive(Debug)]
enum Finish {
    /// `-o FILE`: replace FILE, or create it. The replacement keeps FILE's permissions; a new
    /// file stays 0600.
    Replace {
        permissions: Option<std::fs::Permissions>,
    },
    /// The screen's export: a new file, under a numbered name when the name is taken.
    NewFile,
}

/// A file being written under its `.partial` name.
#[derive(Debug)]
pub struct OutputFile {
    file: File,
    partial: PathBuf,
    target: PathBuf,
    finish: Finish,
}

/// Opens the output of `export -o path`: what cannot be written is said here, before any
/// request. A symbolic link is refused unless it leads to a device or a pipe (`/dev/stdout`).
pub fn for_export(path: &Path) -> Result<Output, String> {
    let shown = path.display();
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot use {shown} as the output: {e}")),
    };
    let permissions = match meta {
        None => None,
        Some(m) if m.file_type().is_symlink() => {
            return match std::fs::metadata(path) {
                Ok(t) if is_device(&t) => open_device(path),
                _ => Err(format!(
                    "{shown} is a symbolic link: convoscope does not write through links; give \
                     the path of the file itself"
                )),
            };
        }
        Some(m) if m.is_dir() => return Err(format!("{shown} is a directory")),
        Some(m) if m.is_file() => Some(m.permissions()),
        Some(_) => return open_device(path),
    };
    let partial = create_partial(path).map_err(|e| {
        format!(
            "cannot create {} ({e}): the export is written beside {shown} and renamed over it \
             when it succeeds, so its directory must be writable",
            partial_name(path, 0).display()
        )
    })?;
    Ok(Output::File(OutputFile {
        file: partial.0,
        partial: partial.1,
        target: path.to_path_buf(),
        finish: Finish::Replace { permissions },
    }))
}

fn is_device(m: &std::fs::Metadata) -> bool {
    !m.is_file() && !m.is_dir()
}

fn open_device(path: &Path) -> Result<Output, String> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Output::Device {
        file,
        path: path.to_path_buf(),
    })
}

impl OutputFile {
    /// A new file at `path` (the screen's export): written as `path.partial`, then given `path`,
    /// or `name-2.ext`, `name-3.ext`… when that is taken by then.
    pub fn create_new(path: &Path) -> io::Result<OutputFile> {
        let (file, partial) = create_partial(path)?;
        Ok(OutputFile {
            file,
            partial,
            target: path.to_path_buf(),
            finish: Finish::NewFile,
        })
    }

    /// The file to write to.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Where it is being written.
    pub fn partial(&self) -> &Path {
        &self.partial
    }

    /// The name it gets when complete (for the screen's export, possibly numbered then).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether the final name held a file when the export started.
    pub fn replaces(&self) -> bool {
        matches!(
            self.finish,
            Finish::Replace {
                permissions: Some(_)
            }
        )
    }

    /// The export succeeded: the file, on disk, takes its final name. Returns that name.
    pub fn commit(self) -> io::Result<PathBuf> {
        if let Finish::Replace {
            permissions: Some(p),
        } = &self.finish
        {
            self.file.set_permissions(p.clone())?;
        }
        self.file.sync_all()?;
        let done = match self.finish {
            Finish::Replace { .. } => {
                std::fs::rename(&self.partial, &self.target)?;
                self.target.clone()
            }
            Finish::NewFile => link_new(&self.partial, &self.target)?,
        };
        sync_dir(&done);
        Ok(done)
    }

    /// The export failed or was interrupted: the final name stays as it was. What was written
    /// stays in the `.partial` file, cut after `whole` bytes (the last whole record), and its name
    /// is returned; with `whole` 0 (nothing written) the partial file is removed.
    pub fn keep_partial(self, whole: u64) -> io::Result<Option<PathBuf>> {
        if whole == 0 {
            std::fs::remove_file(&self.partial)?;
            return Ok(None);
        }
        if self.file.metadata()?.len() > whole {
            self.file.set_len(whole)?;
        }
        self.file.sync_all()?;
        Ok(Some(self.partial))
    }
}

/// `path.partial`, or `path.partial-2`, `-3`… for the `n`th try.
fn partial_name(path: &Path, n: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(PARTIAL);
    if n > 0 {
        s.push(format!("-{}", n + 1));
    }
    PathBuf::from(s)
}

/// `name.ext`, then `name-2.ext`, `name-3.ext`… for the `n`th try.
pub fn numbered(path: &Path, n: usize) -> PathBuf {
    if n == 0 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{}.{}", n + 1, ext.to_string_lossy()),
        None => format!("{stem}-{}", n + 1),
    };
    path.with_file_name(name)
}

/// How many numbered names are tried before giving up.
const TRIES: usize = 1000;

/// Creates a new `.partial` file for `path`, readable by the user only; never opens an existing
/// file or follows a link (create-new).
fn create_partial(path: &Path) -> io::Result<(File, PathBuf)> {
    for n in 0..TRIES {
        let p = partial_name(path, n);
        match create_private(&p) {
            Ok(f) => return Ok((f, p)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "every numbered name is taken",
    ))
}

/// A new file, mode 0600: it fails when anything (a file, a link) has the name.
fn create_private(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// Gives `from` the name `to`, or a numbered one when taken, never replacing a file: a hard link
/// fails rather than replace (where links are not supported: a rename when the name is free).
fn link_new(from: &Path, to: &Path) -> io::Result<PathBuf> {
    for n in 0..TRIES {
        let name = numbered(to, n);
        match std::fs::hard_link(from, &name) {
            Ok(()) => {
                std::fs::remove_file(from)?;
                return Ok(name);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(_) => {
                if std::fs::symlink_metadata(&name).is_ok() {
                    continue;
                }
                std::fs::rename(from, &name)?;
                return Ok(name);
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "every numbered name is taken",
    ))
}

/// Makes a rename durable (best effort: not every system can open a directory).
fn sync_dir(file: &Path) {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        #[cfg(unix)]
        return std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        #[cfg(not(unix))]
        0o600
    }

    fn file(o: Output) -> OutputFile {
        match o {
            Output::File(f) => f,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn a_new_output_appears_only_when_complete_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let f = file(for_export(&target).unwrap());
        assert!(!target.exists());
        assert_eq!(f.partial(), dir.path().join("out.csv.partial"));
        f.file().write_all(b"a\n").unwrap();
        assert_eq!(f.commit().unwrap(), target);
        assert_eq!(std::fs::read(&target).unwrap(), b"a\n");
        assert_eq!(mode(&target), 0o600);
        assert!(!dir.path().join("out.csv.partial").exists());
    }

    #[test]
    fn a_failed_export_leaves_the_file_and_keeps_whole_records_as_partial() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.ndjson");
        std::fs::write(&target, b"old\n").unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let f = file(for_export(&target).unwrap());
        assert!(f.replaces());
        f.file().write_all(b"{\"a\":1}\n{\"b\":").unwrap();
        let kept = f.keep_partial(8).unwrap().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"old\n");
        assert_eq!(std::fs::read(&kept).unwrap(), b"{\"a\":1}\n");
        assert_eq!(mode(&kept), 0o600);
        // Nothing written: no partial file left behind; a taken .partial gets a number.
        let f = file(for_export(&target).unwrap());
        assert_eq!(f.partial(), dir.path().join("out.ndjson.partial-2"));
        assert_eq!(f.keep_partial(0).unwrap(), None);
        assert!(!dir.path().join("out.ndjson.partial-2").exists());
        // Replaced on success, keeping its permissions.
        let f = file(for_export(&target).unwrap());
        f.file().write_all(b"new\n").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new\n");
        assert_eq!(mode(&target), 0o644);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_and_devices_written_directly() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("bashrc");
        std::fs::write(&secret, b"keep me\n").unwrap();
        let link = dir.path().join("out.csv");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        let e = for_export(&link).unwrap_err();
        assert!(e.contains("is a symbolic link"), "{e}");
        assert_eq!(std::fs::read(&secret).unwrap(), b"keep me\n");
        let e = for_export(dir.path()).unwrap_err();
        assert!(e.contains("is a directory"), "{e}");
        assert!(matches!(
            for_export(Path::new("/dev/null")),
            Ok(Output::Device { .. })
        ));
        let dev = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &dev).unwrap();
        assert!(matches!(for_export(&dev), Ok(Output::Device { .. })));
        let e = for_export(&dir.path().join("no/such/dir/out.csv")).unwrap_err();
        assert!(
            e.contains("cannot create") && e.contains("out.csv.partial"),
            "{e}"
        );
    }

    #[test]
    fn new_files_never_replace_one_and_get_numbered_names() {
        let dir = tempfile::tempdir().unwrap();
        let name = dir.path().join("convoscope-20261124-101010.csv");
        let a = OutputFile::create_new(&name).unwrap();
        let b = OutputFile::create_new(&name).unwrap();
        a.file().write_all(b"a").unwrap();
        b.file().write_all(b"b").unwrap();
        let (pa, pb) = (a.commit().unwrap(), b.commit().unwrap());
        assert_eq!(pa, name);
        assert_eq!(pb, dir.path().join("convoscope-20261124-101010-2.csv"));
        assert_eq!(std::fs::read(&pa).unwrap(), b"a");
        assert_eq!(std::fs::read(&pb).unwrap(), b"b");
        assert_eq!(mode(&pb), 0o600);
        // A link planted under the name is neither followed nor replaced.
        #[cfg(unix)]
        {
            let target = dir.path().join("victim");
            std::fs::write(&target, b"victim").unwrap();
            let planted = dir.path().join("x.csv");
            std::os::unix::fs::symlink(&target, &planted).unwrap();
            let c = OutputFile::create_new(&planted).unwrap();
            c.file().write_all(b"c").unwrap();
            assert_eq!(c.commit().unwrap(), dir.path().join("x-2.csv"));
            assert_eq!(std::fs::read(&target).unwrap(), b"victim");
            assert!(std::fs::symlink_metadata(&planted).unwrap().is_symlink());
        }
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
