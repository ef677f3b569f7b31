//! Reading a catalog folder, from disk or from the copy embedded in the binary.
//!
//! A catalog folder holds `README.md` (its documentation, never read as an item) and one
//! folder per kind (`shifts/`, `models/`, ...), each holding `<slug>.md` item files and nothing
//! else. Anything else found there is reported as a [`Problem`] instead of being skipped, so a
//! misplaced or misnamed file never disappears without a word.
//!
//! Reading from disk is bounded, so a strange folder can neither hang the process nor exhaust
//! its memory:
//!
//! - only regular files are opened. A named pipe (FIFO), socket, device or symbolic link inside
//!   the catalog is refused from its directory entry, before anything opens it. Files are then
//!   opened non-blocking and without following links, and checked again once open, so an entry
//!   swapped in between cannot block the read either. (The catalog folder itself may be a
//!   link: an operator names it.)
//! - each file is read through a limit of [`MAX_FILE_BYTES`]; a larger one is refused.
//! - the walk is two levels deep by construction (kind folders, then their files; folders
//!   inside a kind folder are reported, not entered), visits at most [`MAX_ENTRIES`] entries
//!   and reads at most [`MAX_TOTAL_BYTES`] in all.

use std::{
    ffi::OsStr,
    fs,
    io::Read,
    path::{Path, PathBuf},
};

use super::{ContentError, Kind, Problem, SourceFile};

/// The largest item file read, in bytes (256 KiB). Item text is limited to a few thousand
/// characters by the platforms, so a larger file is a mistake, not an item.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

/// The most directory entries (files and folders, at both levels together) a catalog folder
/// may hold. The shipped catalog has under 200.
pub const MAX_ENTRIES: usize = 4096;

/// The most bytes read from one catalog folder in all (16 MiB).
pub const MAX_TOTAL_BYTES: u64 = 16 * 1024 * 1024;

/// A catalog's files as read, before they are checked: the item files, and the problems met on
/// the way (entries refused or not read).
#[derive(Default)]
pub struct Sources {
    /// The catalog folder; problems about the catalog as a whole are reported at this path.
    pub root: PathBuf,
    /// The item files, in path order.
    pub files: Vec<SourceFile>,
    /// Entries that were refused, each with why, in path order.
    pub problems: Vec<Problem>,
}

impl Sources {
    fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            ..Self::default()
        }
    }

    fn refuse(&mut self, path: PathBuf, message: impl Into<String>) {
        self.problems.push(Problem {
            path,
            line: 0,
            message: message.into(),
        });
    }

    fn finish(mut self) -> Self {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.problems.sort_by(|a, b| a.path.cmp(&b.path));
        self
    }
}

/// The folder names of every kind, for messages: "`shifts/`, `models/`, ...".
fn kind_folders() -> String {
    Kind::ALL
        .iter()
        .map(|kind| format!("`{}/`", kind.folder()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an entry at the top of the catalog belongs: a kind folder, the catalog's own
/// `README.md` (`None`), or nowhere (the message says why).
fn top_entry(name: &OsStr, is_dir: bool) -> Result<Option<Kind>, String> {
    let Some(name) = name.to_str() else {
        return Err("the name is not valid UTF-8, so it cannot be an item".into());
    };
    if is_dir {
        return Kind::ALL
            .into_iter()
            .find(|kind| kind.folder() == name)
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "`{name}/` is not a kind folder, so nothing in it would be read; item files go in {}",
                    kind_folders()
                )
            });
    }
    if name == "README.md" {
        Ok(None)
    } else if Path::new(name).extension().is_some_and(|ext| ext == "md") {
        Err(format!(
            "an item outside every kind folder is not read; move it into the folder of its kind: {}",
            kind_folders()
        ))
    } else {
        Err(format!(
            "only README.md and the kind folders belong at the top of the catalog ({})",
            kind_folders()
        ))
    }
}

/// Checks an entry inside the folder of `kind`: only `<slug>.md` files belong there.
fn item_entry(kind: Kind, name: &OsStr, is_dir: bool) -> Result<(), String> {
    let folder = kind.folder();
    if is_dir {
        return Err(format!(
            "folders inside `{folder}/` are not read; move the item files up into `{folder}/`"
        ));
    }
    let Some(name) = name.to_str() else {
        return Err("the name is not valid UTF-8, so it cannot be an item".into());
    };
    if name.ends_with(".md") && name.len() > ".md".len() {
        Ok(())
    } else {
        Err(format!(
            "only `.md` item files belong in `{folder}/`; this one would not be read"
        ))
    }
}

/// Why an entry that is neither a regular file nor a folder is refused.
fn not_regular(file_type: fs::FileType) -> String {
    let what = if file_type.is_symlink() {
        "a symbolic link"
    } else {
        special_kind(file_type)
    };
    format!("is {what}, not a regular file; the catalog reads only regular files")
}

#[cfg(unix)]
fn special_kind(file_type: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a named pipe (FIFO)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: fs::FileType) -> &'static str {
    "a special file"
}

/// The entries of one folder, sorted by name, with their types as the directory reports them
/// (links not followed). Counts them against `entries`; stops at [`MAX_ENTRIES`].
fn list(
    folder: &Path,
    entries: &mut usize,
    sources: &mut Sources,
) -> std::io::Result<Vec<(PathBuf, fs::FileType)>> {
    let mut listed = Vec::new();
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        *entries += 1;
        if *entries > MAX_ENTRIES {
            sources.refuse(
                folder.to_path_buf(),
                format!(
                    "the catalog has more than {MAX_ENTRIES} files and folders; the rest were not read"
                ),
            );
            break;
        }
        listed.push((entry.path(), entry.file_type()?));
    }
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(listed)
}

/// Reads the catalog folder `dir`: every item file in its kind folders, and a problem for each
/// entry that is refused or would be ignored (see the module documentation for the limits).
///
/// # Errors
///
/// [`ContentError::Unreadable`] when `dir` is not a folder or cannot be listed. A file or kind
/// folder that cannot be read is a problem in the result instead.
pub fn read_dir_sources(dir: &Path) -> Result<Sources, ContentError> {
    let unreadable = |reason: String| ContentError::Unreadable {
        path: dir.display().to_string(),
        reason,
    };
    let meta = fs::metadata(dir).map_err(|err| unreadable(err.to_string()))?;
    if !meta.is_dir() {
        return Err(unreadable("it is not a folder".into()));
    }
    let mut sources = Sources::new(dir);
    let mut entries = 0;
    let mut total = 0;
    let top = list(dir, &mut entries, &mut sources).map_err(|err| unreadable(err.to_string()))?;
    for (path, file_type) in top {
        let name = path.file_name().unwrap_or_default();
        let placed = if file_type.is_dir() || file_type.is_file() {
            top_entry(name, file_type.is_dir())
        } else {
            Err(not_regular(file_type))
        };
        let kind = match placed {
            Ok(Some(kind)) => kind,
            Ok(None) => continue,
            Err(message) => {
                sources.refuse(path, message);
                continue;
            }
        };
        let inside = match list(&path, &mut entries, &mut sources) {
            Ok(inside) => inside,
            Err(err) => {
                sources.refuse(path, format!("cannot read this folder: {err}"));
                continue;
            }
        };
        for (path, file_type) in inside {
            let name = path.file_name().unwrap_or_default();
            let checked = if file_type.is_dir() || file_type.is_file() {
                item_entry(kind, name, file_type.is_dir())
            } else {
                Err(not_regular(file_type))
            };
            if let Err(message) = checked {
                sources.refuse(path, message);
                continue;
            }
            match read_bounded(&path, MAX_TOTAL_BYTES - total) {
                Ok(text) => {
                    total += text.len() as u64;
                    sources.files.push(SourceFile { path, text });
                }
                Err(Refused::TotalExceeded) => {
                    sources.refuse(
                        path,
                        format!("the catalog is larger than {MAX_TOTAL_BYTES} bytes in all; this file and the rest were not read"),
                    );
                    return Ok(sources.finish());
                }
                Err(Refused::File(message)) => sources.refuse(path, message),
            }
        }
    }
    Ok(sources.finish())
}

/// Why one file was not read.
enum Refused {
    /// Reading it would pass the catalog's total limit.
    TotalExceeded,
    File(String),
}

/// Reads one regular file as UTF-8 text, at most [`MAX_FILE_BYTES`] and at most `budget` bytes.
fn read_bounded(path: &Path, budget: u64) -> Result<String, Refused> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Were the entry swapped for a FIFO or a link after it was listed, a plain open could
        // block for ever or read outside the folder.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options
        .open(path)
        .map_err(|err| Refused::File(format!("cannot be read: {err}")))?;
    let meta = file
        .metadata()
        .map_err(|err| Refused::File(format!("cannot be read: {err}")))?;
    if !meta.is_file() {
        return Err(Refused::File(not_regular(meta.file_type())));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Refused::File(too_large()));
    }
    if meta.len() > budget {
        return Err(Refused::TotalExceeded);
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES.min(budget) + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| Refused::File(format!("cannot be read: {err}")))?;
    let read = bytes.len() as u64;
    if read > MAX_FILE_BYTES {
        return Err(Refused::File(too_large()));
    }
    if read > budget {
        return Err(Refused::TotalExceeded);
    }
    utf8(bytes).map_err(Refused::File)
}

fn too_large() -> String {
    format!("is larger than {MAX_FILE_BYTES} bytes (256 KiB), the most an item file may have")
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|err| {
        format!(
            "is not UTF-8 text (the first invalid byte is at offset {})",
            err.utf8_error().valid_up_to()
        )
    })
}

/// The embedded catalog's item files, with paths as in the repository (`prompts/...`), held to
/// the same rules as a folder on disk.
pub fn embedded_sources(root: &include_dir::Dir<'static>) -> Sources {
    let base = Path::new("prompts");
    let mut sources = Sources::new(base);
    for entry in root.entries() {
        let is_dir = entry.as_dir().is_some();
        let path = base.join(entry.path());
        let name = entry.path().file_name().unwrap_or_default();
        let kind = match top_entry(name, is_dir) {
            Ok(Some(kind)) => kind,
            Ok(None) => continue,
            Err(message) => {
                sources.refuse(path, message);
                continue;
            }
        };
        let Some(folder) = entry.as_dir() else {
            continue;
        };
        for inner in folder.entries() {
            let path = base.join(inner.path());
            let name = inner.path().file_name().unwrap_or_default();
            if let Err(message) = item_entry(kind, name, inner.as_dir().is_some()) {
                sources.refuse(path, message);
                continue;
            }
            let Some(file) = inner.as_file() else {
                continue;
            };
            let len = file.contents().len() as u64;
            let text = if len > MAX_FILE_BYTES {
                Err(too_large())
            } else {
                utf8(file.contents().to_vec())
            };
            match text {
                Ok(text) => sources.files.push(SourceFile { path, text }),
                Err(message) => sources.refuse(path, message),
            }
        }
    }
    sources.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kind_folders_and_the_readme_belong_at_the_top() {
        assert_eq!(top_entry(OsStr::new("models"), true), Ok(Some(Kind::Model)));
        assert_eq!(top_entry(OsStr::new("README.md"), false), Ok(None));
        let stray = top_entry(OsStr::new("pipe.md"), false).unwrap_err();
        assert!(stray.contains("outside every kind folder"), "{stray}");
        assert!(top_entry(OsStr::new("notes"), true).is_err());
        assert!(top_entry(OsStr::new("models"), false).is_err());
        assert!(top_entry(OsStr::new("README.md"), true).is_err());
    }

    #[test]
    fn only_markdown_files_belong_in_a_kind_folder() {
        assert_eq!(
            item_entry(Kind::Model, OsStr::new("ooda.md"), false),
            Ok(())
        );
        for (name, is_dir) in [
            ("ooda.MD", false),
            ("ooda.txt", false),
            (".md", false),
            ("ooda.md", true),
        ] {
            assert!(
                item_entry(Kind::Model, OsStr::new(name), is_dir).is_err(),
                "{name}"
            );
        }
    }
}
