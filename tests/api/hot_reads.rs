//! The hot reads (issue 11 part 2) in statements: a customer with its relationship and admin
//! relationships is one statement, a capability decision's facts one, a page of customers two,
//! and later pages compile nothing
//! new (the first page prepared their statements). Counted with diesel's instrumentation on a
//! connection of the test's own to the service's database, seeded over HTTP.

use std::sync::{Arc, Mutex};

use csp_transition::domain::customer::PartnerCustomer;
use csp_transition::domain::values::TenantId;
use csp_transition::store::customers;
use csp_transition::store::page::{Page, PageRequest};
use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};
use serde_json::json;

use crate::helpers::TestApp;

/// What a connection did: statements started, statements compiled into its cache.
#[derive(Default)]
struct Counts {
    started: usize,
    compiled: usize,
}

#[derive(Clone, Default)]
struct Counter(Arc<Mutex<Counts>>);

impl Counter {
    fn take(&self) -> (usize, usize) {
        let mut c = self.0.lock().unwrap();
        let seen = (c.started, c.compiled);
        *c = Counts::default();
        seen
    }
}

impl Instrumentation for Counter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        let mut c = self.0.lock().unwrap();
        match event {
            InstrumentationEvent::StartQuery { .. } => c.started += 1,
            InstrumentationEvent::CacheQuery { .. } => c.compiled += 1,
            _ => {}
        }
    }
}

fn customer_ids(page: &Page<PartnerCustomer>) -> Vec<String> {
    page.items
        .iter()
        .map(|pc| pc.customer.tenant_id.to_string())
        .collect()
}

fn tenant(id: &str) -> TenantId {
    TenantId::parse(id).unwrap()
}

#[tokio::test]
async fn a_customer_and_its_capabilities_are_one_statement_each_and_a_page_of_customers_two() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(app.direct_customer(&partner, false).await);
    }
    ids.sort();
    // One customer with two admin relationships (R19's default grant, and a request).
    let two = ids[1].clone();
    app.as_(&partner, &["AdminAgent"])
        .post(
            &format!("/v1/partners/{partner}/customers/{two}/admin-relationships"),
            json!({"roles": ["License Administrator"], "duration": "P90D"}),
        )
        .await
        .expect(201);

    let mut conn = app.db.connect();
    let counter = Counter::default();
    conn.set_instrumentation(counter.clone());
    let (p, c) = (tenant(&partner), tenant(&two));

    let found = customers::visible(&mut conn, p, c).unwrap();
    assert_eq!(
        found.admin.len(),
        2,
        "both admin relationships, oldest first"
    );
    assert!(found.admin[0].id < found.admin[1].id);
    assert_eq!(
        counter.take(),
        (1, 1),
        "one statement, compiled on first use"
    );
    customers::visible(&mut conn, p, c).unwrap();
    assert_eq!(counter.take(), (1, 0), "the second read reuses it");
    // Another tenant's customer is not found (R28), in the same one statement.
    let other = app.partner().await;
    assert!(customers::visible(&mut conn, tenant(&other), c).is_err());
    assert_eq!(counter.take(), (1, 0));

    // The capabilities read: the relationship and the admin relationships, one statement.
    let (relationship, admin) = customers::decision_facts(&mut conn, p, c).unwrap();
    assert_eq!(relationship.customer_id, c);
    assert_eq!(
        admin.iter().map(|a| a.id).collect::<Vec<_>>(),
        found.admin.iter().map(|a| a.id).collect::<Vec<_>>(),
        "the same admin relationships, oldest first"
    );
    assert_eq!(counter.take(), (1, 1));
    customers::decision_facts(&mut conn, p, c).unwrap();
    assert_eq!(counter.take(), (1, 0), "the second read reuses it");
    let refused = customers::decision_facts(&mut conn, tenant(&other), c);
    assert!(refused.is_err(), "R28: {refused:?}");
    assert_eq!(counter.take(), (1, 0));
    let (_, none) = customers::decision_facts(&mut conn, p, tenant(&ids[0])).unwrap();
    assert_eq!(
        none.len(),
        1,
        "a customer with only its default grant (R19)"
    );
    assert_eq!(counter.take(), (1, 0));

    let first = PageRequest {
        limit: 2,
        after: None,
    };
    let page = customers::list_for_partner(&mut conn, p, None, &first).unwrap();
    assert_eq!(
        counter.take(),
        (2, 2),
        "the page and its admin relationships"
    );
    let shown = customer_ids(&page);
    assert_eq!(shown, ids[..2]);
    let admin: Vec<usize> = page.items.iter().map(|pc| pc.admin.len()).collect();
    assert_eq!(
        admin,
        [1, 2],
        "each customer with its own admin relationships"
    );

    let next = PageRequest {
        limit: 2,
        after: Some(ids[1].clone()),
    };
    let page = customers::list_for_partner(&mut conn, p, None, &next).unwrap();
    assert_eq!(
        counter.take(),
        (2, 0),
        "a page after a cursor reuses both statements of the first page"
    );
    let shown = customer_ids(&page);
    assert_eq!(shown, ids[2..]);
    assert!(page.items.iter().all(|pc| pc.admin.len() == 1));
    let again = PageRequest {
        limit: 2,
        after: Some(ids[0].clone()),
    };
    customers::list_for_partner(&mut conn, p, None, &again).unwrap();
    assert_eq!(
        counter.take(),
        (2, 0),
        "any later page compiles nothing new"
    );
}
