//! The committed contract equals the generated document. `UPDATE_OPENAPI=1` rewrites it.

use std::path::Path;

#[test]
fn committed_openapi_matches_the_generated_document() {
    let generated = csp_transition::startup::openapi()
        .to_pretty_json()
        .expect("serialises")
        + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the generated document; run `UPDATE_OPENAPI=1 cargo test openapi` and review the diff"
    );
}

#[test]
fn every_operation_documents_auth_and_problems() {
    let doc = serde_json::to_value(csp_transition::startup::openapi()).unwrap();
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(
                !id.is_empty() && ids.insert(id.clone()),
                "{method} {path}: operationId {id:?} missing or not unique"
            );
            let responses = op["responses"].as_object().unwrap();
            if path.starts_with("/v1/") {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
                assert!(responses.contains_key("403"), "{method} {path} lacks 403");
            }
        }
    }
}

/// Each problem response shows an example of its own code, with that code's status, and
/// `Problem.code` lists the codes (API.md "Error codes").
#[test]
fn problem_responses_show_their_own_code() {
    let doc = serde_json::to_value(csp_transition::startup::openapi()).unwrap();
    let codes: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is an enum")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in [
        "tenant_mismatch",
        "idempotency_key_in_use",
        "unavailable",
        "rate_limited",
    ] {
        assert!(codes.contains(&code), "{code}");
    }
    let resolve = |r: &serde_json::Value| -> serde_json::Value {
        match r["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap();
                doc["components"]["responses"][name].clone()
            }
            None => r.clone(),
        }
    };
    let mut seen = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = resolve(response);
                let Some(problem) = response["content"].get("application/problem+json") else {
                    continue;
                };
                let example = &problem["example"];
                let code = example["code"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} {status}: no example code"));
                assert!(codes.contains(&code), "{method} {path} {status}: {code}");
                assert_eq!(example["status"].to_string(), *status, "{method} {path}");
                seen.insert(code.to_owned());
            }
        }
    }
    assert!(seen.len() > 10, "examples of many codes, not one: {seen:?}");
}

#[test]
fn optional_bodies_are_not_required() {
    let doc = serde_json::to_value(csp_transition::startup::openapi()).unwrap();
    let body = |path: &str| doc["paths"][path]["post"]["requestBody"]["required"].clone();
    assert_eq!(
        body("/v1/partners/{partner_id}/indirect-reseller-enrollment"),
        false
    );
    assert_eq!(
        body("/v1/partners/{partner_id}/customer-invitations/{invitation_id}/done"),
        false
    );
    assert_eq!(body("/v1/partners"), true);
}

/// Every id is `format: uuid`, so a generated client compares ids of one object as equal
/// (API.md "Conventions"); `mpn_id` and `request_id` are not UUIDs.
#[test]
fn every_id_is_a_uuid() {
    let doc = serde_json::to_value(csp_transition::startup::openapi()).unwrap();
    let is_id = |name: &str| {
        (name == "id" || name.ends_with("_id")) && !["mpn_id", "request_id"].contains(&name)
    };
    let mut missing = Vec::new();
    for (schema, body) in doc["components"]["schemas"].as_object().unwrap() {
        for (name, prop) in body["properties"].as_object().into_iter().flatten() {
            if is_id(name) && prop["format"] != "uuid" {
                missing.push(format!("{schema}.{name}"));
            }
        }
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                if is_id(name) && p["schema"]["format"] != "uuid" {
                    missing.push(format!("{method} {path} {name}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "ids without format uuid: {missing:#?}");
}
