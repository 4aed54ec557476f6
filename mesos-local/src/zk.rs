//! The master's membership in a ZooKeeper group (`--zk`), as a Mesos 1.11 master's contender
//! holds it: the group znode (persistent, made with its parents when missing) and an
//! ephemeral sequential member `json.info_<sequence>` whose data is the master's `MasterInfo`
//! as JSON with the message's field names. Frameworks' drivers detect the member with the
//! lowest sequence as the leader. With `user:password@` in the URL, the session
//! authenticates with the `digest` scheme and its znodes are readable by anyone and
//! writable by their creator only.
//!
//! The local cluster's master itself does not know about the group (libmesos' local cluster
//! has a standalone contender): it serves whoever connects, leader or not.

use std::time::{Duration, Instant};

use mesos::types::MasterInfo;
use zookeeper_client as zkc;

/// The label of a master's member znode.
const LABEL: &str = "json.info";

/// Anyone reads, the creator does everything.
const READ_ANYONE_CREATOR_ALL: &[zkc::Acl] = &[
    zkc::Acl::new_const(zkc::Permission::READ, "world", "anyone"),
    zkc::Acl::new_const(zkc::Permission::ALL, "auth", ""),
];
/// Anyone does everything.
const OPEN: &[zkc::Acl] = &[zkc::Acl::new_const(zkc::Permission::ALL, "world", "anyone")];

/// A live membership; dropping it closes the session, which removes the member.
pub struct Member {
    /// The member znode, e.g. `/mesos/json.info_0000000003`.
    pub path: String,
    client: Option<zkc::Client>,
    runtime: tokio::runtime::Runtime,
}

/// The URL without its credentials, to be shown.
pub fn shown(url: &str) -> String {
    match url.strip_prefix("zk://").and_then(|r| r.rsplit_once('@')) {
        Some((_, rest)) => format!("zk://{rest}"),
        None => url.to_owned(),
    }
}

impl Member {
    /// Joins the group of `url` (already checked to be `zk://[creds@]servers/path`) with a
    /// session of `session`; `lost` is called once if that session ends (expired, closed by
    /// the servers or refused authentication).
    pub fn join(
        url: &str,
        session: Duration,
        master: &MasterInfo,
        lost: impl FnOnce() + Send + 'static,
    ) -> Result<Member, String> {
        let rest = url.strip_prefix("zk://").unwrap_or(url);
        let (credentials, rest) = match rest.rsplit_once('@') {
            Some((c, r)) => (Some(c.to_owned()), r),
            None => (None, rest),
        };
        let at = rest.find('/').unwrap_or(rest.len());
        let (servers, group) = (&rest[..at], rest[at..].trim_end_matches('/').to_owned());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("mesos-local-zk")
            .enable_all()
            .build()
            .map_err(|e| format!("--zk: cannot start the ZooKeeper client: {e}"))?;
        let json = master_json(master)?;
        let acl = if credentials.is_some() {
            READ_ANYONE_CREATOR_ALL
        } else {
            OPEN
        };
        let shown = shown(url);
        let (client, path) = runtime.block_on(async {
            let mut connector = zkc::Client::connector()
                .with_session_timeout(session)
                .with_connection_timeout(Duration::from_secs(2));
            if let Some(c) = &credentials {
                connector = connector.with_auth("digest", c.as_bytes());
            }
            // ZooKeeper may still be starting: try for a while, as a Mesos master does.
            let deadline = Instant::now() + Duration::from_secs(60);
            let client = loop {
                match connector.clone().connect(servers).await {
                    Ok(c) => break c,
                    Err(e) if Instant::now() < deadline => {
                        eprintln!("mesos-local: ZooKeeper {shown}: {e}; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    Err(e) => return Err(format!("--zk: cannot connect to {shown}: {e}")),
                }
            };
            let persistent = zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(acl));
            match client.mkdir(&group, &persistent).await {
                Ok(()) | Err(zkc::Error::NodeExists) => {}
                Err(e) => return Err(format!("--zk: cannot create the group {group}: {e}")),
            }
            let member = format!("{group}/{LABEL}_");
            let ephemeral = zkc::CreateMode::EphemeralSequential.with_acls(zkc::Acls::new(acl));
            let (_, sequence) = client
                .create(&member, json.as_bytes(), &ephemeral)
                .await
                .map_err(|e| format!("--zk: cannot join the group {group}: {e}"))?;
            Ok((client, format!("{member}{sequence}")))
        })?;
        let mut watcher = client.state_watcher();
        runtime.spawn(async move {
            loop {
                if watcher.changed().await.is_terminated() {
                    lost();
                    return;
                }
            }
        });
        Ok(Member {
            path,
            client: Some(client),
            runtime,
        })
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        // Leaving on purpose: delete the member at once rather than at session expiry.
        if let Some(client) = self.client.take() {
            let path = self.path.clone();
            let _ = self.runtime.block_on(async move {
                let _ = client.delete(&path, None).await;
                drop(client);
                Ok::<(), ()>(())
            });
        }
    }
}

/// `master` as JSON with `mesos.proto`'s field names (what Mesos masters write).
fn master_json(master: &MasterInfo) -> Result<String, String> {
    let options = protobuf_json_mapping::PrintOptions {
        proto_field_name: true,
        ..Default::default()
    };
    protobuf_json_mapping::print_to_string_with_options(master, &options)
        .map_err(|e| format!("--zk: cannot write the master's info as JSON: {e}"))
}
