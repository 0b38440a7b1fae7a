//! The HTTP servers of a pipeline: the `http` source ([`ingest`]) and `[api]` ([`api`]).
//!
//! Both share this module's plumbing: binding (127.0.0.1 unless configured otherwise),
//! optional TLS (rustls, ring provider), bearer-token checks in constant time, HTTP/1.1 with
//! hyper, and a graceful stop: on shutdown no new connection is accepted, idle keep-alive
//! connections close, and requests in flight finish.

pub(crate) mod api;
pub(crate) mod ingest;

use std::convert::Infallible;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use subtle::ConstantTimeEq;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::{Endpoint, Secret, TlsFiles};
use crate::counters::add;
use crate::runtime::{RunError, Shutdown};

pub(crate) type Body = Full<Bytes>;

/// Why a certificate / key pair cannot be used: which file is at fault.
#[derive(Debug)]
pub(crate) enum TlsError {
    Cert(String),
    Key(String),
}

/// Loads a PEM certificate chain and private key into a rustls server config (HTTP/1.1).
pub(crate) fn tls_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let (cert, key) = (&files.cert, &files.key);
    let certs = read(cert, TlsError::Cert)
        .and_then(|pem| {
            CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| TlsError::Cert(format!("`tls_cert` {}: not a PEM certificate chain: {e}", cert.display())))
        })
        .and_then(|c| {
            if c.is_empty() {
                Err(TlsError::Cert(format!("`tls_cert` {}: holds no certificate", cert.display())))
            } else {
                Ok(c)
            }
        })?;
    let key_der = read(key, TlsError::Key).and_then(|pem| {
        PrivateKeyDer::from_pem_slice(&pem)
            .map_err(|e| TlsError::Key(format!("`tls_key` {}: not a PEM private key: {e}", key.display())))
    })?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Cert(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| TlsError::Key(format!("`tls_key` {} does not fit `tls_cert`: {e}", key.display())))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read(path: &Path, kind: fn(String) -> TlsError) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| kind(format!("cannot read {}: {e}", path.display())))
}

/// A bound listener and its TLS acceptor, ready to [`serve`].
pub(crate) struct Listener {
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
}

pub(crate) async fn bind(owner: &str, ep: &Endpoint) -> Result<Listener, RunError> {
    let err = |detail: String| RunError::Source { source_name: owner.to_owned(), detail };
    let tls = match &ep.tls {
        Some(files) => Some(TlsAcceptor::from(tls_config(files).map_err(|e| match e {
            TlsError::Cert(m) | TlsError::Key(m) => err(m),
        })?)),
        None => None,
    };
    let tcp = TcpListener::bind(ep.listen).await.map_err(|e| err(format!("cannot listen on {}: {e}", ep.listen)))?;
    Ok(Listener { tcp, tls })
}

/// Longest a client may take to finish a TLS handshake or send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves connections until `stop`, then stops accepting and waits for open connections to
/// finish their request in flight.
pub(crate) async fn serve<H, F>(listener: Listener, handler: H, stop: Shutdown)
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.tcp.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: wait rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let (handler, stop, tls) = (handler.clone(), stop.clone(), listener.tls.clone());
                conns.spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            if let Ok(Ok(s)) = tokio::time::timeout(HEAD_TIMEOUT, acceptor.accept(stream)).await {
                                connection(s, handler, stop).await;
                            }
                        }
                        None => connection(stream, handler, stop).await,
                    }
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            () = stop.wait() => break,
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

async fn connection<IO, H, F>(io: IO, handler: H, stop: Shutdown)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let h = handler.clone();
        async move { Ok::<_, Infallible>(h(req).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = stop.wait() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// True when no token is configured or the request carries `Authorization: Bearer TOKEN`.
/// The comparison takes the same time whatever the bytes (only the length can differ).
pub(crate) fn authorized(req: &Request<Incoming>, token: Option<&Secret>) -> bool {
    let Some(token) = token else { return true };
    let Some(value) = req.headers().get(AUTHORIZATION) else { return false };
    let v = value.as_bytes();
    if v.len() < 7 || !v[..7].eq_ignore_ascii_case(b"bearer ") {
        return false;
    }
    let given = v[7..].trim_ascii();
    given.ct_eq(token.expose().as_bytes()).into()
}

/// 401 with the challenge, counted.
pub(crate) fn unauthorized(counter: &AtomicU64) -> Response<Body> {
    add(counter, 1);
    let mut r = json(StatusCode::UNAUTHORIZED, &serde_json::json!({"error": "missing or wrong bearer token"}));
    r.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"fieldkit\""));
    r
}

pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut body = serde_json::to_vec(value).unwrap_or_default();
    body.push(b'\n');
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json(status, &serde_json::json!({"error": message.into()}))
}
