//! Files and folders the service writes are private to the account it runs as: folders are
//! created `0700` and files `0600`, whatever the process's umask, and ones that already exist
//! with wider permissions are narrowed when the service opens them.
//!
//! What is covered: the data folder, the embedded SQLite database with its `-wal` and `-shm`
//! companions (SQLite gives those the database file's permissions), and the console's export
//! folder and files. On platforms other than Unix permissions are left to the system.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::Path,
};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Permission bits for folders the service creates: the owner only.
pub const DIR_MODE: u32 = 0o700;
/// Permission bits for files the service creates: the owner reads and writes.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents with [`DIR_MODE`], and narrows `dir` itself to
/// [`DIR_MODE`] if it already existed with wider permissions. Parents that already existed
/// are left alone (they may be `/tmp` or a home folder).
///
/// # Errors
/// Any I/O error from creating or changing the folder.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder.create(dir)?;
    narrow(dir, DIR_MODE)
}

/// Creates the file at `path` with [`FILE_MODE`] holding `bytes`, failing with
/// [`io::ErrorKind::AlreadyExists`] rather than replacing a file that is there.
///
/// # Errors
/// Any I/O error; `AlreadyExists` when the name is taken.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Gets an embedded database's folder and file ready before SQLite opens it: a missing
/// folder is created private (an existing one is left as it is: it may be shared, and the
/// data folder itself is narrowed by [`private_dir`] when the service starts), the file is created empty with [`FILE_MODE`] when missing
/// (an empty file is a valid empty database), and an existing file and its `-wal`, `-shm`
/// and `-journal` companions are narrowed to [`FILE_MODE`]. In-memory databases are skipped.
///
/// # Errors
/// Any I/O error from the folder or the files.
pub fn prepare_database_file(path: &Path) -> io::Result<()> {
    let name = path.as_os_str();
    if name.is_empty() || name == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        if !dir.exists() {
            private_dir(dir)?;
        }
    }
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    let _: File = options.open(path)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut companion = path.as_os_str().to_owned();
        companion.push(suffix);
        match narrow(Path::new(&companion), FILE_MODE) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

/// Removes group and other permission bits from `path` when it has any, keeping `mode`'s.
fn narrow(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        let current = fs::metadata(path)?.permissions().mode() & 0o777;
        if current & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_private_and_wider_ones_are_narrowed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);

        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);

        let file = dir.join("export.json");
        write_new_private(&file, b"{}").unwrap();
        assert_eq!(mode(&file), 0o600);
        let again = write_new_private(&file, b"other").unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&file).unwrap(), b"{}");

        let db = dir.join("coach.db");
        fs::write(&db, b"").unwrap();
        fs::write(dir.join("coach.db-wal"), b"").unwrap();
        fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(dir.join("coach.db-wal"), fs::Permissions::from_mode(0o666)).unwrap();
        prepare_database_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&dir.join("coach.db-wal")), 0o600);

        let shared = root.path().join("shared");
        fs::create_dir(&shared).unwrap();
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o755)).unwrap();
        prepare_database_file(&shared.join("coach.db")).unwrap();
        assert_eq!(
            mode(&shared),
            0o755,
            "a folder the service did not create is left alone"
        );
        assert_eq!(mode(&shared.join("coach.db")), 0o600);

        let fresh = root.path().join("c/fresh.db");
        prepare_database_file(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);
        assert_eq!(mode(&root.path().join("c")), 0o700);
        prepare_database_file(Path::new(":memory:")).unwrap();
    }
}
