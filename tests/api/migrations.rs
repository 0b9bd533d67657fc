//! Both migration sets carry the same names, and each runs down and up again.

use std::collections::BTreeSet;
use std::path::Path;

use csp_transition::config::DatabaseUrl;
use csp_transition::store::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, establish, run_migrations};
use diesel_migrations::MigrationHarness;

use crate::helpers::TestDb;

fn names(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir),
    )
    .unwrap()
    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
    .collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for name in &sqlite {
        for dir in ["sqlite", "postgres"] {
            let base = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(dir)
                .join(name);
            assert!(
                base.join("up.sql").is_file() && base.join("down.sql").is_file(),
                "{dir}/{name}"
            );
        }
    }
}

#[test]
fn migrations_revert_and_reapply() {
    let db = TestDb::new();
    let url = DatabaseUrl::parse(&db.url).unwrap();
    let mut conn = establish(&url).unwrap();
    let applied = run_migrations(&mut conn).unwrap();
    assert_eq!(applied.len(), names("sqlite").len());
    let source = if db.is_postgres() {
        POSTGRES_MIGRATIONS
    } else {
        SQLITE_MIGRATIONS
    };
    let reverted = conn.revert_all_migrations(source).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert_eq!(run_migrations(&mut conn).unwrap().len(), applied.len());
    assert!(
        run_migrations(&mut conn).unwrap().is_empty(),
        "nothing left pending"
    );
}

#[test]
fn the_event_log_refuses_updates_and_deletes() {
    use diesel::RunQueryDsl;
    let db = TestDb::new();
    let mut conn = establish(&DatabaseUrl::parse(&db.url).unwrap()).unwrap();
    run_migrations(&mut conn).unwrap();
    diesel::sql_query(
        "INSERT INTO events (id, tenant_id, sequence, event_type, occurred_at, actor_sub, actor_tenant, \
         actor_roles, request_id, subject_kind, subject_id, data) \
         VALUES ('e1', 't', 1, 'a', '2026-01-01 00:00:00', 's', 't', '', 'r', 'k', 'x', '{}')",
    )
    .execute(&mut conn)
    .unwrap();
    assert!(
        diesel::sql_query("UPDATE events SET event_type = 'b'")
            .execute(&mut conn)
            .is_err(),
        "R29, R34: append-only"
    );
    assert!(
        diesel::sql_query("DELETE FROM events")
            .execute(&mut conn)
            .is_err(),
        "R29, R34: append-only"
    );
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct MigratedEvent {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sequence: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    event_type: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    subject_kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    subject_id: String,
}

/// R34: the audit log an older version wrote becomes events, numbered per tenant in order,
/// with today's type names and ids as subjects.
#[test]
fn r34_an_older_audit_log_becomes_the_event_log() {
    use diesel::RunQueryDsl;
    let db = TestDb::new();
    let mut conn = establish(&DatabaseUrl::parse(&db.url).unwrap()).unwrap();
    run_migrations(&mut conn).unwrap();
    let postgres = db.is_postgres();
    let source = || {
        if postgres {
            POSTGRES_MIGRATIONS
        } else {
            SQLITE_MIGRATIONS
        }
    };
    // Back to the version before the event log.
    while !conn
        .revert_last_migration(source())
        .unwrap()
        .to_string()
        .contains("000005")
    {}
    let p = "7d8a3f2e-0b1c-4c55-9a57-2f3e4d5c6b7a";
    for sql in [
        format!(
            "INSERT INTO partners (tenant_id, company_name, region, direct_bill, offboarding_identified, indirect_reseller, created_at, updated_at) VALUES ('{p}', 'Contoso', 'DE', TRUE, TRUE, TRUE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ),
        format!(
            "INSERT INTO agreement_acceptances (id, partner_id, agreement_version, accepted_by, accepted_at) VALUES ('01a2-acc', '{p}', '2026-10', 'alice', '2026-01-01 00:00:02')"
        ),
        format!(
            "INSERT INTO audit_events (id, tenant_id, at, actor_sub, actor_tenant, actor_roles, action, subject, request_id) VALUES ('e1', '{p}', '2026-01-01 00:00:00', 'pat', 'op', 'ProgramAdmin', 'partner.registered', 'partner/{p}', 'r1')"
        ),
        format!(
            "INSERT INTO audit_events (id, tenant_id, at, actor_sub, actor_tenant, actor_roles, action, subject, request_id) VALUES ('e2', '{p}', '2026-01-01 00:00:01', 'alice', '{p}', 'GlobalAdmin', 'agreement.accepted', 'agreement/2026-10', 'r2')"
        ),
        format!(
            "INSERT INTO audit_events (id, tenant_id, at, actor_sub, actor_tenant, actor_roles, action, subject, request_id) VALUES ('e3', '{p}', '2026-01-01 00:00:03', 'nina', 'prov', 'GlobalAdmin', 'partnership.invited', 'partnership-invitation/01a2-pinv', 'r3')"
        ),
    ] {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }
    run_migrations(&mut conn).unwrap();
    let events: Vec<MigratedEvent> = diesel::sql_query(
        "SELECT sequence, event_type, subject_kind, subject_id FROM events ORDER BY sequence",
    )
    .load(&mut conn)
    .unwrap();
    let row = |sequence, event_type: &str, subject_kind: &str, subject_id: &str| MigratedEvent {
        sequence,
        event_type: event_type.into(),
        subject_kind: subject_kind.into(),
        subject_id: subject_id.into(),
    };
    assert_eq!(
        events,
        vec![
            row(1, "partner.registered", "partner", p),
            row(2, "agreement.accepted", "agreement", "01a2-acc"),
            row(
                3,
                "partnership_invitation.created",
                "partnership_invitation",
                "01a2-pinv"
            ),
        ]
    );
}

/// R33 on upgrade: a customer an older version marked `delegated_admin` keeps its access, as an
/// active relationship with the default roles for 730 days from the upgrade; one without the
/// flag gets none. Starting again grants nothing twice.
#[tokio::test]
async fn r33_delegated_admin_of_an_older_version_becomes_an_admin_relationship() {
    use diesel::RunQueryDsl;
    let db = TestDb::new();
    let mut conn = db.connect();
    run_migrations(&mut conn).unwrap();
    let postgres = db.is_postgres();
    let source = || {
        if postgres {
            POSTGRES_MIGRATIONS
        } else {
            SQLITE_MIGRATIONS
        }
    };
    // Back to the version before admin relationships.
    while !conn
        .revert_last_migration(source())
        .unwrap()
        .to_string()
        .contains("000009")
    {}
    let p = "7d8a3f2e-0b1c-4c55-9a57-2f3e4d5c6b7a";
    let (with, without) = (
        "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "1f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f1",
    );
    let mut old = vec![format!(
        "INSERT INTO partners (tenant_id, company_name, region, direct_bill, offboarding_identified, indirect_reseller, created_at, updated_at) VALUES ('{p}', 'Contoso', 'DE', TRUE, TRUE, FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )];
    for (c, delegated) in [(with, "TRUE"), (without, "FALSE")] {
        old.push(format!(
            "INSERT INTO customers (tenant_id, company_name, domain, store_for_business, created_at) VALUES ('{c}', 'Fourth Coffee', 'fourthcoffee.onmicrosoft.com', FALSE, '2026-01-01 00:00:00')"
        ));
        old.push(format!(
            "INSERT INTO customer_relationships (partner_id, customer_id, relationship, provider_id, delegated_admin, since) VALUES ('{p}', '{c}', 'direct_bill', NULL, {delegated}, '2026-01-01 00:00:00')"
        ));
    }
    for sql in old {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }
    drop(conn);

    let app = crate::helpers::TestApp::spawn_on(db, |_| {}, |_| {}).await;
    let upgraded = chrono::Utc::now();
    let customer = |c: &str| format!("/v1/partners/{p}/customers/{c}");
    let kept = app.ga(p).get(&customer(with)).await.expect(200);
    assert_eq!(kept["delegated_admin"], true);
    let admin = &kept["admin_relationship"];
    assert_eq!(
        admin["roles"],
        serde_json::json!([
            "User Administrator",
            "License Administrator",
            "Helpdesk Administrator",
            "Directory Readers"
        ])
    );
    assert_eq!(admin["status"], "active");
    let ends = chrono::DateTime::parse_from_rfc3339(admin["ends_at"].as_str().unwrap()).unwrap();
    let term = ends.signed_duration_since(upgraded) - chrono::Duration::days(730);
    assert!(term.num_seconds().abs() < 60, "730 days from the upgrade");
    let none = app.ga(p).get(&customer(without)).await.expect(200);
    assert_eq!(
        (&none["delegated_admin"], &none["admin_relationship"]),
        (&serde_json::json!(false), &serde_json::Value::Null)
    );

    // Another start on the upgraded database grants nothing again.
    app.replica(|_| {});
    assert_eq!(
        app.db.texts("SELECT id AS v FROM admin_relationships"),
        vec![admin["id"].as_str().unwrap().to_owned()]
    );
}
