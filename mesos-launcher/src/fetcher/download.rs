//! Getting the bytes: a copy of a local file, or an HTTP(S) GET.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Cause;

/// Copies the regular file `source` into `dest` (opened for writing), keeping its permission
/// bits (without set-id bits) and modification time, as `cp -p` would for its owner.
pub fn copy_local(source: &Path, dest: &mut File) -> Result<u64, Cause> {
    let mut from = File::open(source).map_err(|e| Cause::Missing {
        what: format!("'{}'", source.display()),
        error: e,
    })?;
    let meta = from
        .metadata()
        .map_err(|e| Cause::Local(format!("stat '{}': {e}", source.display())))?;
    if !meta.is_file() {
        return Err(Cause::Local(format!(
            "'{}' is not a regular file",
            source.display()
        )));
    }
    let n = io::copy(&mut from, dest)
        .map_err(|e| Cause::Local(format!("copy '{}': {e}", source.display())))?;
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    dest.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| Cause::Local(format!("chmod {mode:o}: {e}")))?;
    if let Ok(modified) = meta.modified() {
        // Best effort, as a copy's time is only informative.
        let _ = dest.set_modified(modified);
    }
    Ok(n)
}

/// GETs `uri` (HTTP or HTTPS; user information in the URI is sent as basic authentication)
/// into `dest`; only status 200 is success, as for the agent's own fetcher. With `stall`, the
/// whole program exits with status 1 and a message naming `shown` when no byte arrives for
/// that long (the agent's `--fetcher_stall_timeout`), connecting included.
pub fn http(
    uri: &str,
    shown: &str,
    dest: &mut File,
    stall: Option<Duration>,
) -> Result<u64, Cause> {
    let progress = Arc::new(Progress {
        bytes: AtomicU64::new(0),
        done: AtomicBool::new(false),
    });
    if let Some(stall) = stall.filter(|d| !d.is_zero()) {
        let watched = Arc::clone(&progress);
        let shown = shown.to_owned();
        std::thread::spawn(move || watchdog(&watched, stall, &shown));
    }
    let result = get(uri, dest, &progress);
    progress.done.store(true, Ordering::SeqCst);
    result
}

struct Progress {
    bytes: AtomicU64,
    done: AtomicBool,
}

fn watchdog(progress: &Progress, stall: Duration, shown: &str) {
    let tick = stall.min(Duration::from_millis(500));
    let mut last = (0, Instant::now());
    loop {
        std::thread::sleep(tick);
        if progress.done.load(Ordering::SeqCst) {
            return;
        }
        let now = progress.bytes.load(Ordering::SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() >= stall {
            eprintln!(
                "mesos-fetcher: failed to fetch '{shown}': no data received for {stall:?} \
                 (the agent's fetcher_stall_timeout) after {now} bytes"
            );
            std::process::exit(1);
        }
    }
}

fn get(uri: &str, dest: &mut File, progress: &Progress) -> Result<u64, Cause> {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("mesos-fetcher/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .build()
        .into();
    let response = agent.get(uri).call().map_err(transport)?;
    let status = response.status();
    if status != 200 {
        return Err(Cause::HttpStatus {
            code: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_owned(),
        });
    }
    let mut body = response.into_body().into_reader();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Cause::Transport(format!(
                    "reading the response after {total} bytes: {e}"
                )))
            }
        };
        dest.write_all(&buf[..n])
            .map_err(|e| Cause::Local(format!("write the download: {e}")))?;
        total += n as u64;
        progress.bytes.store(total, Ordering::SeqCst);
    }
    Ok(total)
}

/// A transport error as a message that cannot carry the URI (and so no credential in it).
fn transport(e: ureq::Error) -> Cause {
    let text = match e {
        ureq::Error::BadUri(_) => "the URI is not a valid HTTP(S) URL".to_owned(),
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => {
            "connection refused".to_owned()
        }
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::HostNotFound => "host not found (name resolution failed)".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        ureq::Error::Rustls(e) => format!("TLS: {e}"),
        ureq::Error::TooManyRedirects => "too many redirects".to_owned(),
        ureq::Error::RedirectFailed => "a redirect could not be followed".to_owned(),
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => {
            "the proxy from the environment failed or is invalid".to_owned()
        }
        other => other.to_string(),
    };
    Cause::Transport(text)
}
