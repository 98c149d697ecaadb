//! A running `rapport serve` and a small HTTP client for it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::Rapport;

/// Where the clock stands for a server (and the CLI runs made beside it).
pub const TODAY: &str = "2026-11-25";

/// Runs the CLI with a password on standard input (how `user add` reads it).
pub fn with_stdin(rapport: &Rapport, input: &str, args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["--db", rapport.db.url(), "--now", TODAY, "--tz", "UTC"])
        .args(args)
        .env_remove("RAPPORT_DATABASE_URL")
        .env_remove("RAPPORT_NOW")
        .env_remove("RAPPORT_TZ")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run the rapport binary");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Adds a user through the CLI and returns a fresh API token for them.
pub fn user_with_token(rapport: &Rapport, email: &str, role: &str) -> String {
    let added = with_stdin(
        rapport,
        "a long enough password\n",
        &["user", "add", email, "--name", "Test User", "--role", role],
    );
    assert!(
        added.status.success(),
        "user add: {}",
        String::from_utf8_lossy(&added.stderr)
    );
    let token = rapport.ok(&["token", "create", "--user", email]);
    token.trim().to_owned()
}

/// A `rapport serve` child process, killed on drop.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub base: String,
    agent: ureq::Agent,
}

impl Server {
    /// Starts the server on a system-chosen port with the clock at `now`, reads the address
    /// from its first line, and waits until `/healthz` answers.
    pub fn start(rapport: &Rapport, now: &str) -> Server {
        Server::start_on(rapport.db.url(), now)
    }

    /// [`Server::start`] on the database `url` names (a test's URL with options added).
    pub fn start_on(url: &str, now: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .args(["--db", url, "--now", now, "--tz", "UTC"])
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env_remove("RAPPORT_DATABASE_URL")
            .env_remove("RAPPORT_NOW")
            .env_remove("RAPPORT_TZ")
            .env_remove("RAPPORT_BIND")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start rapport serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from serve: '{first}'"))
            .to_owned();
        // A fresh connection per request: a server may close a keep-alive connection after
        // answering without reading the body (a 401 to a POST), and a pooled client would then
        // fail its next request on the closed socket, which is not what these tests are about.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_connections(0)
            // Redirects are answers the web tests look at, not something to follow.
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        let server = Server { child, base, agent };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if server.get("/healthz", None).status == 200 {
                return server;
            }
            assert!(Instant::now() < deadline, "the server never became healthy");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call("GET", path, token, None)
    }

    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(method, path, token, Some(body))
    }

    /// A PATCH with an optional `If-Match`.
    pub fn patch(
        &self,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Value,
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut request = with_auth(self.agent.patch(&url), auth.as_deref());
        if let Some(etag) = if_match {
            request = request.header("If-Match", etag);
        }
        reply("PATCH", path, request.send_json(&body))
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let result = match (method, body) {
            ("GET", _) => with_auth(self.agent.get(&url), auth.as_deref()).call(),
            ("DELETE", _) => with_auth(self.agent.delete(&url), auth.as_deref()).call(),
            ("POST", None) => with_auth(self.agent.post(&url), auth.as_deref()).send_empty(),
            ("POST", Some(body)) => {
                with_auth(self.agent.post(&url), auth.as_deref()).send_json(&body)
            }
            ("PUT", Some(body)) => {
                with_auth(self.agent.put(&url), auth.as_deref()).send_json(&body)
            }
            (method, _) => panic!("unsupported method {method}"),
        };
        reply(method, path, result)
    }

    /// A request with any headers (a session cookie, a CSRF token) and an optional JSON or
    /// form (`application/x-www-form-urlencoded`) body.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Body) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let result = match body {
            Body::Empty => self.agent.run(request.body(()).unwrap()),
            Body::Json(json) => self.agent.run(
                request
                    .header("Content-Type", "application/json")
                    .body(json.to_string())
                    .unwrap(),
            ),
            Body::Form(pairs) => {
                let encoded = pairs
                    .iter()
                    .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                self.agent.run(
                    request
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .body(encoded)
                        .unwrap(),
                )
            }
            Body::Raw(content_type, bytes) => self.agent.run(
                request
                    .header("Content-Type", content_type)
                    .body(bytes)
                    .unwrap(),
            ),
        };
        reply(method, path, result)
    }

    /// Sends SIGTERM and waits for the process; returns whether it exited cleanly.
    pub fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// What a [`Server::request`] sends.
#[derive(Debug)]
pub enum Body {
    Empty,
    Json(Value),
    Form(Vec<(&'static str, String)>),
    /// Any bytes with their content type (a file upload, a multipart form).
    Raw(String, Vec<u8>),
}

fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn reply(
    method: &str,
    path: &str,
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Reply {
    let mut response = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let headers = response.headers().clone();
    let text = response.body_mut().read_to_string().unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        headers,
        status,
        content_type,
        etag,
        request_id,
        text,
        json,
    }
}

fn with_auth<B>(request: ureq::RequestBuilder<B>, auth: Option<&str>) -> ureq::RequestBuilder<B> {
    match auth {
        Some(value) => request.header("Authorization", value),
        None => request,
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Reply {
    pub headers: ureq::http::HeaderMap,
    pub status: u16,
    pub content_type: String,
    pub etag: Option<String>,
    pub request_id: Option<String>,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// A response header's value, if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status; returns its body.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.text
        );
        assert_eq!(self.json["status"], status, "{}", self.text);
        for field in ["type", "title", "detail"] {
            assert!(self.json[field].is_string(), "no {field}: {}", self.text);
        }
        &self.json
    }

    /// The field names a problem's `errors` array lists.
    pub fn fields(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{}", self.text);
        &self.json
    }
}
