//! TLS plumbing of the two platform listeners: the acceptor, the accept loop that closes and
//! re-opens its socket for `down` faults, and one HTTP/1.1 connection over TLS.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use openssl::ssl::{Ssl, SslAcceptor, SslMethod};
use tokio::sync::watch;

use super::dispatch::handle;
use super::state::Shared;
use crate::material::Material;

pub fn build_acceptor(mat: &Material) -> std::io::Result<SslAcceptor> {
    let e = |e: openssl::error::ErrorStack| std::io::Error::other(e);
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).map_err(e)?;
    b.set_private_key(&mat.server_key).map_err(e)?;
    b.set_certificate(&mat.server_cert).map_err(e)?;
    b.check_private_key().map_err(e)?;
    Ok(b.build())
}

async fn wait_down(rx: &mut watch::Receiver<bool>) {
    loop {
        if !*rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

async fn serve_tls(sh: Arc<Shared>, lid: usize, tcp: tokio::net::TcpStream) {
    let mut rx = sh.listeners[lid].up.subscribe();
    let Ok(ssl) = Ssl::new(sh.acceptor.context()) else {
        return;
    };
    let Ok(mut stream) = tokio_openssl::SslStream::new(ssl, tcp) else {
        return;
    };
    let hs = tokio::time::timeout(
        Duration::from_secs(10),
        std::pin::Pin::new(&mut stream).accept(),
    );
    match hs.await {
        Ok(Ok(())) => {}
        _ => return,
    }
    sh.lstats[lid].connections.fetch_add(1, Ordering::Relaxed);
    let activity = Arc::new(Activity::default());
    let (sh2, act) = (Arc::clone(&sh), Arc::clone(&activity));
    let svc = hyper::service::service_fn(move |req| {
        let (sh, act) = (Arc::clone(&sh2), Arc::clone(&act));
        async move {
            act.begin();
            sh.lstats[lid].in_flight.fetch_add(1, Ordering::SeqCst);
            let answer = handle(Arc::clone(&sh), lid, req).await;
            sh.lstats[lid].in_flight.fetch_sub(1, Ordering::SeqCst);
            act.end();
            answer
        }
    });
    // Title-Case header names on the wire, as the platform sends them: some clients look
    // `Wechatpay-Timestamp` up case-sensitively.
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .title_case_headers(true)
        .serve_connection(TokioIo::new(stream), svc);
    let mut conn = std::pin::pin!(conn);
    let keep_alive = Duration::from_millis(sh.cfg.keep_alive_ms);
    let mut closing = false;
    loop {
        // With a keep-alive limit, look again when the connection could first have been idle
        // that long; a connection between requests for that long is closed, as the platform
        // closes one left idle for about 8 s.
        let check = if keep_alive.is_zero() || closing {
            Duration::from_secs(3600)
        } else {
            keep_alive
                .saturating_sub(activity.idle_for())
                .max(Duration::from_millis(5))
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = wait_down(&mut rx) => return,
            _ = tokio::time::sleep(check) => {
                if !keep_alive.is_zero() && !closing && activity.idle_for() >= keep_alive {
                    sh.lstats[lid].idle_closed.fetch_add(1, Ordering::Relaxed);
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// When a connection last finished a request, and how many are in flight on it.
struct Activity {
    in_flight: AtomicUsize,
    /// Milliseconds since `since` when the last request finished (or the connection opened).
    last_ms: AtomicU64,
    since: Instant,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            in_flight: AtomicUsize::new(0),
            last_ms: AtomicU64::new(0),
            since: Instant::now(),
        }
    }
}

impl Activity {
    fn begin(&self) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
    }
    fn end(&self) {
        self.last_ms
            .store(self.since.elapsed().as_millis() as u64, Ordering::SeqCst);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    /// How long the connection has been idle; zero while a request is in flight.
    fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return Duration::ZERO;
        }
        let last = Duration::from_millis(self.last_ms.load(Ordering::SeqCst));
        self.since.elapsed().saturating_sub(last)
    }
}

async fn bind_again(port: u16) -> tokio::net::TcpListener {
    loop {
        // std sets SO_REUSEADDR on Unix, so TIME_WAIT leftovers do not block the rebind.
        if let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            if l.set_nonblocking(true).is_ok() {
                if let Ok(l) = tokio::net::TcpListener::from_std(l) {
                    return l;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Accept loop for one TLS listener; closes and re-opens the socket on `down` / up.
pub async fn listener_loop(sh: Arc<Shared>, lid: usize, first: std::net::TcpListener) {
    let mut rx = sh.listeners[lid].up.subscribe();
    let mut pending = Some(first);
    loop {
        loop {
            if *rx.borrow_and_update() {
                break;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
        let listener = match pending.take() {
            Some(l) => match tokio::net::TcpListener::from_std(l) {
                Ok(l) => l,
                Err(_) => bind_again(sh.listeners[lid].port).await,
            },
            None => bind_again(sh.listeners[lid].port).await,
        };
        sh.listeners[lid].bound.store(true, Ordering::SeqCst);
        loop {
            tokio::select! {
                r = listener.accept() => {
                    if let Ok((tcp, _)) = r {
                        let _ = tcp.set_nodelay(true);
                        tokio::spawn(serve_tls(Arc::clone(&sh), lid, tcp));
                    }
                }
                c = rx.changed() => {
                    if c.is_err() {
                        return;
                    }
                    if !*rx.borrow_and_update() {
                        break;
                    }
                }
            }
        }
        drop(listener);
        sh.listeners[lid].bound.store(false, Ordering::SeqCst);
    }
}
