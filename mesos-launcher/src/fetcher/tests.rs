//! The fetcher run on real files, archives and a loopback HTTP server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;

fn info(sandbox: &Path, items: serde_json::Value) -> FetcherInfo {
    let json = serde_json::json!({"sandbox_directory": sandbox, "items": items});
    FetcherInfo::parse(&json.to_string()).unwrap()
}

fn bypass(uri: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"uri": uri, "action": "BYPASS_CACHE"})
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// A tar with `files` (path, contents, mode) and optional raw extra entries.
fn tar_bytes(files: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data, mode) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(*mode);
        h.set_cksum();
        b.append_data(&mut h, path, data.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn fetch_one(sandbox: &Path, uri: serde_json::Value) -> Result<(), Error> {
    run(&info(sandbox, serde_json::json!([bypass(uri)])))
}

#[test]
fn parse_reads_what_the_agent_writes() {
    let i = FetcherInfo::parse(
        r#"{"sandbox_directory":"/sb","cache_directory":"/c","user":"nobody",
            "frameworks_home":"/fw","stall_timeout":{"nanoseconds":60000000000},
            "items":[{"uri":{"value":"http://h/x.zip","executable":false,"extract":false,
                             "cache":true,"output_file":"d/y.zip"},
                      "action":"DOWNLOAD_AND_CACHE","cache_filename":"c1-x.zip"},
                     {"uri":{"value":"/a"},"action":"RETRIEVE_FROM_CACHE","cache_filename":"c2-a"}]}"#,
    )
    .unwrap();
    assert_eq!(i.sandbox_directory, Path::new("/sb"));
    assert_eq!(i.cache_directory.as_deref(), Some(Path::new("/c")));
    assert_eq!(i.user.as_deref(), Some("nobody"));
    assert_eq!(i.frameworks_home.as_deref(), Some("/fw"));
    assert_eq!(i.stall_timeout, Some(Duration::from_secs(60)));
    assert_eq!(i.items[0].action, Action::DownloadAndCache);
    assert!(!i.items[0].uri.extract());
    assert_eq!(i.items[0].uri.output_file(), "d/y.zip");
    assert_eq!(i.items[0].cache_filename.as_deref(), Some("c1-x.zip"));
    assert_eq!(i.items[1].action, Action::RetrieveFromCache);
    assert!(i.items[1].uri.extract());
    for bad in [
        "",
        "{}",
        r#"{"sandbox_directory":""}"#,
        r#"{"sandbox_directory":"/s","items":[{"action":"X","uri":{"value":"/a"}}]}"#,
    ] {
        assert!(
            matches!(FetcherInfo::parse(bad), Err(Error::Info(_))),
            "{bad}"
        );
    }
}

#[test]
fn local_files_are_copied_with_output_file_and_executable() {
    let src = tempfile::tempdir().unwrap();
    let sb = tempfile::tempdir().unwrap();
    let script = write(src.path(), "run.sh", b"#!/bin/sh\necho hi\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o600)).unwrap();
    let data = write(src.path(), "data.txt", b"payload");
    let items = serde_json::json!([
        bypass(
            serde_json::json!({"value": format!("file://{}", script.display()), "executable": true})
        ),
        bypass(
            serde_json::json!({"value": data.to_str().unwrap(), "output_file": "conf/sub/renamed.txt"})
        ),
        bypass(serde_json::json!({"value": format!("file://localhost{}", data.display())})),
    ]);
    run(&info(sb.path(), items)).unwrap();
    assert_eq!(mode(&sb.path().join("run.sh")), 0o755);
    assert_eq!(
        std::fs::read_to_string(sb.path().join("conf/sub/renamed.txt")).unwrap(),
        "payload"
    );
    assert_eq!(
        std::fs::read(sb.path().join("data.txt")).unwrap(),
        b"payload"
    );
}

#[test]
fn a_missing_local_file_names_the_uri_and_the_cause() {
    let sb = tempfile::tempdir().unwrap();
    let err = fetch_one(
        sb.path(),
        serde_json::json!({"value": "/nonexistent/thing.tgz"}),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("'/nonexistent/thing.tgz'") && text.contains("No such file or directory"),
        "{text}"
    );
    let err = fetch_one(sb.path(), serde_json::json!({"value": "hdfs://nn/x/y"})).unwrap_err();
    assert!(
        err.to_string().contains("'hdfs' scheme is not supported"),
        "{err}"
    );
}

#[test]
fn output_file_cannot_leave_the_sandbox() {
    let src = tempfile::tempdir().unwrap();
    let sb = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let data = write(src.path(), "d", b"x");
    let err = fetch_one(
        sb.path(),
        serde_json::json!({"value": data.to_str().unwrap(), "output_file": "../escaped"}),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Fetch {
                cause: Cause::Unsafe(_),
                ..
            }
        ),
        "{err}"
    );
    std::os::unix::fs::symlink(outside.path(), sb.path().join("link")).unwrap();
    let err = fetch_one(
        sb.path(),
        serde_json::json!({"value": data.to_str().unwrap(), "output_file": "link/escaped"}),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Fetch {
                cause: Cause::Unsafe(_),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert!(!sb.path().parent().unwrap().join("escaped").exists());
}

#[test]
fn tar_in_every_compression_and_zip_and_gz_are_extracted() {
    let src = tempfile::tempdir().unwrap();
    let sb = tempfile::tempdir().unwrap();
    let tar = tar_bytes(&[
        ("app/bin/start", "#!/bin/sh\n", 0o755),
        ("app/README", "plain", 0o644),
    ]);
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&tar_bytes(&[("bz/file", "from bzip2", 0o644)]))
        .unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(&tar_bytes(&[("xz/file", "from xz", 0o644)]))
        .unwrap();
    let mut zipw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o750);
    zipw.add_directory("z/dir/", opts).unwrap();
    zipw.start_file("z/dir/file", opts).unwrap();
    zipw.write_all(b"from zip").unwrap();
    zipw.add_symlink("z/link", "dir/file", opts).unwrap();
    let zip_bytes = zipw.finish().unwrap().into_inner();
    let files = [
        write(src.path(), "a.tar.gz", &gz(&tar)),
        write(src.path(), "b.tbz2", &bz.finish().unwrap()),
        write(src.path(), "c.tar.xz", &xz.finish().unwrap()),
        write(src.path(), "d.zip", &zip_bytes),
        write(src.path(), "e.txt.gz", &gz(b"gunzipped")),
        // Mislabelled: a plain tar named .tgz still unpacks.
        write(src.path(), "f.tgz", &tar_bytes(&[("plain/x", "p", 0o644)])),
    ];
    let items: Vec<_> = files
        .iter()
        .map(|f| bypass(serde_json::json!({"value": f.to_str().unwrap()})))
        .collect();
    run(&info(sb.path(), serde_json::Value::Array(items))).unwrap();
    let read = |p: &str| std::fs::read_to_string(sb.path().join(p)).unwrap();
    assert_eq!(read("app/README"), "plain");
    assert_eq!(mode(&sb.path().join("app/bin/start")), 0o755);
    assert_eq!(read("bz/file"), "from bzip2");
    assert_eq!(read("xz/file"), "from xz");
    assert_eq!(read("z/dir/file"), "from zip");
    assert_eq!(mode(&sb.path().join("z/dir/file")), 0o750);
    assert_eq!(read("z/link"), "from zip");
    assert!(sb.path().join("z/link").is_symlink());
    assert_eq!(read("e.txt"), "gunzipped");
    assert_eq!(read("plain/x"), "p");
    // The archives themselves stay, as with the agent's fetcher.
    assert!(sb.path().join("a.tar.gz").is_file());

    // extract: false keeps the archive as it is; executable wins over extract.
    let sb2 = tempfile::tempdir().unwrap();
    let items = serde_json::json!([
        bypass(serde_json::json!({"value": files[0].to_str().unwrap(), "extract": false})),
        bypass(serde_json::json!({"value": files[3].to_str().unwrap(), "executable": true})),
    ]);
    run(&info(sb2.path(), items)).unwrap();
    assert!(!sb2.path().join("app").exists() && !sb2.path().join("z").exists());
    assert_eq!(mode(&sb2.path().join("d.zip")), 0o755);
}

/// A tar whose one entry has the raw name `name` (which the builder would refuse).
fn tar_with_raw_name(name: &str, kind: tar::EntryType, link: Option<&str>) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_old();
    let raw = &mut h.as_old_mut().name;
    raw[..name.len()].copy_from_slice(name.as_bytes());
    if let Some(link) = link {
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
    }
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(if kind == tar::EntryType::Regular {
        5
    } else {
        0
    });
    h.set_cksum();
    let data: &[u8] = if kind == tar::EntryType::Regular {
        b"pwned"
    } else {
        b""
    };
    b.append(&h, data).unwrap();
    b.into_inner().unwrap()
}

#[test]
fn archives_cannot_write_outside_the_sandbox() {
    let src = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let sb = root.path().join("sandbox");
    std::fs::create_dir(&sb).unwrap();
    let outside = root.path().join("outside");
    std::fs::create_dir(&outside).unwrap();

    // `..` in a tar entry: refused, nothing written.
    let dotdot = write(
        src.path(),
        "dotdot.tar",
        &tar_with_raw_name("../escaped", tar::EntryType::Regular, None),
    );
    let err = fetch_one(&sb, serde_json::json!({"value": dotdot.to_str().unwrap()})).unwrap_err();
    assert!(
        matches!(&err, Error::Fetch { cause: Cause::Unsafe(m), .. } if m.contains("../escaped")),
        "{err}"
    );
    assert!(!root.path().join("escaped").exists());

    // An absolute entry lands under the sandbox.
    let abs = write(
        src.path(),
        "abs.tar",
        &tar_with_raw_name("/abs-entry", tar::EntryType::Regular, None),
    );
    fetch_one(&sb, serde_json::json!({"value": abs.to_str().unwrap()})).unwrap();
    assert_eq!(std::fs::read(sb.join("abs-entry")).unwrap(), b"pwned");

    // A symlink out of the sandbox, then a file through it: the link is made, the file is
    // refused.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, "out", &outside).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(5);
    h.set_mode(0o644);
    b.append_data(&mut h, "out/pwned", &b"pwned"[..]).unwrap();
    let through = write(src.path(), "through.tar", &b.into_inner().unwrap());
    let err = fetch_one(&sb, serde_json::json!({"value": through.to_str().unwrap()})).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Fetch {
                cause: Cause::Unsafe(_),
                ..
            }
        ),
        "{err}"
    );
    assert!(!outside.join("pwned").exists());

    // A hard link to a file outside: refused.
    std::fs::write(outside.join("secret"), "s").unwrap();
    let hard = write(
        src.path(),
        "hard.tar",
        &tar_with_raw_name("hl", tar::EntryType::Link, Some("../outside/secret")),
    );
    let err = fetch_one(&sb, serde_json::json!({"value": hard.to_str().unwrap()})).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Fetch {
                cause: Cause::Unsafe(_),
                ..
            }
        ),
        "{err}"
    );
    assert!(!sb.join("hl").exists());

    // Zip: `..` refused.
    let mut zipw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zipw.start_file("../zip-escaped", zip::write::SimpleFileOptions::default())
        .unwrap();
    zipw.write_all(b"pwned").unwrap();
    let z = write(src.path(), "evil.zip", &zipw.finish().unwrap().into_inner());
    let err = fetch_one(&sb, serde_json::json!({"value": z.to_str().unwrap()})).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Fetch {
                cause: Cause::Unsafe(_),
                ..
            }
        ),
        "{err}"
    );
    assert!(!root.path().join("zip-escaped").exists());

    // Zip: a file through the tar's symlink left in the sandbox: refused.
    let mut zipw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zipw.start_file("out/zip-pwned", zip::write::SimpleFileOptions::default())
        .unwrap();
    zipw.write_all(b"pwned").unwrap();
    let z = write(
        src.path(),
        "through.zip",
        &zipw.finish().unwrap().into_inner(),
    );
    let err = fetch_one(&sb, serde_json::json!({"value": z.to_str().unwrap()})).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Fetch {
                cause: Cause::Unsafe(_),
                ..
            }
        ),
        "{err}"
    );
    assert!(!outside.join("zip-pwned").exists());
}

#[test]
fn a_corrupt_archive_fails_with_its_name() {
    let src = tempfile::tempdir().unwrap();
    let sb = tempfile::tempdir().unwrap();
    let bad = write(src.path(), "broken.tar.gz", b"\x1f\x8bnot really gzip");
    let err = fetch_one(
        sb.path(),
        serde_json::json!({"value": bad.to_str().unwrap()}),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Fetch { cause: Cause::Archive(m), .. } if m.contains("broken.tar.gz")),
        "{err}"
    );
}

/// Serves `responses` (status line and body) to one connection each, recording requests.
fn serve(
    responses: Vec<(&'static str, Vec<u8>)>,
) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let mut requests = Vec::new();
        for (status, body) in responses {
            let (mut s, _) = listener.accept().unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
            }
            requests.push(String::from_utf8_lossy(&req).into_owned());
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(&body).unwrap();
        }
        requests
    });
    (address, handle)
}

#[test]
fn http_downloads_extract_and_report_statuses_without_credentials() {
    let sb = tempfile::tempdir().unwrap();
    let tgz = gz(&tar_bytes(&[("web/index", "served", 0o644)]));
    let (addr, server) = serve(vec![
        ("200 OK", tgz),
        ("200 OK", b"#!/bin/sh\n".to_vec()),
        ("404 Not Found", b"no".to_vec()),
    ]);
    let items = serde_json::json!([
        bypass(
            serde_json::json!({"value": format!("http://user:s3cret@{addr}/pkg/site.tar.gz?token=abc")})
        ),
        bypass(serde_json::json!({"value": format!("http://{addr}/bin/tool"), "executable": true})),
    ]);
    run(&info(sb.path(), items)).unwrap();
    assert_eq!(
        std::fs::read_to_string(sb.path().join("web/index")).unwrap(),
        "served"
    );
    assert!(sb.path().join("site.tar.gz").is_file());
    assert_eq!(mode(&sb.path().join("tool")), 0o755);

    let err = fetch_one(
        sb.path(),
        serde_json::json!({"value": format!("http://user:s3cret@{addr}/missing.sh?sig=xyz")}),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("HTTP 404 Not Found"), "{text}");
    assert!(
        text.contains(&format!("http://***@{addr}/missing.sh?sig=***")),
        "{text}"
    );
    assert!(!text.contains("s3cret") && !text.contains("xyz"), "{text}");
    let requests = server.join().unwrap();
    // Basic authentication from the URI's user information ("user:s3cret").
    assert!(requests[0].contains("dXNlcjpzM2NyZXQ="), "{}", requests[0]);

    // A closed port.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = fetch_one(
        sb.path(),
        serde_json::json!({"value": format!("http://{port}/x")}),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("connection refused")
            || err.to_string().contains("Connection refused"),
        "{err}"
    );
}

#[test]
fn the_cache_actions_download_once_and_extract_from_the_cache() {
    let src = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let archive = write(
        src.path(),
        "pkg.tgz",
        &gz(&tar_bytes(&[("c/f", "cached", 0o644)])),
    );
    let sb = tempfile::tempdir().unwrap();
    let json = serde_json::json!({
        "sandbox_directory": sb.path(),
        "cache_directory": cache.path().join("user"),
        "items": [{"uri": {"value": archive.to_str().unwrap(), "cache": true},
                   "action": "DOWNLOAD_AND_CACHE", "cache_filename": "c1-pkg.tgz"}]
    });
    run(&FetcherInfo::parse(&json.to_string()).unwrap()).unwrap();
    assert_eq!(
        std::fs::read_to_string(sb.path().join("c/f")).unwrap(),
        "cached"
    );
    assert!(cache.path().join("user/c1-pkg.tgz").is_file());
    // From the cache, only the extraction lands in the sandbox.
    assert!(!sb.path().join("pkg.tgz").exists());

    // RETRIEVE_FROM_CACHE with the source gone: the cache file is used.
    std::fs::remove_file(&archive).unwrap();
    let sb2 = tempfile::tempdir().unwrap();
    let json = serde_json::json!({
        "sandbox_directory": sb2.path(),
        "cache_directory": cache.path().join("user"),
        "items": [{"uri": {"value": archive.to_str().unwrap(), "cache": true, "extract": false},
                   "action": "RETRIEVE_FROM_CACHE", "cache_filename": "c1-pkg.tgz"}]
    });
    run(&FetcherInfo::parse(&json.to_string()).unwrap()).unwrap();
    assert!(sb2.path().join("pkg.tgz").is_file());
}

#[test]
fn as_root_the_fetch_runs_as_the_task_user() {
    if !user::is_root() {
        eprintln!("skipped: needs root to switch users");
        return;
    }
    // In a child process: switching users cannot be undone.
    let sb = tempfile::tempdir().unwrap();
    let nobody = user::lookup("nobody").unwrap();
    std::os::unix::fs::chown(sb.path(), Some(nobody.uid), Some(nobody.gid)).unwrap();
    let src = tempfile::tempdir().unwrap();
    std::fs::set_permissions(src.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let public = write(src.path(), "public", b"p");
    std::fs::set_permissions(&public, std::fs::Permissions::from_mode(0o644)).unwrap();
    let private = write(src.path(), "private", b"s");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let run_child = |file: &Path| {
        let json = serde_json::json!({
            "sandbox_directory": sb.path(), "user": "nobody",
            "items": [bypass(serde_json::json!({"value": file.to_str().unwrap()}))]
        });
        std::process::Command::new(&exe)
            .args([
                "--exact",
                "fetcher::tests::child_runs_the_fetcher",
                "--nocapture",
            ])
            .env("MESOS_FETCHER_INFO", json.to_string())
            .env("MESOS_LAUNCHER_TEST_CHILD", "1")
            .output()
            .unwrap()
    };
    let ok = run_child(&public);
    assert!(ok.status.success(), "{ok:?}");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(sb.path().join("public")).unwrap().uid(),
        nobody.uid
    );
    let denied = run_child(&private);
    assert!(!denied.status.success());
    assert!(
        String::from_utf8_lossy(&denied.stderr).contains("Permission denied"),
        "{denied:?}"
    );
}

#[test]
fn a_stalled_download_fails_after_the_stall_timeout() {
    // A listener that never accepts: the connection is made, no byte ever comes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sb = tempfile::tempdir().unwrap();
    let json = serde_json::json!({
        "sandbox_directory": sb.path(),
        "stall_timeout": {"nanoseconds": 1_000_000_000u64},
        "items": [bypass(serde_json::json!({"value": format!("http://{addr}/slow.tgz")}))]
    });
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fetcher::tests::child_runs_the_fetcher",
            "--nocapture",
        ])
        .env("MESOS_FETCHER_INFO", json.to_string())
        .env("MESOS_LAUNCHER_TEST_CHILD", "1")
        .output()
        .unwrap();
    drop(listener);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "failed to fetch 'http://{addr}/slow.tgz': no data received for 1s"
        )),
        "{stderr}"
    );
}

#[test]
fn child_runs_the_fetcher() {
    if std::env::var_os("MESOS_LAUNCHER_TEST_CHILD").is_some() {
        std::process::exit(main());
    }
}
