//! Output files written so that a failure leaves the previous version intact: the
//! content goes to a temporary file beside the target and is renamed into place only
//! once complete. A reader sees the old file or the new one, never half of one, and
//! two writers of one path each put a whole file there.
//!
//! A folder of outputs (an evidence pack) is built beside its target and swapped
//! in the same way.
//!
//! What a command reads is noted (`note_input`), and no output may replace an
//! input or land in a folder being scanned, where the next scan would read it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};

static INPUTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Notes a file or folder this command reads, which no output may then replace.
pub fn note_input(path: &Path) {
    INPUTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(path.to_path_buf());
}

/// Whether writing `out` would replace one of the inputs read from `inputs` (a file
/// given, or a file a scanned folder would hold: the next scan would read it).
fn clashes_with_input(out: &Path, inputs: &[PathBuf]) -> Option<String> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let out_abs = absolute(out);
    let out_real = out.canonicalize().ok();
    for input in inputs {
        let input_abs = absolute(input);
        let input_real = input.canonicalize().ok();
        let same = out_abs == input_abs || (out_real.is_some() && out_real == input_real);
        if same {
            return Some("it is an input of this command; choose another output".to_string());
        }
        // Where the output would sit inside a scanned folder, if it does; a scan
        // leaves out hidden folders (`.auditgraph/`, where snapshots go by default).
        let out_parent_real = out_abs.parent().and_then(|p| p.canonicalize().ok());
        let within = out_abs.strip_prefix(&input_abs).ok().map(Path::to_path_buf).or_else(|| {
            let (dir, parent) = (input_real.as_ref()?, out_parent_real.as_ref()?);
            Some(parent.strip_prefix(dir).ok()?.join(out_abs.file_name()?))
        });
        let scanned = within.is_some_and(|rel| {
            !rel.parent()
                .into_iter()
                .flat_map(Path::components)
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        });
        if input.is_dir() && scanned && out.extension().is_some_and(|e| e == "json") {
            return Some(format!(
                "it is inside {}, which is being scanned: the next scan would read it as an inventory; write it elsewhere",
                input.display()
            ));
        }
    }
    None
}

/// An error when `path` may not be written because of what this command reads
/// (checked on every write, and early by commands that work long before writing).
pub fn refuse_clash(path: &Path, what: &str) -> Result<()> {
    let clash = clashes_with_input(path, &INPUTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    match clash {
        Some(why) => anyhow::bail!("not writing {what} {}: {why}", path.display()),
        None => Ok(()),
    }
}

/// Fills `path` through `fill`, which writes to a temporary file of its own choosing
/// way (a writer, a program given the path); the file replaces `path` when `fill`
/// succeeds and is removed when it fails. `what` names the file in errors.
pub fn replace_with(path: &Path, what: &str, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    refuse_clash(path, what)?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let temporary = temporary_beside(path, dir);
    match fill(&temporary) {
        Ok(()) => std::fs::rename(&temporary, path).with_context(|| format!("writing {what} {}", path.display())),
        Err(e) => {
            let _ = std::fs::remove_file(&temporary);
            Err(e.context(format!("writing {what} {} (the previous file, if any, is unchanged)", path.display())))
        }
    }
}

/// Writes `path` through a buffered writer, as `replace_with` does.
pub fn write_with(
    path: &Path,
    what: &str,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    replace_with(path, what, |temporary| {
        let mut out = BufWriter::with_capacity(1 << 20, File::create_new(temporary)?);
        fill(&mut out)?;
        out.flush()?;
        Ok(())
    })
}

/// Writes `bytes` to `path`, as `replace_with` does.
pub fn write(path: &Path, what: &str, bytes: &[u8]) -> Result<()> {
    write_with(path, what, |out| out.write_all(bytes))
}

/// Fills the folder `path` through `fill`, given an empty temporary folder beside
/// it; the folder replaces `path` when `fill` succeeds and is removed when it
/// fails. A `path` that exists is replaced only when `replaceable` says it is an
/// earlier output of the same kind (never a folder of something else), and never
/// when it holds an input of this command.
pub fn replace_dir(
    path: &Path,
    what: &str,
    replaceable: impl Fn(&Path) -> bool,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    refuse_clash(path, what)?;
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let inputs = INPUTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    if let Some(input) = inputs.iter().find(|i| absolute(i).starts_with(absolute(path))) {
        anyhow::bail!("not writing {what} {}: it holds {}, an input of this command", path.display(), input.display());
    }
    let empty = std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none());
    if path.exists() && !empty && !replaceable(path) {
        anyhow::bail!(
            "not writing {what} {}: the folder exists and is not an earlier {what}; choose another folder",
            path.display()
        );
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let temporary = temporary_beside(path, dir);
    std::fs::create_dir(&temporary).with_context(|| format!("creating {}", temporary.display()))?;
    if let Err(e) = fill(&temporary) {
        let _ = std::fs::remove_dir_all(&temporary);
        return Err(e.context(format!("writing {what} {} (the previous one, if any, is unchanged)", path.display())));
    }
    // A folder cannot be renamed over another: the old one steps aside first, and
    // comes back if the new one cannot take its place.
    let previous = path.exists().then(|| temporary_beside(path, dir));
    if let Some(old) = &previous {
        std::fs::rename(path, old).with_context(|| format!("moving the previous {what} {} aside", path.display()))?;
    }
    if let Err(e) = std::fs::rename(&temporary, path) {
        if let Some(old) = &previous {
            let _ = std::fs::rename(old, path);
        }
        let _ = std::fs::remove_dir_all(&temporary);
        return Err(anyhow::Error::new(e).context(format!("writing {what} {}", path.display())));
    }
    if let Some(old) = previous {
        std::fs::remove_dir_all(&old).with_context(|| format!("removing the previous {what} {}", old.display()))?;
    }
    Ok(())
}

/// A name beside `path` that no other writer uses: hidden, with this process's id
/// and a counter, so that neither a scan of the folder nor another writer takes it.
fn temporary_beside(path: &Path, dir: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.{}.{n}.partial", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_previous_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.json");
        write(&path, "snapshot", b"old").unwrap();
        let failed = write_with(&path, "snapshot", |out| {
            out.write_all(b"half of the new")?;
            Err(std::io::Error::other("disk full"))
        });
        let message = format!("{:#}", failed.unwrap_err());
        assert!(message.contains("previous file, if any, is unchanged") && message.contains("disk full"), "{message}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["snap.json"], "no temporary file is left");
        write(&path, "snapshot", b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }
}
