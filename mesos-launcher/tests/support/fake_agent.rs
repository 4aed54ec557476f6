//! A stand-in for the agent's side of the v1 executor HTTP API (`/slave(1)/api/v1/executor`,
//! `application/x-protobuf`), enough to run a command executor program: it answers
//! `SUBSCRIBE` with `SUBSCRIBED` on a RecordIO event stream, records every `UPDATE` (and its
//! `Authorization` header), and sends `LAUNCH`, `KILL`, `SHUTDOWN` and `ACKNOWLEDGED` when a
//! test says so.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use mesos::types::executor::{call, event, Call, Event};
use mesos::types::{TaskState, TaskStatus};
use protobuf::Message;

/// What the test can change about the agent's answers.
#[derive(Default)]
struct Control {
    /// Event streams open now.
    streams: Vec<TcpStream>,
    /// Where events go (the open stream's writer).
    events: Option<Sender<Event>>,
    /// Answer `UPDATE`s for these states with `500`.
    reject: Vec<TaskState>,
    /// `Authorization` headers seen.
    authorization: Vec<Option<String>>,
}

pub struct FakeAgent {
    pub port: u16,
    control: Arc<Mutex<Control>>,
    gone: Arc<AtomicBool>,
    updates: Mutex<Receiver<TaskStatus>>,
    subscribed: Mutex<Receiver<()>>,
}

impl FakeAgent {
    pub fn start(framework: mesos::types::FrameworkInfo, executor_id: &str) -> FakeAgent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let control = Arc::new(Mutex::new(Control::default()));
        let gone = Arc::new(AtomicBool::new(false));
        let (utx, updates) = channel();
        let (stx, subscribed) = channel();
        let (c, g) = (control.clone(), gone.clone());
        let executor_id = executor_id.to_owned();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                if g.load(Ordering::SeqCst) {
                    let _ = conn.shutdown(Shutdown::Both);
                    continue;
                }
                let (c, utx, stx) = (c.clone(), utx.clone(), stx.clone());
                let framework = framework.clone();
                let executor_id = executor_id.clone();
                std::thread::spawn(move || serve(conn, c, utx, stx, framework, &executor_id));
            }
        });
        FakeAgent {
            port,
            control,
            gone,
            updates: Mutex::new(updates),
            subscribed: Mutex::new(subscribed),
        }
    }

    /// Waits for the executor's subscription.
    pub fn wait_subscribed(&self, within: std::time::Duration) -> bool {
        self.subscribed.lock().unwrap().recv_timeout(within).is_ok()
    }

    pub fn send(&self, e: Event) {
        assert!(e.is_initialized(), "incomplete event {e:?}");
        let c = self.control.lock().unwrap();
        c.events
            .as_ref()
            .expect("no event stream open")
            .send(e)
            .unwrap();
    }

    pub fn next_update(&self, within: std::time::Duration) -> Option<TaskStatus> {
        self.updates.lock().unwrap().recv_timeout(within).ok()
    }

    pub fn reject_updates(&self, state: TaskState) {
        self.control.lock().unwrap().reject.push(state);
    }

    pub fn authorization(&self) -> Vec<Option<String>> {
        self.control.lock().unwrap().authorization.clone()
    }

    /// The agent goes away: event streams end, new connections are closed at once.
    pub fn disappear(&self) {
        self.gone.store(true, Ordering::SeqCst);
        let mut c = self.control.lock().unwrap();
        c.events = None;
        for s in c.streams.drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

pub fn event(t: event::Type) -> Event {
    let mut e = Event::new();
    e.set_type(t);
    e
}

struct Request {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn read_request(r: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let get = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(n) = get("content-length") {
        body.resize(n.parse().ok()?, 0);
        r.read_exact(&mut body).ok()?;
    } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Some(Request {
        path,
        headers,
        body,
    })
}

fn serve(
    conn: TcpStream,
    control: Arc<Mutex<Control>>,
    updates: Sender<TaskStatus>,
    subscribed: Sender<()>,
    framework: mesos::types::FrameworkInfo,
    executor_id: &str,
) {
    let mut w = conn.try_clone().unwrap();
    let mut r = BufReader::new(conn);
    while let Some(req) = read_request(&mut r) {
        let auth = req
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .map(|(_, v)| v.clone());
        control.lock().unwrap().authorization.push(auth);
        if req.path != "/slave(1)/api/v1/executor" {
            let _ = w.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            continue;
        }
        let Ok(call) = Call::parse_from_bytes(&req.body) else {
            let _ = w.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            continue;
        };
        match call.type_() {
            call::Type::SUBSCRIBE => {
                let (tx, rx) = channel::<Event>();
                {
                    let mut c = control.lock().unwrap();
                    c.streams.push(w.try_clone().unwrap());
                    c.events = Some(tx.clone());
                }
                let _ = w.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n\
                      Transfer-Encoding: chunked\r\n\r\n",
                );
                let mut e = event(event::Type::SUBSCRIBED);
                let s = e.subscribed.mut_or_insert_default();
                let ei = s.executor_info.mut_or_insert_default();
                ei.executor_id
                    .mut_or_insert_default()
                    .set_value(executor_id.into());
                ei.framework_id = framework.id.clone();
                ei.command
                    .mut_or_insert_default()
                    .set_value("mesos-executor".into());
                s.framework_info = Some(framework.clone()).into();
                let si = s.slave_info.mut_or_insert_default();
                si.set_hostname("fake-agent".into());
                si.id.mut_or_insert_default().set_value("agent-1".into());
                tx.send(e).unwrap();
                let _ = subscribed.send(());
                for e in rx {
                    let bytes = e.write_to_bytes().unwrap();
                    let mut record = format!("{}\n", bytes.len()).into_bytes();
                    record.extend_from_slice(&bytes);
                    let mut chunk = format!("{:x}\r\n", record.len()).into_bytes();
                    chunk.extend_from_slice(&record);
                    chunk.extend_from_slice(b"\r\n");
                    if w.write_all(&chunk).is_err() {
                        break;
                    }
                }
                let _ = w.shutdown(Shutdown::Both);
                return;
            }
            call::Type::UPDATE => {
                let status = call.update.status.clone().unwrap_or_default();
                let reject = control.lock().unwrap().reject.contains(&status.state());
                let _ = updates.send(status);
                let answer: &[u8] = if reject {
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 8\r\n\r\nrejected"
                } else {
                    b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
                };
                let _ = w.write_all(answer);
            }
            _ => {
                let _ = w.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
            }
        }
    }
}
