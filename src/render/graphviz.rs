//! Runs Graphviz's `dot` to turn DOT text into an image (SVG, PNG), and says how
//! to install it when it is missing.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Runs Graphviz `dot` to turn DOT text into `format` (svg, png) at `out`.
pub fn to_image(dot_text: &str, format: &str, out: &Path) -> Result<()> {
    use std::io::Write as _;
    let mut child = match Command::new("dot")
        .arg(format!("-T{format}"))
        .arg("-o")
        .arg(out)
        .stdin(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("rendering {format} needs Graphviz's `dot`, which is not installed (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz); --format dot works without it")
        }
        Err(e) => return Err(e).context("starting dot"),
    };
    child.stdin.take().context("dot's input")?.write_all(dot_text.as_bytes()).context("writing to dot")?;
    let status = child.wait().context("waiting for dot")?;
    if !status.success() {
        bail!("dot failed ({status}) writing {}", out.display());
    }
    Ok(())
}
