//! The files kept as data (controls, frameworks): reading a folder of them, and
//! the error that names the file and line at fault.

use std::path::{Path, PathBuf};

/// A data file that cannot be used: where, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct FileError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

/// Every `*.toml` file of `dir` with its text, in file-name order; `what` names
/// the folder in errors ("controls", "frameworks").
pub fn toml_files(dir: &Path, what: &str) -> Result<Vec<(PathBuf, String)>, FileError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| FileError {
            file: dir.to_path_buf(),
            line: 0,
            message: format!("cannot read the {what} folder: {e}"),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| match std::fs::read_to_string(&file) {
            Ok(text) => Ok((file, text)),
            Err(e) => Err(FileError { file, line: 0, message: e.to_string() }),
        })
        .collect()
}

/// The line of `text` at byte `offset`, counted from 1.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
