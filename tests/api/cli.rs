//! The binary: bad configuration stops it with one line naming the variable; `token` and
//! `openapi` work without a server.

use std::process::Command;

use crate::helpers::{SECRET, TestApp};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_csp-transition"));
    for var in [
        "DATABASE_URL",
        "BIND_ADDR",
        "PUBLIC_BASE_URL",
        "JWT_SECRET",
        "JWT_PUBLIC_KEY_FILE",
        "JWT_JWKS_FILE",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "OPERATOR_TENANT_ID",
        "ENROLLMENT_REVIEW",
        "DATA_KEY",
        "DATA_KEY_FILE",
        "SMTP_URL",
        "MAIL_FROM",
        "SENDERS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn a_bad_variable_stops_start_up_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("ENROLLMENT_REVIEW", "sometimes"),
        ("BIND_ADDR", "everywhere"),
        ("JWT_SECRET", "short"),
        ("OPERATOR_TENANT_ID", "operator"),
        ("DATABASE_URL", "mysql://localhost/db"),
        ("JWT_JWKS_FILE", "/no/such/jwks.json"),
        ("SMTP_URL", "mail.example.com:25"),
        ("MAIL_FROM", "transition at example"),
        ("SENDERS", "sometimes"),
    ];
    for (var, value) in cases {
        let out = bin()
            .current_dir(dir.path())
            .env(var, value)
            .arg("serve")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}={value} must not start");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{var}: {stderr}");
        assert!(lines[0].contains(var), "{var}: {stderr}");
    }
    assert!(
        !dir.path().join("data/csp-transition.db").exists(),
        "nothing half configured"
    );
}

#[test]
fn openapi_prints_the_document() {
    let out = bin().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["info"]["title"], "csp-transition");
}

#[test]
fn migrate_creates_the_database_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .current_dir(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/csp-transition.db").is_file());
    let again = bin()
        .current_dir(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied 0"));
}

#[tokio::test]
async fn token_mints_what_the_server_accepts() {
    let app = TestApp::spawn().await;
    let tenant = uuid::Uuid::new_v4().to_string();
    let out = bin()
        .env("JWT_SECRET", SECRET)
        .args([
            "token",
            "--tenant",
            &tenant,
            "--roles",
            "GlobalAdmin,AdminAgent",
            "--sub",
            "alice",
            "--ttl",
            "10m",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    app.with_token(token)
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect(200);
    let bad = bin()
        .env("JWT_SECRET", SECRET)
        .args(["token", "--tenant", &tenant, "--roles", "Emperor"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn without_any_key_a_development_secret_is_made_once_and_shared() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = uuid::Uuid::new_v4().to_string();
    let first = bin()
        .current_dir(dir.path())
        .args(["token", "--tenant", &tenant, "--roles", "GlobalAdmin"])
        .output()
        .unwrap();
    assert!(first.status.success());
    let secret_file = dir.path().join("data/jwt-secret");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert!(secret.trim().len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret_file)
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    let second = bin()
        .current_dir(dir.path())
        .args(["token", "--tenant", &tenant, "--roles", "GlobalAdmin"])
        .output()
        .unwrap();
    assert!(second.status.success());
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap(),
        secret,
        "made once"
    );
}

/// API.md "Process": processes started at once on one fresh database wait for each other's
/// migrations and all come up (on PostgreSQL they raced on `CREATE TABLE` before).
#[test]
fn processes_started_at_once_on_a_fresh_database_all_migrate() {
    for round in 0..4 {
        let db = crate::helpers::TestDb::new();
        let children: Vec<_> = (0..4)
            .map(|_| {
                bin()
                    .env("DATABASE_URL", &db.url)
                    .env("JWT_SECRET", SECRET)
                    .arg("migrate")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut applied = Vec::new();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            applied.push(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let firsts = applied.iter().filter(|o| !o.contains("applied 0")).count();
        assert_eq!(firsts, 1, "exactly one process applies them: {applied:?}");
    }
}

#[test]
fn a_failed_migration_is_reported_as_one_not_as_a_bad_url() {
    let db = crate::helpers::TestDb::new();
    let url = csp_transition::config::DatabaseUrl::parse(&db.url).unwrap();
    let mut conn = csp_transition::store::establish(&url).unwrap();
    // A table in the way of the first migration: the URL is fine, the migration is not.
    diesel::RunQueryDsl::execute(
        diesel::sql_query("CREATE TABLE partners (x INTEGER)"),
        &mut conn,
    )
    .unwrap();
    let out = bin()
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", SECRET)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("migration failed"), "{stderr}");
    assert!(!stderr.contains("DATABASE_URL"), "{stderr}");
}

/// R30: without SMTP_URL, start-up says that e-mails stay in the outbox.
#[test]
fn r30_without_smtp_url_start_up_says_nothing_is_sent() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .current_dir(dir.path())
        .env("JWT_SECRET", SECRET)
        .env("BIND_ADDR", "127.0.0.1:0")
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut said = None;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if line.contains("SMTP_URL") {
            said = Some(line);
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let said = said.expect("a start-up line about SMTP_URL");
    assert!(said.contains("nothing is sent"), "{said}");
}
