//! Typed settings from the environment (API.md "Process and configuration").
//! Every bad value is reported as one line naming its variable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use thiserror::Error;
use url::Url;

use crate::domain::enrollment::ReviewMode;
use crate::domain::values::TenantId;

pub const DEFAULT_OPERATOR_TENANT: &str = "00000000-0000-0000-0000-000000000001";
pub const DEFAULT_MAIL_FROM: &str = "csp-transition@localhost";
/// Where the development key and the default SQLite file live.
pub const DATA_DIR: &str = "data";

#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(variable: &'static str, message: impl Into<String>) -> Self {
        ConfigError {
            variable,
            message: message.into(),
        }
    }
}

/// The raw configuration, from flags or the environment.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// A SQLite file path (or sqlite://path, or :memory:), or a postgres:// URL
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "data/csp-transition.db",
        global = true
    )]
    pub database_url: String,
    /// Listen address
    #[arg(
        long,
        env = "BIND_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind_addr: String,
    /// Base of the links put in invitations (default http://BIND_ADDR)
    #[arg(long, env = "PUBLIC_BASE_URL", global = true)]
    pub public_base_url: Option<String>,
    /// HS256 key, at least 32 bytes
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// RS256 verification key (PEM public key)
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<PathBuf>,
    /// RS256 verification keys (JWKS document with kids)
    #[arg(long, env = "JWT_JWKS_FILE", global = true)]
    pub jwt_jwks_file: Option<PathBuf>,
    /// When set, tokens must carry this `iss`
    #[arg(long, env = "JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// When set, tokens must carry this `aud`
    #[arg(long, env = "JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// The operator (program owner) tenant
    #[arg(long, env = "OPERATOR_TENANT_ID", default_value = DEFAULT_OPERATOR_TENANT, global = true)]
    pub operator_tenant_id: String,
    /// auto: approve enrollments at submission; manual: wait for the operator
    #[arg(long, env = "ENROLLMENT_REVIEW", default_value = "auto", global = true)]
    pub enrollment_review: String,
    /// 32-byte key (base64) that encrypts secrets kept at rest
    #[arg(long, env = "DATA_KEY", hide_env_values = true, global = true)]
    pub data_key: Option<String>,
    /// A file holding DATA_KEY
    #[arg(long, env = "DATA_KEY_FILE", global = true)]
    pub data_key_file: Option<PathBuf>,
    /// true: webhook endpoints may be http:// and point at loopback or private addresses
    #[arg(
        long,
        env = "WEBHOOK_ALLOW_PRIVATE",
        default_value = "false",
        global = true
    )]
    pub webhook_allow_private: String,
    /// smtp://host:port, smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host; unset:
    /// e-mails stay in the outbox
    #[arg(long, env = "SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,
    /// Sender of delivered e-mails: an address, or "Name <address>"
    #[arg(long, env = "MAIL_FROM", default_value = DEFAULT_MAIL_FROM, global = true)]
    pub mail_from: String,
    /// on: this replica runs the background senders; off: it only serves requests
    #[arg(long, env = "SENDERS", default_value = "on", global = true)]
    pub senders: String,
    /// Customers an operation invites per second on this replica (R37); 0: as fast as the
    /// database allows
    #[arg(long, env = "OPERATION_RATE", default_value = "0", global = true)]
    pub operation_rate: String,
    /// Requests a tenant may make a minute on this replica; 0: no limit
    #[arg(
        long,
        env = "RATE_LIMIT_PER_MINUTE",
        default_value = "6000",
        global = true
    )]
    pub rate_limit_per_minute: String,
    /// Connections to the database this replica keeps, 1 to 1000; auto: two per core of this
    /// machine, at least 4
    #[arg(
        long,
        env = "DATABASE_POOL_SIZE",
        default_value = "auto",
        global = true
    )]
    pub database_pool_size: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path, or `:memory:`.
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<DatabaseUrl, ConfigError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ConfigError::new("DATABASE_URL", "must not be empty"));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            if scheme != "sqlite" {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    format!(
                        "unsupported scheme {scheme}://; use a SQLite path, sqlite://path or postgres://"
                    ),
                ));
            }
        }
        let path = raw.strip_prefix("sqlite://").unwrap_or(raw);
        if path.is_empty() {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "sqlite:// needs a file path",
            ));
        }
        Ok(DatabaseUrl::Sqlite(path.to_owned()))
    }

    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

/// Where tokens are verified from; loaded by `auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySources {
    pub hs256_secret: Option<String>,
    pub rsa_public_key_file: Option<PathBuf>,
    pub jwks_file: Option<PathBuf>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

impl KeySources {
    pub fn is_empty(&self) -> bool {
        self.hs256_secret.is_none()
            && self.rsa_public_key_file.is_none()
            && self.jwks_file.is_none()
    }
}

/// Where the data key comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataKeySource {
    pub key: Option<String>,
    pub file: Option<PathBuf>,
}

/// `SMTP_URL`, checked at start-up by building the transport from it. Shown without its
/// credentials.
#[derive(Clone)]
pub struct SmtpUrl {
    builder: AsyncSmtpTransportBuilder,
    shown: String,
}

impl SmtpUrl {
    pub fn parse(raw: &str) -> Result<SmtpUrl, ConfigError> {
        let refused = |message: &str| ConfigError::new("SMTP_URL", message);
        let mut url = Url::parse(raw.trim()).map_err(|_| {
            refused("not a URL such as smtp://host:port, smtp://user:pass@host:587 or smtps://user:pass@host")
        })?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err(refused("must start with smtp:// or smtps://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(refused("names no host"));
        }
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        match tls.as_deref() {
            None | Some("required" | "opportunistic") => {}
            Some(_) => return Err(refused("tls= must be required or opportunistic")),
        }
        // Credentials never travel in clear: smtp:// with a user means STARTTLS, required.
        if url.scheme() == "smtp" && tls.is_none() && !url.username().is_empty() {
            url.query_pairs_mut().append_pair("tls", "required");
        }
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.as_str())
            .map_err(|e| refused(&e.to_string()))?;
        let mut shown = url;
        // Cannot fail: the URL has a host.
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        Ok(SmtpUrl {
            builder,
            shown: shown.to_string(),
        })
    }

    /// The transport's settings, to which the sender adds its timeout.
    pub fn transport(&self) -> AsyncSmtpTransportBuilder {
        self.builder.clone()
    }
}

impl std::fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpUrl({})", self.shown)
    }
}

/// `MAIL_FROM`: parsed by the mail library, so the header it writes is its own encoding.
fn parse_mail_from(raw: &str) -> Result<Mailbox, ConfigError> {
    let raw = raw.trim();
    let refused = || {
        ConfigError::new(
            "MAIL_FROM",
            format!(
                "{raw:?} is not an address such as transition@example.com or \"Name <transition@example.com>\""
            ),
        )
    };
    // A header value never carries control characters (API.md "Conventions").
    if raw.chars().any(char::is_control) {
        return Err(refused());
    }
    raw.parse().map_err(|_| refused())
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind_addr: SocketAddr,
    /// No trailing slash; None: `http://` and the address actually bound.
    pub public_base_url: Option<String>,
    pub keys: KeySources,
    pub operator_tenant: TenantId,
    pub review: ReviewMode,
    pub data_key: DataKeySource,
    pub data_dir: PathBuf,
    /// R35: webhook URLs may point at loopback and private addresses (tests, on-premises).
    pub webhook_allow_private: bool,
    /// How long a webhook receiver has to answer: 10 s (API.md); tests shorten it.
    pub webhook_timeout: std::time::Duration,
    /// None: e-mails stay in the outbox, nothing is sent (R30).
    pub smtp_url: Option<SmtpUrl>,
    pub mail_from: Mailbox,
    /// Whether this replica runs the background senders and operations.
    pub senders: bool,
    /// The pause after each customer an operation handles; None: no pause (R37).
    pub operation_pace: Option<std::time::Duration>,
    /// API.md "Rate limits": requests per tenant a minute on this replica; 0: no limit.
    pub rate_limit_per_minute: u32,
    /// Connections this replica keeps to the database.
    pub pool_size: u32,
}

impl Settings {
    pub fn from_args(args: &ConfigArgs) -> Result<Settings, ConfigError> {
        let database = DatabaseUrl::parse(&args.database_url)?;
        let bind_addr: SocketAddr = args.bind_addr.trim().parse().map_err(|_| {
            ConfigError::new(
                "BIND_ADDR",
                format!(
                    "{:?} is not an address such as 127.0.0.1:8080",
                    args.bind_addr
                ),
            )
        })?;
        let public_base_url = args
            .public_base_url
            .as_deref()
            .map(parse_base_url)
            .transpose()?;
        let hs256_secret = match &args.jwt_secret {
            Some(secret) if secret.len() < 32 => {
                return Err(ConfigError::new("JWT_SECRET", "must be at least 32 bytes"));
            }
            other => other.clone(),
        };
        let keys = KeySources {
            hs256_secret,
            rsa_public_key_file: existing_file("JWT_PUBLIC_KEY_FILE", &args.jwt_public_key_file)?,
            jwks_file: existing_file("JWT_JWKS_FILE", &args.jwt_jwks_file)?,
            issuer: non_empty("JWT_ISSUER", &args.jwt_issuer)?,
            audience: non_empty("JWT_AUDIENCE", &args.jwt_audience)?,
        };
        let operator_tenant = TenantId::parse(&args.operator_tenant_id)
            .map_err(|e| ConfigError::new("OPERATOR_TENANT_ID", e.to_string()))?;
        let review = match args.enrollment_review.trim() {
            "auto" => ReviewMode::Auto,
            "manual" => ReviewMode::Manual,
            other => {
                return Err(ConfigError::new(
                    "ENROLLMENT_REVIEW",
                    format!("{other:?} is neither auto nor manual"),
                ));
            }
        };
        let webhook_allow_private = match args.webhook_allow_private.trim() {
            "true" => true,
            "false" => false,
            other => {
                return Err(ConfigError::new(
                    "WEBHOOK_ALLOW_PRIVATE",
                    format!("{other:?} is neither true nor false"),
                ));
            }
        };
        // Empty counts as unset, so a compose file can pass the variable through when it is not set.
        let smtp_url = args
            .smtp_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .map(SmtpUrl::parse)
            .transpose()?;
        let mail_from = parse_mail_from(&args.mail_from)?;
        let senders = match args.senders.trim() {
            "on" => true,
            "off" => false,
            other => {
                return Err(ConfigError::new(
                    "SENDERS",
                    format!("{other:?} is neither on nor off"),
                ));
            }
        };
        let operation_pace = match args.operation_rate.trim().parse::<u32>() {
            Ok(0) => None,
            Ok(rate) => Some(std::time::Duration::from_secs(1) / rate),
            Err(_) => {
                return Err(ConfigError::new(
                    "OPERATION_RATE",
                    format!(
                        "{:?} is not a number of customers per second",
                        args.operation_rate
                    ),
                ));
            }
        };
        let rate_limit_per_minute =
            args.rate_limit_per_minute
                .trim()
                .parse::<u32>()
                .map_err(|_| {
                    ConfigError::new(
                        "RATE_LIMIT_PER_MINUTE",
                        format!(
                            "{:?} is not a number of requests a minute",
                            args.rate_limit_per_minute
                        ),
                    )
                })?;
        let pool_size = match args.database_pool_size.trim() {
            "auto" => crate::store::default_pool_size(),
            n => n
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    ConfigError::new(
                        "DATABASE_POOL_SIZE",
                        format!(
                            "{:?} is not auto or a number of connections from 1 to 1000",
                            args.database_pool_size
                        ),
                    )
                })?,
        };
        Ok(Settings {
            database,
            bind_addr,
            public_base_url,
            keys,
            operator_tenant,
            review,
            data_key: DataKeySource {
                key: args.data_key.clone(),
                file: existing_file("DATA_KEY_FILE", &args.data_key_file)?,
            },
            data_dir: PathBuf::from(DATA_DIR),
            webhook_allow_private,
            webhook_timeout: std::time::Duration::from_secs(10),
            smtp_url,
            mail_from,
            senders,
            operation_pace,
            rate_limit_per_minute,
            pool_size,
        })
    }
}

fn parse_base_url(raw: &str) -> Result<String, ConfigError> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty()
                && !host.contains(char::is_whitespace)
                && !host.contains(['?', '#']) =>
        {
            Ok(url.to_owned())
        }
        _ => Err(ConfigError::new(
            "PUBLIC_BASE_URL",
            "must be an http:// or https:// URL without query",
        )),
    }
}

fn existing_file(
    variable: &'static str,
    path: &Option<PathBuf>,
) -> Result<Option<PathBuf>, ConfigError> {
    match path {
        None => Ok(None),
        Some(p) if is_file(p) => Ok(Some(p.clone())),
        Some(p) => Err(ConfigError::new(
            variable,
            format!("{} is not a readable file", p.display()),
        )),
    }
}

fn is_file(path: &Path) -> bool {
    path.metadata().is_ok_and(|m| m.is_file())
}

fn non_empty(
    variable: &'static str,
    value: &Option<String>,
) -> Result<Option<String>, ConfigError> {
    match value.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Err(ConfigError::new(variable, "must not be empty when set")),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// Writes a development secret readable by its owner only.
#[cfg(unix)]
pub fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        args: ConfigArgs,
    }

    fn settings(flags: &[&str]) -> Result<Settings, ConfigError> {
        let mut argv = vec!["probe"];
        argv.extend_from_slice(flags);
        let probe =
            Probe::try_parse_from(argv).map_err(|e| ConfigError::new("ARGS", e.to_string()))?;
        Settings::from_args(&probe.args)
    }

    #[test]
    fn database_urls_pick_the_backend_from_the_scheme() {
        let cases = [
            ("data/x.db", Ok(DatabaseUrl::Sqlite("data/x.db".into()))),
            (
                "sqlite://tmp/x.db",
                Ok(DatabaseUrl::Sqlite("tmp/x.db".into())),
            ),
            (":memory:", Ok(DatabaseUrl::Sqlite(":memory:".into()))),
            (
                "postgres://u@h/db",
                Ok(DatabaseUrl::Postgres("postgres://u@h/db".into())),
            ),
            (
                "postgresql://u@h/db",
                Ok(DatabaseUrl::Postgres("postgresql://u@h/db".into())),
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(DatabaseUrl::parse(raw), want, "{raw}");
        }
        for bad in ["mysql://h/db", "", "sqlite://"] {
            assert_eq!(
                DatabaseUrl::parse(bad).map_err(|e| e.variable),
                Err("DATABASE_URL"),
                "{bad}"
            );
        }
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: [(&[&str], &str); 18] = [
            (&["--smtp-url", "mail.example.com:25"], "SMTP_URL"),
            (&["--smtp-url", "http://mail.example.com"], "SMTP_URL"),
            (&["--smtp-url", "smtp://"], "SMTP_URL"),
            (&["--smtp-url", "smtp://h:25?tls=sometimes"], "SMTP_URL"),
            (&["--mail-from", "not an address"], "MAIL_FROM"),
            (
                &["--mail-from", "a@b.example\r\nBcc: x@y.example"],
                "MAIL_FROM",
            ),
            (&["--senders", "maybe"], "SENDERS"),
            (&["--operation-rate", "fast"], "OPERATION_RATE"),
            (
                &["--rate-limit-per-minute", "many"],
                "RATE_LIMIT_PER_MINUTE",
            ),
            (&["--database-pool-size", "many"], "DATABASE_POOL_SIZE"),
            (&["--database-pool-size", "0"], "DATABASE_POOL_SIZE"),
            (&["--database-pool-size", "1001"], "DATABASE_POOL_SIZE"),
            (&["--bind-addr", "localhost"], "BIND_ADDR"),
            (&["--jwt-secret", "short"], "JWT_SECRET"),
            (&["--operator-tenant-id", "op"], "OPERATOR_TENANT_ID"),
            (&["--enrollment-review", "sometimes"], "ENROLLMENT_REVIEW"),
            (&["--public-base-url", "ftp://x"], "PUBLIC_BASE_URL"),
            (&["--jwt-jwks-file", "/no/such/file.json"], "JWT_JWKS_FILE"),
        ];
        for (flags, variable) in cases {
            let err = settings(flags).err().map(|e| e.variable);
            assert_eq!(err, Some(variable), "{flags:?}");
        }
    }

    #[test]
    fn defaults_serve_locally() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_base_url, None);
        assert_eq!(s.review, ReviewMode::Auto);
        assert_eq!(s.operator_tenant.to_string(), DEFAULT_OPERATOR_TENANT);
        let s = settings(&["--public-base-url", "https://csp.example.com/"]).expect("url");
        assert_eq!(
            s.public_base_url.as_deref(),
            Some("https://csp.example.com")
        );
        assert!(s.smtp_url.is_none(), "no SMTP_URL, nothing is sent");
        assert_eq!(s.mail_from.to_string(), DEFAULT_MAIL_FROM);
        assert!(s.senders);
    }

    #[test]
    fn smtp_urls_keep_credentials_out_of_sight_and_off_plain_connections() {
        let shown = |raw: &str| SmtpUrl::parse(raw).map(|u| u.to_string()).expect(raw);
        assert_eq!(shown("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
        assert_eq!(
            shown("smtp://user:s3cret@mail.example.com:587"),
            "smtp://mail.example.com:587?tls=required",
            "credentials: STARTTLS required"
        );
        assert_eq!(
            shown("smtps://user:s3cret@mail.example.com"),
            "smtps://mail.example.com"
        );
        let debug = format!(
            "{:?}",
            settings(&["--smtp-url", "smtps://u:s3cret@h"]).expect("url")
        );
        assert!(!debug.contains("s3cret"), "{debug}");
        let from = settings(&[
            "--mail-from",
            "Contoso Transition <transition@contoso.example>",
        ])
        .expect("mailbox")
        .mail_from;
        assert_eq!(from.email.to_string(), "transition@contoso.example");
    }
}
