//! Starts emulators from PyPI on 127.0.0.1 for the tests and stops them by PID when
//! the guard drops (also when a test fails). tests/run.sh installs them into .venv.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Emulator {
    child: Child,
    pub base: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The emulator's executable: `$NAME_BIN`, else `.venv/bin/NAME`, else on PATH.
fn find(name: &str, env: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return p.into();
    }
    let venv = super::root().join(".venv/bin").join(name);
    if venv.exists() {
        return venv;
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{name} is not installed: run `bash tests/run.sh` (it installs it into .venv) or `pip install {name}`"
            )
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// gcp-storage-emulator, in memory.
pub fn gcs() -> Emulator {
    let port = free_port();
    let child = Command::new(find("gcp-storage-emulator", "GCS_EMULATOR_BIN"))
        .args(["start", "-H", "127.0.0.1", "--port", &port.to_string(), "--in-memory"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the storage emulator starts");
    let emulator = Emulator { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the storage emulator did not start on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    emulator
}
