//! Debian's headless Chromium for the page tests: the DOM a page leaves after its
//! scripts ran, and what it wrote to its console. Every run has a fresh profile,
//! makes no background requests, and is stopped by PID if it takes over a minute.

use std::path::Path;
use std::process::{Command, Stdio};

/// What one page load left.
pub struct Loaded {
    /// The DOM after the page's scripts ran (`--dump-dom`).
    pub dom: String,
    /// Each console message, as Chromium logs it (`... "text", source: ...`).
    pub console: Vec<String>,
}

/// Loads `file://PAGE#FRAGMENT` (`fragment` with its `#`, or empty).
pub fn load(page: &Path, fragment: &str) -> Loaded {
    let profile = super::scratch();
    let mut child = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Debian's chromium is installed (tests/run.sh installs it)");
    // Read while it runs: the page is larger than a pipe holds.
    let drain = |mut from: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut out = String::new();
            from.read_to_string(&mut out).map(|_| out)
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let console =
        stderr.join().unwrap().unwrap().lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
    Loaded { dom: stdout.join().unwrap().unwrap(), console }
}

/// Saves a screenshot of the page to `png` (window `width` × `height`).
pub fn screenshot(page: &Path, png: &Path, width: u32, height: u32) {
    let profile = super::scratch();
    let status = Command::new("timeout")
        .arg("60")
        .arg("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("chromium runs");
    assert!(status.success(), "chromium --screenshot: {status}");
}
