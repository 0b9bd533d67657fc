//! R23a, R33: a capabilities answer evaluates every action per request; it must stay well under
//! 1 µs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use csp_transition::domain::admin_relationship::{AdminGrant, AdminRole};
use csp_transition::domain::capability::{Relationship, evaluate};
use csp_transition::domain::role::Role;

fn evaluate_all_actions(c: &mut Criterion) {
    let roles = [Role::AdminAgent, Role::SalesAgent];
    let admin = AdminGrant {
        active: true,
        roles: AdminRole::DEFAULT.to_vec(),
    };
    c.bench_function("evaluate_all_actions", |b| {
        b.iter(|| {
            evaluate(
                black_box(Some(Relationship::IndirectReseller)),
                black_box(&admin),
                black_box(&roles),
            )
        })
    });
    c.bench_function("evaluate_all_actions_direct_bill", |b| {
        b.iter(|| {
            evaluate(
                black_box(Some(Relationship::DirectBill)),
                black_box(&admin),
                black_box(&roles),
            )
        })
    });
}

criterion_group!(benches, evaluate_all_actions);
criterion_main!(benches);
