//! TLS to a room's server, as libpq's `sslmode` means it: `require` encrypts the connection
//! and does not check whose certificate the server shows (libpq checks it only from
//! `verify-ca` on, which the `postgres` client does not offer); `prefer`, the default, uses TLS
//! where the server offers it; `disable` never does. The handshake itself is checked: the
//! server must hold the key of the certificate it shows.
//!
//! rustls with its `ring` provider, through `tokio-postgres-rustls`: no system TLS library.

use std::sync::Arc;

use postgres::tls::MakeTlsConnect;
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The connector every connection to a server goes through.
pub(super) fn connector() -> anyhow::Result<Connector> {
    // ring, not aws-lc-rs (which needs cmake to build): its only lack, post-quantum key
    // exchange, is why rustls marks it deprecated, and PostgreSQL 15 offers none anyway.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
        .with_no_client_auth();
    Ok(Connector(MakeRustlsConnect::new(config)))
}

/// rustls's connector, taking any host a URL names. A Unix socket has no host name (the
/// client passes its folder's path), which rustls refuses as a server name before the
/// connection even knows whether it will use TLS; the certificate check above never reads the
/// name, so such a host is greeted as `localhost`.
#[derive(Clone)]
pub(super) struct Connector(MakeRustlsConnect);

impl<S> MakeTlsConnect<S> for Connector
where
    MakeRustlsConnect: MakeTlsConnect<S>,
{
    type Stream = <MakeRustlsConnect as MakeTlsConnect<S>>::Stream;
    type TlsConnect = <MakeRustlsConnect as MakeTlsConnect<S>>::TlsConnect;
    type Error = <MakeRustlsConnect as MakeTlsConnect<S>>::Error;

    fn make_tls_connect(&mut self, host: &str) -> Result<Self::TlsConnect, Self::Error> {
        let host = if ServerName::try_from(host).is_ok() {
            host
        } else {
            "localhost"
        };
        self.0.make_tls_connect(host)
    }
}

/// `sslmode=require`: any certificate, as libpq takes it; its signatures are still checked.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
