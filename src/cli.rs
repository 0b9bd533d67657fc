//! The `csp-transition` command line (API.md "Process and configuration").

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::auth::{self, Claims};
use crate::clock::Clock;
use crate::config::{ConfigArgs, ConfigError, Settings};
use crate::domain::role::Role;
use crate::domain::values::TenantId;
use crate::sealing::DataKey;
use crate::startup::{self, Application};
use crate::store::Db;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "csp-transition",
    version,
    about = "Moves a CSP direct bill partner to indirect reseller"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, then serve HTTP (the default)
    Serve,
    /// Run pending migrations and exit
    Migrate,
    /// Print an HS256 development token signed with JWT_SECRET
    Token {
        /// The tenant the token acts for (claim tid)
        #[arg(long)]
        tenant: String,
        /// Comma-separated role names, e.g. GlobalAdmin,AdminAgent
        #[arg(long, value_delimiter = ',', required = true)]
        roles: Vec<String>,
        /// The user (claim sub)
        #[arg(long, default_value = "dev-user")]
        sub: String,
        /// Lifetime: 90s, 30m, 1h, 7d
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// Print the OpenAPI document (JSON)
    Openapi,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line, even when a driver's message spans several (libpq does).
            let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
            eprintln!("csp-transition: {message}");
            ExitCode::FAILURE
        }
    }
}

fn execute(cli: Cli) -> Result<(), String> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            let doc = startup::openapi()
                .to_pretty_json()
                .map_err(|e| e.to_string())?;
            println!("{doc}");
            Ok(())
        }
        Command::Migrate => {
            let settings = settings(&cli.config)?;
            let key =
                DataKey::load(&settings.data_key, &settings.data_dir).map_err(|e| e.to_string())?;
            let db = Db::connect(&settings.database, settings.pool_size)
                .map_err(|e| format!("DATABASE_URL: {e}"))?;
            let applied = db
                .migrate(&key, Clock::system().now())
                .map_err(|e| e.to_string())?;
            println!(
                "applied {} migration(s) on {}",
                applied.len(),
                settings.database.backend()
            );
            Ok(())
        }
        Command::Token {
            tenant,
            roles,
            sub,
            ttl,
        } => {
            let settings = settings(&cli.config)?;
            println!("{}", token(&settings, &tenant, &roles, &sub, &ttl)?);
            Ok(())
        }
        Command::Serve => {
            let settings = settings(&cli.config)?;
            let app = Application::build(&settings, Clock::system()).map_err(|e| e.to_string())?;
            let runtime = actix_web::rt::System::new();
            runtime
                .block_on(app.run())
                .map_err(|e| format!("server stopped: {e}"))
        }
    }
}

fn settings(args: &ConfigArgs) -> Result<Settings, String> {
    Settings::from_args(args).map_err(|e| e.to_string())
}

fn token(
    settings: &Settings,
    tenant: &str,
    roles: &[String],
    sub: &str,
    ttl: &str,
) -> Result<String, String> {
    let tenant = TenantId::parse(tenant).map_err(|e| format!("--tenant {e}"))?;
    if let Some(unknown) = roles.iter().find(|r| Role::from_name(r).is_none()) {
        return Err(format!("--roles: unknown role {unknown:?}"));
    }
    let ttl = auth::parse_ttl(ttl).ok_or("--ttl: use a duration such as 90s, 30m, 1h or 7d")?;
    let secret = auth::signing_secret(&settings.keys, &settings.data_dir)
        .map_err(|e: ConfigError| e.to_string())?
        .ok_or("JWT_SECRET: not set; only RS256 verification keys are configured, so no token can be signed here")?;
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: sub.to_owned(),
        tid: tenant.to_string(),
        roles: roles.to_vec(),
        exp: now + ttl,
        iat: Some(now),
        iss: settings.keys.issuer.clone(),
        aud: settings.keys.audience.clone().map(Into::into),
    };
    auth::mint(&secret, &claims)
}
