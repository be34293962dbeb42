//! A throwaway PostgreSQL server for the history tests: Debian's `postgresql`
//! binaries (tests/run.sh installs them), a fresh cluster in a temporary folder,
//! listening on 127.0.0.1 only, run as the `postgres` user when the tests run as
//! root (PostgreSQL refuses root), and stopped by PID when the guard drops.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Postgres {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Postgres {
    /// A URL for a new, empty database on this server.
    pub fn database(&self, name: &str) -> String {
        let admin = format!("postgres://auditgraph@127.0.0.1:{}/postgres", self.port);
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("the server takes connections");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("a database is created");
        format!("postgres://auditgraph@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGINT is PostgreSQL's fast shutdown; the kill after it is for a server that hangs.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$PG_BIN`, else the newest /usr/lib/postgresql/N/bin.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return dir.into();
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!("PostgreSQL is not installed: run `bash tests/run.sh` (it installs Debian's postgresql) or set PG_BIN")
    })
}

/// The user and group the server runs as: `postgres` under root, else ourselves.
fn server_user() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let id = |flag: &str| -> u32 {
        let out = Command::new("id").args([flag, "postgres"]).output().expect("`id` runs");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a `postgres` user exists (Debian's package adds it)")
    };
    Some((id("-u"), id("-g")))
}

fn as_server_user(command: &mut Command, user: Option<(u32, u32)>) -> &mut Command {
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid);
    }
    command
}

pub fn start() -> Postgres {
    let bin = bin_dir();
    let user = server_user();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data = dir.path().join("data");
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("the folder is given to postgres");
    }
    let init = as_server_user(Command::new(bin.join("initdb")).current_dir(dir.path()), user)
        .args(["-D", data.to_str().unwrap(), "-U", "auditgraph", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .stdout(Stdio::null())
        .output()
        .expect("initdb runs");
    assert!(init.status.success(), "initdb failed: {}", String::from_utf8_lossy(&init.stderr));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = as_server_user(Command::new(bin.join("postgres")).current_dir(dir.path()), user)
        .args(["-D", data.to_str().unwrap(), "-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-k", dir.path().to_str().unwrap(), "-c", "fsync=off", "-c", "max_connections=40"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("postgres starts");
    let server = Postgres { child, port, _dir: dir };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let up = TcpStream::connect(("127.0.0.1", port)).is_ok()
            && postgres::Client::connect(&format!("postgres://auditgraph@127.0.0.1:{port}/postgres"), postgres::NoTls)
                .is_ok();
        if up {
            return server;
        }
        assert!(Instant::now() < deadline, "PostgreSQL did not start on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
