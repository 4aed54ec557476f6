//! A minimal ZooKeeper server (and client) for master detection in tests.
//!
//! With a plain `host:port` master, libmesos' scheduler driver never learns that its master
//! died (that detector never changes its answer). Real deployments detect masters through
//! ZooKeeper: the leading master holds an ephemeral node under a group path, ZooKeeper removes
//! it when the master's session ends, and drivers watching the group see the change.
//!
//! [`Zk`] speaks the part of the ZooKeeper wire protocol that libmesos' group watcher uses
//! (session handshake, pings, `exists`, `create`, `getChildren` with a watch, `getData`,
//! `sync`, `setWatches`, `close`) over one group znode, with ephemeral sequential members that
//! are removed when their client's connection closes (a real server waits for the session
//! timeout; here the session ends with its connection). [`join`] is the member side: libmesos'
//! local cluster never joins ZooKeeper itself, so a process hosting one announces its master
//! with it, as a master's contender would.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use protobuf::Message;

use mesos::types::MasterInfo;

// Operation codes and error codes of the ZooKeeper protocol.
const OP_CREATE: i32 = 1;
const OP_EXISTS: i32 = 3;
const OP_GET_DATA: i32 = 4;
const OP_GET_CHILDREN: i32 = 8;
const OP_SYNC: i32 = 9;
const OP_PING: i32 = 11;
const OP_GET_CHILDREN2: i32 = 12;
const OP_SET_WATCHES: i32 = 101;
const OP_CLOSE: i32 = -11;
const ERR_OK: i32 = 0;
const ERR_UNIMPLEMENTED: i32 = -6;
const ERR_NO_NODE: i32 = -101;
const ERR_NODE_EXISTS: i32 = -110;
const XID_WATCH_EVENT: i32 = -1;
const CREATE_EPHEMERAL_SEQUENTIAL: i32 = 3;
const EVENT_CHILDREN_CHANGED: i32 = 4;
const STATE_CONNECTED: i32 = 3;
/// The label libmesos gives a master's node whose data is a serialized `MasterInfo`.
const MASTER_LABEL: &str = "info_";
/// The protocol's length of a connect request without the read-only flag.
const CONNECT_REQUEST_LEN: usize = 44;

#[derive(Default)]
struct State {
    /// Children of the group znode: name -> (data, owning session).
    members: BTreeMap<String, (Vec<u8>, i64)>,
    sequence: i32,
    zxid: i64,
    /// Connections with a pending children watch on the group.
    watchers: Vec<Arc<Mutex<TcpStream>>>,
    /// Requests served, by operation code (for diagnostics).
    requests: BTreeMap<i32, u64>,
    /// Session ids handed out so far.
    clients: i64,
}

/// A running server; its threads end with the test process.
#[derive(Clone)]
pub struct Zk {
    /// `127.0.0.1:<port>`.
    pub address: String,
    /// The group znode (`/mesos`).
    pub group: String,
    state: Arc<Mutex<State>>,
}

impl Zk {
    /// Starts a server on a free loopback port, with the group znode `/mesos`.
    pub fn start() -> Zk {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let zk = Zk {
            address: listener.local_addr().unwrap().to_string(),
            group: "/mesos".into(),
            state: Arc::default(),
        };
        let server = zk.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let server = server.clone();
                std::thread::spawn(move || {
                    let mut session = 0;
                    let _ = server.serve(conn, &mut session);
                    // The session ends with its connection: its ephemeral members go.
                    let mut st = server.state.lock().unwrap();
                    let before = st.members.len();
                    st.members.retain(|_, (_, owner)| *owner != session);
                    if st.members.len() != before {
                        server.changed(&mut st);
                    }
                });
            }
        });
        zk
    }

    /// The master URL for a driver: `zk://<address>/mesos`.
    pub fn url(&self) -> String {
        format!("zk://{}{}", self.address, self.group)
    }

    /// The names of the group's members.
    pub fn members(&self) -> Vec<String> {
        self.state.lock().unwrap().members.keys().cloned().collect()
    }

    /// How many requests of each operation code were served.
    pub fn requests(&self) -> BTreeMap<i32, u64> {
        self.state.lock().unwrap().requests.clone()
    }

    fn changed(&self, st: &mut State) {
        st.zxid += 1;
        let mut event = Vec::new();
        put_i32(&mut event, EVENT_CHILDREN_CHANGED);
        put_i32(&mut event, STATE_CONNECTED);
        put_str(&mut event, &self.group);
        for w in st.watchers.drain(..) {
            let _ = reply(&w, XID_WATCH_EVENT, -1, ERR_OK, &event);
        }
    }

    fn serve(&self, conn: TcpStream, session_out: &mut i64) -> std::io::Result<()> {
        conn.set_nodelay(true)?;
        let mut input = conn.try_clone()?;
        let out = Arc::new(Mutex::new(conn));
        // Session handshake: a connect request, answered with a session id and password.
        let connect = read_frame(&mut input)?;
        let mut r = Reader(&connect);
        let _protocol = r.i32();
        let _last_zxid = r.i64();
        let timeout = r.i32();
        let requested_session = r.i64();
        let session = if requested_session != 0 {
            requested_session
        } else {
            let mut st = self.state.lock().unwrap();
            st.clients += 1;
            0x5a00_0000 + st.clients
        };
        *session_out = session;
        let mut body = Vec::new();
        put_i32(&mut body, 0);
        put_i32(&mut body, timeout);
        put_i64(&mut body, session);
        put_buf(&mut body, &[0u8; 16]);
        if connect.len() > CONNECT_REQUEST_LEN {
            // The client sent the read-only flag: answer with ours.
            body.push(0);
        }
        write_frame(&out, &body)?;

        loop {
            let frame = read_frame(&mut input)?;
            let mut r = Reader(&frame);
            let xid = r.i32();
            let op = r.i32();
            let mut st = self.state.lock().unwrap();
            *st.requests.entry(op).or_default() += 1;
            let zxid = st.zxid;
            let mut body = Vec::new();
            let err = match op {
                OP_PING => ERR_OK,
                OP_CLOSE => {
                    drop(st);
                    reply(&out, xid, zxid, ERR_OK, &[])?;
                    return Ok(());
                }
                OP_SET_WATCHES => {
                    let _relative_zxid = r.i64();
                    let _data_watches = r.strings();
                    let _exist_watches = r.strings();
                    let child_watches = r.strings();
                    if child_watches.contains(&self.group) {
                        st.watchers.push(out.clone());
                    }
                    ERR_OK
                }
                OP_SYNC => {
                    put_str(&mut body, &r.string());
                    ERR_OK
                }
                OP_EXISTS => {
                    let path = r.string();
                    match self.node(&st, &path) {
                        Some((data, children)) => {
                            put_stat(&mut body, zxid, data.len(), children);
                            ERR_OK
                        }
                        None => ERR_NO_NODE,
                    }
                }
                OP_CREATE => {
                    let path = r.string();
                    let data = r.buf();
                    let acls = r.i32().max(0);
                    for _ in 0..acls {
                        let _perms = r.i32();
                        let _scheme = r.string();
                        let _id = r.string();
                    }
                    let flags = r.i32();
                    let member = path.strip_prefix(&format!("{}/", self.group));
                    if self.node(&st, &path).is_some() {
                        ERR_NODE_EXISTS
                    } else if let (Some(prefix), CREATE_EPHEMERAL_SEQUENTIAL) = (member, flags) {
                        st.sequence += 1;
                        let name = format!("{prefix}{:010}", st.sequence);
                        put_str(&mut body, &format!("{}/{name}", self.group));
                        st.members.insert(name, (data, session));
                        self.changed(&mut st);
                        ERR_OK
                    } else {
                        // Only ephemeral sequential members of the group are supported.
                        ERR_UNIMPLEMENTED
                    }
                }
                OP_GET_CHILDREN | OP_GET_CHILDREN2 => {
                    let path = r.string();
                    let watch = r.bool();
                    if path == self.group {
                        if watch {
                            st.watchers.push(out.clone());
                        }
                        let names: Vec<String> = st.members.keys().cloned().collect();
                        put_i32(&mut body, names.len() as i32);
                        for n in &names {
                            put_str(&mut body, n);
                        }
                        if op == OP_GET_CHILDREN2 {
                            put_stat(&mut body, zxid, 0, names.len());
                        }
                        ERR_OK
                    } else if self.node(&st, &path).is_some() {
                        put_i32(&mut body, 0);
                        if op == OP_GET_CHILDREN2 {
                            put_stat(&mut body, zxid, 0, 0);
                        }
                        ERR_OK
                    } else {
                        ERR_NO_NODE
                    }
                }
                OP_GET_DATA => {
                    let path = r.string();
                    match self.node(&st, &path) {
                        Some((data, children)) => {
                            put_buf(&mut body, &data);
                            put_stat(&mut body, zxid, data.len(), children);
                            ERR_OK
                        }
                        None => ERR_NO_NODE,
                    }
                }
                _ => ERR_UNIMPLEMENTED,
            };
            drop(st);
            if err != ERR_OK {
                body.clear();
            }
            reply(&out, xid, zxid, err, &body)?;
        }
    }

    /// The data and number of children of `path`, if it exists.
    fn node(&self, st: &State, path: &str) -> Option<(Vec<u8>, usize)> {
        if path == self.group {
            return Some((Vec::new(), st.members.len()));
        }
        if path == "/" || self.group.starts_with(&format!("{path}/")) {
            return Some((Vec::new(), 1));
        }
        let name = path.strip_prefix(&format!("{}/", self.group))?;
        st.members.get(name).map(|(d, _)| (d.clone(), 0))
    }
}

fn read_frame(input: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let len = i32::from_be_bytes(len);
    if !(0..=1 << 20).contains(&len) {
        return Err(std::io::Error::other(format!("bad frame length {len}")));
    }
    let mut buf = vec![0u8; len as usize];
    input.read_exact(&mut buf)?;
    Ok(buf)
}

fn write_frame(out: &Mutex<TcpStream>, body: &[u8]) -> std::io::Result<()> {
    let mut frame = Vec::with_capacity(body.len() + 4);
    put_i32(&mut frame, body.len() as i32);
    frame.extend_from_slice(body);
    out.lock().unwrap().write_all(&frame)
}

fn reply(
    out: &Mutex<TcpStream>,
    xid: i32,
    zxid: i64,
    err: i32,
    body: &[u8],
) -> std::io::Result<()> {
    let mut b = Vec::with_capacity(body.len() + 16);
    put_i32(&mut b, xid);
    put_i64(&mut b, zxid);
    put_i32(&mut b, err);
    b.extend_from_slice(body);
    write_frame(out, &b)
}

fn put_i32(b: &mut Vec<u8>, v: i32) {
    b.extend_from_slice(&v.to_be_bytes());
}
fn put_i64(b: &mut Vec<u8>, v: i64) {
    b.extend_from_slice(&v.to_be_bytes());
}
fn put_buf(b: &mut Vec<u8>, v: &[u8]) {
    put_i32(b, v.len() as i32);
    b.extend_from_slice(v);
}
fn put_str(b: &mut Vec<u8>, v: &str) {
    put_buf(b, v.as_bytes());
}
/// A node's `Stat`: czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner,
/// dataLength, numChildren, pzxid.
fn put_stat(b: &mut Vec<u8>, zxid: i64, data_len: usize, children: usize) {
    for v in [zxid, zxid, 0, 0] {
        put_i64(b, v);
    }
    for v in [0, 0, 0] {
        put_i32(b, v);
    }
    put_i64(b, 0);
    put_i32(b, data_len as i32);
    put_i32(b, children as i32);
    put_i64(b, zxid);
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }
    fn i32(&mut self) -> i32 {
        let b = self.take(4);
        if b.len() < 4 {
            return 0;
        }
        i32::from_be_bytes(b.try_into().unwrap())
    }
    fn i64(&mut self) -> i64 {
        let b = self.take(8);
        if b.len() < 8 {
            return 0;
        }
        i64::from_be_bytes(b.try_into().unwrap())
    }
    fn bool(&mut self) -> bool {
        self.take(1).first().is_some_and(|b| *b != 0)
    }
    fn buf(&mut self) -> Vec<u8> {
        let len = self.i32().max(0) as usize;
        self.take(len).to_vec()
    }
    fn string(&mut self) -> String {
        String::from_utf8_lossy(&self.buf()).into_owned()
    }
    fn strings(&mut self) -> Vec<String> {
        let n = self.i32().max(0);
        (0..n).map(|_| self.string()).collect()
    }
}

/// Joins the group `/mesos` of the server at `address` as the master `master` (an ephemeral
/// sequential member with the `MasterInfo` as data, as a master's contender does) and keeps the
/// session for the rest of this process: the member goes away when the process dies.
pub fn join(address: &str, master: &MasterInfo) -> std::io::Result<String> {
    let mut conn = TcpStream::connect(address)?;
    let out = Mutex::new(conn.try_clone()?);
    let mut connect = Vec::new();
    put_i32(&mut connect, 0);
    put_i64(&mut connect, 0);
    put_i32(&mut connect, 10_000);
    put_i64(&mut connect, 0);
    put_buf(&mut connect, &[0u8; 16]);
    write_frame(&out, &connect)?;
    read_frame(&mut conn)?;

    let mut create = Vec::new();
    put_i32(&mut create, 1); // xid
    put_i32(&mut create, OP_CREATE);
    put_str(&mut create, &format!("/mesos/{MASTER_LABEL}"));
    put_buf(&mut create, &master.write_to_bytes().unwrap());
    put_i32(&mut create, 1); // one ACL: everyone may do anything
    put_i32(&mut create, 0x1f);
    put_str(&mut create, "world");
    put_str(&mut create, "anyone");
    put_i32(&mut create, CREATE_EPHEMERAL_SEQUENTIAL);
    write_frame(&out, &create)?;
    let answer = read_frame(&mut conn)?;
    let mut r = Reader(&answer);
    let (_xid, _zxid, err) = (r.i32(), r.i64(), r.i32());
    if err != ERR_OK {
        return Err(std::io::Error::other(format!("create failed with {err}")));
    }
    let path = r.string();
    // Keep the session until the process exits.
    std::mem::forget(conn);
    std::mem::forget(out);
    Ok(path)
}
