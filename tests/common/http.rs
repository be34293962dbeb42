//! A tiny HTTP/1.1 server on 127.0.0.1 that answers API calls from recorded response
//! files (see fixtures/gcp/README.md), and a raw client to seed emulators.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Serves files under `root`; remembers each request as `METHOD /path?query`, and
/// the body of each request that has one.
pub struct Recorded {
    pub base: String,
    pub requests: Arc<Mutex<Vec<String>>>,
    pub bodies: Arc<Mutex<Vec<(String, String)>>>,
}

pub fn serve_recorded(root: PathBuf) -> Recorded {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (requests, bodies) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
    let log = (requests.clone(), bodies.clone());
    // The thread ends with the test process.
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (root, log) = (root.clone(), log.clone());
            std::thread::spawn(move || answer(stream, &root, &log.0, &log.1));
        }
    });
    Recorded { base, requests, bodies }
}

/// One request as read off the wire: method, target, header lines, body.
fn read_request(stream: &TcpStream) -> Option<(String, String, Vec<String>, String)> {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("/").to_string());
    let mut length = 0;
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        headers.push(header.trim_end().to_string());
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    Some((method, target, headers, String::from_utf8_lossy(&body).into_owned()))
}

/// A hostile endpoint: answers `sts:GetCallerIdentity` (account 123456789012) and
/// denies every other call with an AWS error whose message quotes the request's
/// headers back (credentials included), as a misconfigured proxy might. Returns
/// its base URL.
pub fn serve_echoing_denials() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let Some((_, _, headers, request)) = read_request(&stream) else { return };
                let (status, body) = if request.contains("Action=GetCallerIdentity") {
                    (200, "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/t</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>".to_string())
                } else {
                    (403, format!(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>denied; you sent {}</Message></Error><RequestId>1</RequestId></ErrorResponse>",
                    headers.join(" | ").replace('&', "&amp;").replace('<', "&lt;")
                ))
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    base
}

fn answer(mut stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>, bodies: &Mutex<Vec<(String, String)>>) {
    let Some((method, target, _, body)) = read_request(&stream) else { return };
    log.lock().unwrap().push(format!("{method} {target}"));
    if !body.is_empty() {
        bodies.lock().unwrap().push((target.clone(), body));
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let page = query.split('&').find_map(|kv| kv.strip_prefix("pageToken="));
    let file = root.join(format!(
        "{}{}.json",
        path.trim_start_matches('/'),
        page.map(|p| format!("@{p}")).unwrap_or_default()
    ));
    let (status, text) = match std::fs::read_to_string(&file) {
        Ok(text) => (200, text),
        Err(_) => {
            status_file(root, &file).unwrap_or((404, r#"{"error":{"code":404,"message":"not found"}}"#.to_string()))
        }
    };
    let text = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) if v.get("__status").is_some() => {
            let code = v["__status"].as_u64().unwrap_or(500) as u16;
            return reply(&mut stream, code, &serde_json::json!({"error": v["error"]}).to_string());
        }
        _ => text,
    };
    reply(&mut stream, status, &text);
}

/// The nearest `_status.json` above `file`, inside `root`.
fn status_file(root: &Path, file: &Path) -> Option<(u16, String)> {
    let mut dir = file.parent();
    while let Some(d) = dir.filter(|d| d.starts_with(root)) {
        if let Ok(text) = std::fs::read_to_string(d.join("_status.json")) {
            return Some((200, text));
        }
        dir = d.parent();
    }
    None
}

fn reply(stream: &mut TcpStream, status: u16, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Sends one request and returns (status, body).
pub fn request(method: &str, url: &str, body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut stream = TcpStream::connect(host).expect("the server answers");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}
