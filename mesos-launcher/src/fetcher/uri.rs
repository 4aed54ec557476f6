//! What a URI names: the file name it gets in the sandbox, whether it is local, and how it is
//! shown in messages (without credentials).

use std::path::{Component, Path, PathBuf};

use super::Cause;

/// How a URI is fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on this host (`file://`, `file://localhost`, or no scheme).
    Local(PathBuf),
    /// `http://` or `https://`.
    Http,
    /// Any other scheme (`ftp`, `hdfs`, `s3`, ...), which this fetcher does not download.
    Unsupported(String),
}

/// Classifies `uri`; a relative local path is taken under `frameworks_home`, as the agent's
/// `--frameworks_home` asks.
pub fn source(uri: &str, frameworks_home: Option<&str>) -> Result<Source, Cause> {
    let lower = uri.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(Source::Http);
    }
    let path = uri
        .strip_prefix("file://localhost")
        .or_else(|| uri.strip_prefix("file://"));
    let path = match path {
        Some(p) if !p.starts_with('/') => {
            return Err(Cause::Invalid(
                "a file:// URI needs an absolute path (file:///path or file://localhost/path)"
                    .into(),
            ))
        }
        Some(p) => p,
        None => {
            if let Some(at) = uri.find("://") {
                return Ok(Source::Unsupported(uri[..at].to_owned()));
            }
            uri
        }
    };
    if path.starts_with('/') {
        return Ok(Source::Local(PathBuf::from(path)));
    }
    match frameworks_home.filter(|h| !h.is_empty()) {
        Some(home) => Ok(Source::Local(Path::new(home).join(path))),
        None => Err(Cause::Invalid(
            "a relative path needs the agent's --frameworks_home, which is not set".into(),
        )),
    }
}

/// The name the fetched file gets in the sandbox when the URI has no `output_file`: the text
/// after the last `/` (for HTTP(S) without the query and fragment). Fails for URIs the agent
/// also refuses (a backslash, a single quote or a NUL; a scheme with no path) and for names
/// that are no file name (empty, `.` or `..`).
pub fn basename(uri: &str) -> Result<String, Cause> {
    if uri.contains(['\\', '\'', '\0']) {
        return Err(Cause::Invalid(
            "illegal characters in URI (a backslash, a single quote or a NUL)".into(),
        ));
    }
    let name = match uri.find("://") {
        Some(at) if at > 1 => {
            let rest = &uri[at + 3..];
            if rest.find('/').filter(|s| s + 1 < rest.len()).is_none() {
                return Err(Cause::Invalid("malformed URI (missing path)".into()));
            }
            let is_http = matches!(source(uri, None), Ok(Source::Http));
            let rest = if is_http {
                rest.split(['?', '#']).next().unwrap_or(rest)
            } else {
                rest
            };
            rest.rsplit('/').next().unwrap_or("").to_owned()
        }
        _ => Path::new(uri)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if name.is_empty() || name == "." || name == ".." {
        return Err(Cause::Invalid(format!(
            "the URI names no file ({:?} after the last '/'): give the URI an output_file",
            name
        )));
    }
    Ok(name)
}

/// A sandbox-relative path from `output_file`: leading `/` and `.` components are dropped
/// (the file always lands under the sandbox), and `..` is refused.
pub fn relative(output_file: &str) -> Result<PathBuf, Cause> {
    let mut out = PathBuf::new();
    for c in Path::new(output_file).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                return Err(Cause::Unsafe(format!(
                    "output_file '{output_file}' has a '..' component; it must stay in the sandbox"
                )))
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(Cause::Invalid(format!(
            "output_file '{output_file}' names no file"
        )));
    }
    Ok(out)
}

/// `uri` as it may appear in a log or a message: the user information of the authority
/// (`user:password@`) becomes `***@` and every query value becomes `***`, since either may be
/// a credential (basic authentication, a signed URL). The sandbox's `stderr`, where the fetcher
/// writes, is readable by the task and through the agent's `/files` endpoint.
///
/// ```
/// use mesos_launcher::fetcher::redact;
/// assert_eq!(
///     redact("https://bob:hunter2@example.com/a.tgz?sig=abc&x=1"),
///     "https://***@example.com/a.tgz?sig=***&x=***"
/// );
/// assert_eq!(redact("/opt/app.tar"), "/opt/app.tar");
/// ```
pub fn redact(uri: &str) -> String {
    let Some(at) = uri.find("://") else {
        return uri.to_owned();
    };
    let (scheme, rest) = (&uri[..at + 3], &uri[at + 3..]);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rfind('@') {
        Some(i) => format!("***{}", &authority[i..]),
        None => authority.to_owned(),
    };
    let (path, fragment) = match tail.find('#') {
        Some(i) => tail.split_at(i),
        None => (tail, ""),
    };
    let path = match path.split_once('?') {
        Some((p, query)) => {
            let masked: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) => format!("{k}=***"),
                    None if kv.is_empty() => String::new(),
                    None => "***".to_owned(),
                })
                .collect();
            format!("{p}?{}", masked.join("&"))
        }
        None => path.to_owned(),
    };
    format!("{scheme}{authority}{path}{fragment}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basenames_follow_the_agent_and_drop_http_queries() {
        assert_eq!(basename("http://h/a/b/run.sh").unwrap(), "run.sh");
        assert_eq!(
            basename("https://h/app.tar.gz?sig=x#f").unwrap(),
            "app.tar.gz"
        );
        assert_eq!(basename("hdfs://nn/x/data.bin").unwrap(), "data.bin");
        assert_eq!(basename("/opt/pkg/app.zip").unwrap(), "app.zip");
        assert_eq!(basename("file:///opt/a?b").unwrap(), "a?b");
        for bad in [
            "http://host",
            "http://host/",
            "http://host/dir/",
            "http://host/..",
            "/opt/it's",
            "C:\\x",
        ] {
            assert!(basename(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sources() {
        assert_eq!(
            source("file:///a/b", None).unwrap(),
            Source::Local("/a/b".into())
        );
        assert_eq!(
            source("file://localhost/a/b", None).unwrap(),
            Source::Local("/a/b".into())
        );
        assert_eq!(source("/a/b", None).unwrap(), Source::Local("/a/b".into()));
        assert_eq!(
            source("rel/b", Some("/home/fw")).unwrap(),
            Source::Local("/home/fw/rel/b".into())
        );
        assert!(source("rel/b", None).is_err());
        assert!(source("file://relative/b", None).is_err());
        assert_eq!(source("HTTPS://h/x", None).unwrap(), Source::Http);
        assert_eq!(
            source("ftp://h/x", None).unwrap(),
            Source::Unsupported("ftp".into())
        );
    }

    #[test]
    fn output_files_stay_in_the_sandbox() {
        assert_eq!(relative("bin/run").unwrap(), PathBuf::from("bin/run"));
        assert_eq!(relative("/abs/x").unwrap(), PathBuf::from("abs/x"));
        assert_eq!(relative("./x").unwrap(), PathBuf::from("x"));
        assert!(matches!(relative("../x"), Err(Cause::Unsafe(_))));
        assert!(matches!(relative("a/../../x"), Err(Cause::Unsafe(_))));
        assert!(relative("/").is_err());
    }

    #[test]
    fn redaction_hides_credentials_only() {
        assert_eq!(
            redact("http://u:p@127.0.0.1:8080/x"),
            "http://***@127.0.0.1:8080/x"
        );
        assert_eq!(redact("http://h/x?token"), "http://h/x?***");
        assert_eq!(redact("http://h/x#frag"), "http://h/x#frag");
        assert_eq!(redact("http://h:1/x"), "http://h:1/x");
        assert_eq!(redact("file:///a@b/c"), "file:///a@b/c");
    }
}
