//! A label printer on 127.0.0.1 for tests (feature `fake-printer`): it keeps the bytes of every
//! job it receives and answers the status queries (`~HS`, `<ESC>!?`) as it was told to, or not
//! at all, like a printer that hangs.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A Zebra `~HS` answer: ready, no flags.
pub const HS_READY: &[u8] = b"\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n";

/// How the printer answers the status queries; `None` keeps silent.
#[derive(Debug, Clone)]
pub struct Answers {
    pub zebra: Option<Vec<u8>>,
    pub tsc: Option<u8>,
}

impl Answers {
    /// Ready to print, in both languages.
    pub fn ready() -> Answers {
        Answers {
            zebra: Some(HS_READY.to_vec()),
            tsc: Some(0),
        }
    }

    /// Accepts connections but never answers a status query.
    pub fn silent() -> Answers {
        Answers {
            zebra: None,
            tsc: None,
        }
    }
}

pub struct FakePrinter {
    pub port: u16,
    /// The bytes of every connection that brought more than a status query, in arrival order.
    jobs: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Connections served to their end, status queries included: "nothing was sent" is known
    /// only once the sender's connections are over, not while one may still be arriving.
    closed: Arc<AtomicUsize>,
}

impl FakePrinter {
    /// On a free port.
    pub fn start(answers: Answers) -> FakePrinter {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake printer");
        FakePrinter::start_on(listener, answers)
    }

    /// On a listener the caller bound (e.g. a printer that comes back on its old port).
    pub fn start_on(listener: TcpListener, answers: Answers) -> FakePrinter {
        let port = listener.local_addr().expect("fake printer address").port();
        let jobs = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicUsize::new(0));
        let (kept, counted) = (jobs.clone(), closed.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (kept, counted, answers) = (kept.clone(), counted.clone(), answers.clone());
                std::thread::spawn(move || {
                    serve(conn, &answers, &kept);
                    counted.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        FakePrinter { port, jobs, closed }
    }

    pub fn jobs(&self) -> Vec<Vec<u8>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The jobs once `n` connections have ended (status queries count), or what there is after
    /// 10 s; with the number of connections that had ended.
    pub fn wait_closed(&self, n: usize) -> (usize, Vec<Vec<u8>>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let closed = self.closed.load(Ordering::SeqCst);
            if closed >= n || Instant::now() > deadline {
                return (closed, self.jobs());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The jobs once there are `n` of them, or what there is after 10 s.
    pub fn wait_jobs(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let jobs = self.jobs();
            if jobs.len() >= n || Instant::now() > deadline {
                return jobs;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// One connection: status queries get their answer and are not jobs; everything else until
/// the sender closes is one job.
fn serve(mut conn: std::net::TcpStream, answers: &Answers, jobs: &Mutex<Vec<Vec<u8>>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                let answer = match got.as_slice() {
                    b"~HS\r\n" => Some(answers.zebra.clone()),
                    b"\x1b!?" => Some(answers.tsc.map(|b| vec![b])),
                    _ => None,
                };
                if let Some(answer) = answer {
                    if let Some(bytes) = answer {
                        let _ = conn.write_all(&bytes);
                    }
                    got.clear();
                }
            }
        }
    }
    if !got.is_empty() {
        jobs.lock().unwrap_or_else(|p| p.into_inner()).push(got);
    }
}
