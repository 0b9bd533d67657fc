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
