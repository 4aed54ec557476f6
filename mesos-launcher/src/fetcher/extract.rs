//! Unpacking archives into the sandbox: tar (plain, gzip, bzip2 or xz), zip, and a bare
//! gzip-compressed file.
//!
//! Which files are archives is decided by the name's extension, as the agent's fetcher does;
//! a tar archive's compression is then recognized from its first bytes, so a mislabelled
//! `.tar.gz` that is a plain tar still unpacks.
//!
//! Safety: an entry whose path has a `..` component is refused (the whole fetch fails and
//! names the entry); leading `/` are dropped (the entry lands under the sandbox, as GNU tar
//! does); no entry is written through a symbolic link that leads out of the sandbox (whether
//! the link came from the same archive, an earlier URI or was there before), and a hard link
//! must point inside it. Symbolic links themselves are created as the archive has them,
//! whatever their target: following them is the task's business, under its own user.
//! Permission bits are kept without set-id bits; ownership is the fetcher's (the task user's).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use super::sandbox::Sandbox;
use super::Cause;

/// What an extension says a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `.tar`, `.tgz`, `.tar.gz`, `.tbz2`, `.tar.bz2`, `.txz`, `.tar.xz`.
    Tar,
    /// `.zip`.
    Zip,
    /// Any other name ending in `.gz`: one compressed file.
    Gzip,
}

/// The kind of archive `name` is, if it is one.
pub fn kind(name: &str) -> Option<Kind> {
    const TAR: [&str; 7] = [
        ".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz",
    ];
    if TAR.iter().any(|e| name.ends_with(e)) {
        Some(Kind::Tar)
    } else if name.ends_with(".zip") {
        Some(Kind::Zip)
    } else if name.ends_with(".gz") {
        Some(Kind::Gzip)
    } else {
        None
    }
}

/// Unpacks `archive` (of `kind`) into the sandbox's top directory.
pub fn extract(archive: &Path, kind: Kind, sandbox: &Sandbox) -> Result<(), Cause> {
    let file = File::open(archive).map_err(|e| Cause::Missing {
        what: format!("archive '{}'", archive.display()),
        error: e,
    })?;
    let fail = |e: Cause| match e {
        Cause::Archive(m) => Cause::Archive(format!("'{}': {m}", archive.display())),
        other => other,
    };
    match kind {
        Kind::Tar => tar(BufReader::new(file), sandbox).map_err(fail),
        Kind::Zip => zip(file, sandbox).map_err(fail),
        Kind::Gzip => gunzip(archive, file, sandbox).map_err(fail),
    }
}

/// An archive entry's path as a plain relative path: leading `/` and `.` dropped, `..`
/// refused.
fn entry_path(path: &Path) -> Result<Option<PathBuf>, Cause> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                return Err(Cause::Unsafe(format!(
                    "archive entry '{}' has a '..' component (refused: it could write outside \
                     the sandbox)",
                    path.display()
                )))
            }
        }
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

fn tar(mut input: BufReader<File>, sandbox: &Sandbox) -> Result<(), Cause> {
    let head = input
        .fill_buf()
        .map_err(|e| Cause::Archive(format!("read: {e}")))?
        .to_vec();
    let reader: Box<dyn Read> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(input))
    } else if head.starts_with(b"BZh") {
        Box::new(bzip2::bufread::MultiBzDecoder::new(input))
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(input))
    } else {
        Box::new(input)
    };
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(false);
    archive.set_preserve_ownerships(false);
    archive.set_unpack_xattrs(false);
    archive.set_overwrite(true);
    let entries = archive
        .entries()
        .map_err(|e| Cause::Archive(format!("not a tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Cause::Archive(format!("reading an entry: {e}")))?;
        let raw = entry
            .path()
            .map_err(|e| Cause::Archive(format!("an entry's path: {e}")))?
            .into_owned();
        let Some(rel) = entry_path(&raw)? else {
            continue;
        };
        let kind = entry.header().entry_type();
        if kind.is_character_special() || kind.is_block_special() || kind.is_fifo() {
            eprintln!(
                "mesos-fetcher: skipping device or FIFO entry '{}'",
                raw.display()
            );
            continue;
        }
        if kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(|e| Cause::Archive(format!("link of '{}': {e}", raw.display())))?
                .unwrap_or_default();
            if entry_path(&target)?.is_none() {
                return Err(Cause::Archive(format!(
                    "hard link '{}' has no target",
                    raw.display()
                )));
            }
        }
        // Our own check first (parents created and inside), then the crate's, which checks
        // the same again and keeps hard links inside.
        sandbox.prepare(&rel)?;
        let unpacked = entry
            .unpack_in(sandbox.root())
            .map_err(|e| Cause::Archive(format!("entry '{}': {e}", raw.display())))?;
        if !unpacked {
            return Err(Cause::Unsafe(format!(
                "archive entry '{}' was refused by the tar reader",
                raw.display()
            )));
        }
    }
    Ok(())
}

fn zip(file: File, sandbox: &Sandbox) -> Result<(), Cause> {
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| Cause::Archive(format!("not a zip archive: {e}")))?;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| Cause::Archive(format!("entry {i}: {e}")))?;
        let raw = PathBuf::from(entry.name());
        let Some(rel) = entry_path(&raw)? else {
            continue;
        };
        let path = sandbox.prepare(&rel)?;
        let mode = entry.unix_mode();
        if entry.is_dir() {
            sandbox.directory(&rel)?;
        } else if entry.is_symlink() {
            let mut target = String::new();
            entry
                .read_to_string(&mut target)
                .map_err(|e| Cause::Archive(format!("link '{}': {e}", raw.display())))?;
            remove_non_directory(&path)?;
            std::os::unix::fs::symlink(&target, &path)
                .map_err(|e| Cause::Local(format!("symlink '{}': {e}", path.display())))?;
        } else {
            remove_non_directory(&path)?;
            let mut out = Sandbox::create(&path)?;
            io::copy(&mut entry, &mut out)
                .map_err(|e| Cause::Archive(format!("entry '{}': {e}", raw.display())))?;
            if let Some(mode) = mode {
                use std::os::unix::fs::PermissionsExt;
                out.set_permissions(std::fs::Permissions::from_mode(mode & 0o777))
                    .map_err(|e| Cause::Local(format!("chmod '{}': {e}", path.display())))?;
            }
        }
    }
    Ok(())
}

/// Removes a file or symbolic link at `path` (an archive entry replaces what was there).
fn remove_non_directory(path: &Path) -> Result<(), Cause> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.is_dir() => std::fs::remove_file(path)
            .map_err(|e| Cause::Local(format!("replace '{}': {e}", path.display()))),
        _ => Ok(()),
    }
}

fn gunzip(archive: &Path, file: File, sandbox: &Sandbox) -> Result<(), Cause> {
    let name = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    if stem.is_empty() {
        return Err(Cause::Archive(
            "'.gz' names no file to decompress to".into(),
        ));
    }
    let path = sandbox.prepare(Path::new(stem))?;
    let mut out = Sandbox::create(&path)?;
    let mut decoder = flate2::read::MultiGzDecoder::new(BufReader::new(file));
    io::copy(&mut decoder, &mut out).map_err(|e| Cause::Archive(format!("gunzip: {e}")))?;
    Ok(())
}
