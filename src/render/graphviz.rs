//! Runs Graphviz's `dot` to turn DOT text into an image (SVG, PNG), and says how
//! to install it when it is missing.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// Runs Graphviz `dot` to turn DOT text into `format` (svg, png) at `out`. When
/// `dot` fails (or stops reading), the error carries what it said.
pub fn to_image(dot_text: &str, format: &str, out: &Path) -> Result<()> {
    use std::io::Write as _;
    let mut child = match Command::new("dot")
        .arg(format!("-T{format}"))
        .arg("-o")
        .arg(out)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("rendering {format} needs Graphviz's `dot`, which is not installed (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz); --format dot works without it")
        }
        Err(e) => return Err(e).context("starting dot"),
    };
    let written = child.stdin.take().context("dot's input")?.write_all(dot_text.as_bytes());
    let finished = child.wait_with_output().context("waiting for dot")?;
    let said = String::from_utf8_lossy(&finished.stderr);
    let said = said.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim();
    if !finished.status.success() {
        bail!("dot failed ({}) writing {}: {said}", finished.status, out.display());
    }
    if let Err(e) = written {
        bail!("dot stopped reading its input ({e}) writing {}: {said}", out.display());
    }
    Ok(())
}
