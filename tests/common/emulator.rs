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
    ready(Emulator { child, base: format!("http://127.0.0.1:{port}") }, port)
}

/// Waits until the emulator accepts connections on `port` (a minute at most).
fn ready(emulator: Emulator, port: u16) -> Emulator {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the emulator did not start on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    emulator
}

/// moto's AWS server, with AWS-managed policies loaded (as in a real account) and no
/// default AMIs (fast start), plus `env` (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`).
/// Requests are recorded to `recording` once [`start_recording`] is called.
pub fn moto(recording: &std::path::Path, env: &[(&str, &str)]) -> Emulator {
    let port = free_port();
    let child = Command::new(find("moto_server", "MOTO_SERVER_BIN"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        .env("MOTO_RECORDER_FILEPATH", recording)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    ready(Emulator { child, base: format!("http://127.0.0.1:{port}") }, port)
}

/// The Python of the venv that tests/run.sh makes (it has boto3), else `python3`.
pub fn python() -> PathBuf {
    let venv = super::root().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}
