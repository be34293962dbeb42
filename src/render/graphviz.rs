//! Runs Graphviz's `dot` to turn DOT text into an image (SVG, PNG, PDF), and says
//! how to install it when it is missing.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// Runs Graphviz `dot` to turn DOT text into `format` (svg, png, pdf) at `out`.
/// When `dot` fails (or stops reading), the error carries what it said.
pub fn to_image(dot_text: &str, format: &str, out: &Path) -> Result<()> {
    run_dot(dot_text, format, Some(out)).map(|_| ())
}

/// The SVG text Graphviz draws for `dot_text`.
pub fn to_svg(dot_text: &str) -> Result<String> {
    let bytes = run_dot(dot_text, "svg", None)?;
    String::from_utf8(bytes).context("dot wrote SVG that is not UTF-8")
}

/// The SVG of each of `dot_texts`, laid out by one `dot` process: starting one
/// costs more than laying out a small diagram, and a large estate has hundreds.
pub fn to_svgs(dot_texts: &[String]) -> Result<Vec<String>> {
    let bytes = run_dot(&dot_texts.concat(), "svg", None)?;
    let all = String::from_utf8(bytes).context("dot wrote SVG that is not UTF-8")?;
    // dot writes the graphs' documents one after the other; each ends with its
    // `</svg>` line, which cannot occur inside one (`<` in text is written `&lt;`).
    let svgs: Vec<String> = all.split_inclusive("</svg>\n").map(str::to_string).collect();
    if svgs.len() != dot_texts.len() || !svgs.iter().all(|s| s.starts_with("<?xml")) {
        bail!("dot wrote {} SVG documents for {} graphs", svgs.len(), dot_texts.len());
    }
    Ok(svgs)
}

/// `dot -T<format>`, writing to `out`, or returning what it wrote to its output.
fn run_dot(dot_text: &str, format: &str, out: Option<&Path>) -> Result<Vec<u8>> {
    use std::io::Write as _;
    let mut command = Command::new("dot");
    command.arg(format!("-T{format}"));
    if let Some(out) = out {
        command.arg("-o").arg(out);
    }
    let target = out.map(|o| o.display().to_string()).unwrap_or_else(|| format!("{format} output"));
    let mut child = match command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("rendering {format} needs Graphviz's `dot`, which is not installed (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz); --format dot works without it")
        }
        Err(e) => return Err(e).context("starting dot"),
    };
    let mut stdin = child.stdin.take().context("dot's input")?;
    // Written from a thread: dot may fill its output pipe before it has read all its input.
    let text = dot_text.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let finished = child.wait_with_output().context("waiting for dot")?;
    let written = writer.join().unwrap_or_else(|_| Err(std::io::Error::other("writer thread panicked")));
    let said = String::from_utf8_lossy(&finished.stderr);
    let said = said.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim();
    if !finished.status.success() {
        bail!("dot failed ({}) writing {target}: {said}", finished.status);
    }
    if let Err(e) = written {
        bail!("dot stopped reading its input ({e}) writing {target}: {said}");
    }
    Ok(finished.stdout)
}

#[cfg(test)]
mod tests {
    use super::to_svgs;

    #[test]
    fn one_dot_lays_out_each_graph_into_its_own_svg() {
        let svgs = to_svgs(&["digraph a { x }\n".into(), "digraph b { y -> z }\n".into()]).unwrap();
        assert_eq!(svgs.len(), 2);
        assert!(svgs[0].contains("<title>a</title>") && !svgs[0].contains("<title>z</title>"), "{}", svgs[0]);
        assert!(svgs[1].contains("<title>b</title>") && svgs[1].contains("<title>z</title>"), "{}", svgs[1]);
        assert!(svgs.iter().all(|s| s.starts_with("<?xml") && s.trim_end().ends_with("</svg>")));
        let broken = to_svgs(&["digraph a { x }\n".into(), "digraph { x -> \n".into()]);
        assert!(broken.is_err());
    }
}
