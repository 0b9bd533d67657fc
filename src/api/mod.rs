//! The HTTP edge: one file per resource (handlers, request bodies, OpenAPI annotations), and in
//! `dto` the answers that more than one module shows. Handlers import `dto`, `events` and the
//! helpers, never each other.

pub mod admin_relationships;
pub mod agreement;
pub mod audit;
pub mod caller;
pub mod closed_sets;
pub mod customer_invitations;
pub mod customers;
pub mod doc;
pub mod dto;
pub mod enrollment;
pub mod error;
pub mod error_code;
pub mod events;
pub mod extract;
pub mod fallback;
pub mod health;
pub mod idempotency;
pub mod incentives;
pub mod invitation_link;
pub mod limits;
pub mod metrics;
pub mod notifications;
pub mod operations;
pub mod overview;
pub mod partners;
pub mod partnerships;
pub mod program_info;
pub mod providers;
pub mod rate_limit;
pub mod request_id;
pub mod transition_plans;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Every route, registered once: actix serves them and utoipa documents them from this list.
///
/// actix tries the routes in this order, matching each parametrised one's regex against the
/// path until one fits (9% of the capabilities read's CPU when it came 29th): the hot reads
/// (issue 11) come first. No two routes' paths overlap (each differs from the others in a
/// fixed segment), so the order decides nothing else; routes on one path differ by method.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(customers::capabilities)
        .service(customers::list)
        .service(customers::read)
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::read)
        .service(partners::register)
        .service(partners::read)
        .service(partners::patch)
        .service(enrollment::submit)
        .service(enrollment::read)
        .service(enrollment::withdraw)
        .service(enrollment::approve)
        .service(enrollment::reject)
        .service(agreement::current)
        .service(agreement::accept)
        .service(program_info::read)
        .service(providers::register)
        .service(providers::search)
        .service(providers::read)
        .service(providers::resellers)
        .service(partnerships::invite)
        .service(partnerships::list)
        .service(partnerships::view)
        .service(partnerships::accept)
        .service(partnerships::decline)
        .service(partnerships::providers_of)
        .service(customers::create)
        .service(customers::create_for_reseller)
        .service(customer_invitations::create)
        .service(customer_invitations::list)
        .service(customer_invitations::edit_email)
        .service(customer_invitations::done)
        .service(customer_invitations::revoke)
        .service(customer_invitations::view)
        .service(customer_invitations::accept)
        .service(transition_plans::create)
        .service(transition_plans::read)
        .service(transition_plans::execute)
        .service(operations::read)
        .service(overview::read)
        .service(admin_relationships::list)
        .service(admin_relationships::request)
        .service(admin_relationships::terminate)
        .service(admin_relationships::approve)
        .service(admin_relationships::customer_list)
        .service(admin_relationships::customer_terminate)
        .service(events::list)
        .service(events::read)
        .service(incentives::read)
        .service(incentives::enroll)
        .service(notifications::list)
        .service(audit::list)
        .service(webhooks::create)
        .service(webhooks::list)
        .service(webhooks::read)
        .service(webhooks::edit)
        .service(webhooks::remove)
        .service(webhooks::rotate_secret)
        .service(webhooks::test)
        .service(webhooks::replay)
        .service(webhooks::deliveries);
}

#[cfg(test)]
mod tests {
    /// `routes` puts the hot reads first: that is only safe while no path of one route can be
    /// a path of another (then the order of registration decides nothing).
    #[test]
    fn no_two_routes_match_one_path() {
        let doc = crate::startup::openapi();
        let paths: Vec<Vec<&str>> = doc
            .paths
            .paths
            .keys()
            .map(|p| p.trim_matches('/').split('/').collect())
            .collect();
        assert!(paths.len() > 40, "{} paths", paths.len());
        let param = |s: &str| s.starts_with('{');
        for (i, a) in paths.iter().enumerate() {
            for b in &paths[i + 1..] {
                let overlap = a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| x == y || param(x) || param(y));
                assert!(
                    !overlap,
                    "/{} and /{} match one path",
                    a.join("/"),
                    b.join("/")
                );
            }
        }
    }
}
