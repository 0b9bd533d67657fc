//! Bearer tokens: verification keys, claims and development tokens. Nothing of HTTP: the
//! `Caller` extractor that uses this lives in `api::caller`.

use std::fmt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, encode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::{self, ConfigError, KeySources};
use crate::domain::values::TenantId;

/// The claims API.md requires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub tid: String,
    pub roles: Vec<String>,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
}

/// The `aud` claim: one audience (serialised as a string) or several (an array), RFC 7519 4.1.3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(one) => one == audience,
            Audience::Many(many) => many.iter().any(|a| a == audience),
        }
    }

    /// A string, or an array of strings; anything else is not an audience.
    fn from_value(value: &Value) -> Option<Audience> {
        match value {
            Value::String(one) => Some(Audience::One(one.clone())),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(Audience::Many),
            _ => None,
        }
    }
}

impl From<String> for Audience {
    fn from(one: String) -> Audience {
        Audience::One(one)
    }
}

impl From<&str> for Audience {
    fn from(one: &str) -> Audience {
        Audience::One(one.to_owned())
    }
}

impl From<Vec<String>> for Audience {
    fn from(many: Vec<String>) -> Audience {
        Audience::Many(many)
    }
}

/// Seconds of clock skew allowed on `exp` and `nbf` (API.md "Tokens (JWT)").
pub const LEEWAY_SECS: i64 = 60;

/// Why a token is refused. `Display` gives the fixed 401 `detail` phrases of API.md; a library's
/// own message never reaches a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    MissingBearer,
    Malformed,
    Expired,
    NotYetValid,
    BadSignature,
    AlgorithmNotAllowed,
    UnknownKeyId,
    MissingClaim(&'static str),
    InvalidClaim(&'static str),
    WrongIssuer,
    WrongAudience,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::MissingBearer => f.write_str("missing bearer token"),
            TokenError::Malformed => f.write_str("malformed token"),
            TokenError::Expired => f.write_str("token expired"),
            TokenError::NotYetValid => f.write_str("token not yet valid"),
            TokenError::BadSignature => f.write_str("bad signature"),
            TokenError::AlgorithmNotAllowed => f.write_str("algorithm not allowed"),
            TokenError::UnknownKeyId => f.write_str("unknown key id"),
            TokenError::MissingClaim(name) => write!(f, "missing claim {name}"),
            TokenError::InvalidClaim(name) => write!(f, "invalid claim {name}"),
            TokenError::WrongIssuer => f.write_str("wrong issuer"),
            TokenError::WrongAudience => f.write_str("wrong audience"),
        }
    }
}

/// A claim name of API.md as a `'static` name, for `missing claim` / `invalid claim`.
fn claim_name(name: &str) -> Option<&'static str> {
    ["sub", "tid", "roles", "exp", "nbf", "iss", "aud"]
        .into_iter()
        .find(|n| *n == name)
}

/// jsonwebtoken's errors, each mapped to a fixed phrase. Claim validation is ours (it is turned
/// off in jsonwebtoken), but its kinds are mapped too so that none can print library text.
fn from_jwt_error(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => TokenError::Malformed,
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::RsaFailedSigning
        | ErrorKind::Signing(_)
        | ErrorKind::Provider(_) => TokenError::BadSignature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidKeyFormat => TokenError::AlgorithmNotAllowed,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::InvalidSubject => TokenError::InvalidClaim("sub"),
        ErrorKind::MissingRequiredClaim(name) => claim_name(name)
            .map(TokenError::MissingClaim)
            .unwrap_or(TokenError::Malformed),
        ErrorKind::InvalidClaimFormat(name) => claim_name(name)
            .map(TokenError::InvalidClaim)
            .unwrap_or(TokenError::Malformed),
        // `ErrorKind` is non-exhaustive: a kind added later is still a fixed phrase.
        _ => TokenError::Malformed,
    }
}

/// Verifies tokens against the configured keys: HS256 and RS256 only.
pub struct Verifier {
    hs256: Option<DecodingKey>,
    rsa_pem: Option<DecodingKey>,
    jwks: Vec<(Option<String>, DecodingKey)>,
    issuer: Option<String>,
    audience: Option<String>,
}

/// The development secret, made once when no key source is configured.
pub const DEV_SECRET_FILE: &str = "jwt-secret";

/// The HS256 secret to sign with: `JWT_SECRET`, or the development file when no key is configured.
pub fn signing_secret(keys: &KeySources, data_dir: &Path) -> Result<Option<String>, ConfigError> {
    if let Some(secret) = &keys.hs256_secret {
        return Ok(Some(secret.clone()));
    }
    if keys.is_empty() {
        return dev_secret(data_dir).map(Some);
    }
    Ok(None)
}

fn dev_secret(data_dir: &Path) -> Result<String, ConfigError> {
    let path = data_dir.join(DEV_SECRET_FILE);
    let fail = |e: std::io::Error| {
        ConfigError::new(
            "JWT_SECRET",
            format!("not set, and {}: {e}", path.display()),
        )
    };
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let secret = existing.trim().to_owned();
        if secret.len() >= 32 {
            return Ok(secret);
        }
    }
    std::fs::create_dir_all(data_dir).map_err(fail)?;
    let bytes: [u8; 32] = rand::random();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    config::write_private(&path, &secret).map_err(fail)?;
    tracing::warn!(path = %path.display(), "no JWT key configured: created a development secret; set JWT_SECRET or RS256 keys in production");
    Ok(secret)
}

impl Verifier {
    pub fn load(keys: &KeySources, data_dir: &Path) -> Result<Verifier, ConfigError> {
        let hs256 = signing_secret(keys, data_dir)?.map(|s| DecodingKey::from_secret(s.as_bytes()));
        let rsa_pem = match &keys.rsa_public_key_file {
            None => None,
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| ConfigError::new("JWT_PUBLIC_KEY_FILE", e.to_string()))?;
                Some(DecodingKey::from_rsa_pem(&pem).map_err(|e| {
                    ConfigError::new(
                        "JWT_PUBLIC_KEY_FILE",
                        format!("not an RSA public key in PEM: {e}"),
                    )
                })?)
            }
        };
        let jwks = match &keys.jwks_file {
            None => Vec::new(),
            Some(path) => load_jwks(path)?,
        };
        Ok(Verifier {
            hs256,
            rsa_pem,
            jwks,
            issuer: keys.issuer.clone(),
            audience: keys.audience.clone(),
        })
    }

    /// Verifies `token` now (the system clock, as the token's issuer sees it).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_at(token, jsonwebtoken::get_current_timestamp() as i64)
    }

    /// Verifies `token` at `now` (Unix seconds): header, signature, then the claims. Each part is
    /// decoded once (jsonwebtoken's `decode` reads the header twice and the claims twice: a tenth
    /// of a capabilities read's CPU went to verifying its token); the signature is checked by
    /// jsonwebtoken's `crypto::verify`.
    pub fn verify_at(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(head), Some(body), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let head = json_object(head)?;
        // No extension is understood, so any critical one refuses the token (RFC 7515 4.1.11).
        if head.contains_key("crit") {
            return Err(TokenError::Malformed);
        }
        let alg = match head.get("alg") {
            Some(Value::String(alg)) => alg.as_str(),
            _ => return Err(TokenError::Malformed),
        };
        let kid = match head.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(TokenError::Malformed),
        };
        let (alg, key) = match alg {
            "HS256" => (
                Algorithm::HS256,
                self.hs256.as_ref().ok_or(TokenError::AlgorithmNotAllowed)?,
            ),
            "RS256" => (Algorithm::RS256, self.rsa_key(kid)?),
            _ => return Err(TokenError::AlgorithmNotAllowed),
        };
        // What is signed: the header and the claims as sent, with the dot between them.
        let signed = &token[..token.len() - signature.len() - 1];
        match jsonwebtoken::crypto::verify(signature, signed.as_bytes(), key, alg) {
            Ok(true) => {}
            Ok(false) => return Err(TokenError::BadSignature),
            Err(e) => return Err(from_jwt_error(e.kind())),
        }
        // The claims are checked here, to API.md, not by jsonwebtoken.
        self.claims(&json_object(body)?, now)
    }

    /// The claims of a token whose signature is good, checked in a fixed order.
    fn claims(&self, payload: &Map<String, Value>, now: i64) -> Result<Claims, TokenError> {
        let exp = numeric_date(payload, "exp")?.ok_or(TokenError::MissingClaim("exp"))?;
        if exp < (now - LEEWAY_SECS) as f64 {
            return Err(TokenError::Expired);
        }
        let nbf = numeric_date(payload, "nbf")?;
        if nbf.is_some_and(|nbf| nbf > (now + LEEWAY_SECS) as f64) {
            return Err(TokenError::NotYetValid);
        }
        let iss = match (&self.issuer, payload.get("iss")) {
            (Some(_), None) => return Err(TokenError::MissingClaim("iss")),
            (Some(want), Some(got)) => match got.as_str() {
                None => return Err(TokenError::InvalidClaim("iss")),
                Some(got) if got != want => return Err(TokenError::WrongIssuer),
                Some(got) => Some(got.to_owned()),
            },
            // Without JWT_ISSUER any `iss` is fine.
            (None, got) => got.and_then(Value::as_str).map(str::to_owned),
        };
        let aud = match (&self.audience, payload.get("aud")) {
            (Some(_), None) => return Err(TokenError::MissingClaim("aud")),
            (Some(want), Some(got)) => match Audience::from_value(got) {
                None => return Err(TokenError::InvalidClaim("aud")),
                Some(got) if !got.contains(want) => return Err(TokenError::WrongAudience),
                Some(got) => Some(got),
            },
            // Without JWT_AUDIENCE any `aud` is fine.
            (None, got) => got.and_then(Audience::from_value),
        };
        let sub = match payload.get("sub") {
            None => return Err(TokenError::MissingClaim("sub")),
            Some(Value::String(sub)) if !sub.trim().is_empty() => sub.clone(),
            Some(_) => return Err(TokenError::InvalidClaim("sub")),
        };
        let tid = match payload.get("tid") {
            None => return Err(TokenError::MissingClaim("tid")),
            Some(Value::String(tid)) => TenantId::parse(tid)
                .ok()
                .filter(|t| *t != TenantId::from_uuid(uuid::Uuid::nil()))
                .ok_or(TokenError::InvalidClaim("tid"))?,
            Some(_) => return Err(TokenError::InvalidClaim("tid")),
        };
        let roles = match payload.get("roles") {
            None => return Err(TokenError::MissingClaim("roles")),
            Some(Value::Array(roles)) => roles
                .iter()
                .map(|r| r.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(TokenError::InvalidClaim("roles"))?,
            Some(_) => return Err(TokenError::InvalidClaim("roles")),
        };
        Ok(Claims {
            sub,
            tid: tid.to_string(),
            roles,
            exp: exp as u64,
            iat: payload.get("iat").and_then(Value::as_u64),
            iss,
            aud,
        })
    }

    /// The key for an RS256 token: the JWKS key named by `kid`, else the PEM key, else the only
    /// JWKS key when the token names none.
    fn rsa_key(&self, kid: Option<&str>) -> Result<&DecodingKey, TokenError> {
        if self.rsa_pem.is_none() && self.jwks.is_empty() {
            return Err(TokenError::AlgorithmNotAllowed);
        }
        if let Some(kid) = kid {
            if let Some((_, key)) = self.jwks.iter().find(|(k, _)| k.as_deref() == Some(kid)) {
                return Ok(key);
            }
        }
        if let Some(key) = &self.rsa_pem {
            return Ok(key);
        }
        match (kid, self.jwks.as_slice()) {
            (None, [(_, only)]) => Ok(only),
            _ => Err(TokenError::UnknownKeyId),
        }
    }
}

/// A base64url segment holding a JSON object.
fn json_object(segment: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(TokenError::Malformed),
    }
}

/// An optional NumericDate claim (RFC 7519: seconds, possibly fractional).
fn numeric_date(
    payload: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<f64>, TokenError> {
    match payload.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or(TokenError::InvalidClaim(name)),
    }
}

fn load_jwks(path: &Path) -> Result<Vec<(Option<String>, DecodingKey)>, ConfigError> {
    let fail = |m: String| ConfigError::new("JWT_JWKS_FILE", m);
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let set: JwkSet =
        serde_json::from_str(&text).map_err(|e| fail(format!("not a JWKS document: {e}")))?;
    if set.keys.is_empty() {
        return Err(fail("the JWKS document has no keys".into()));
    }
    set.keys
        .iter()
        .map(|jwk| {
            let key = DecodingKey::from_jwk(jwk).map_err(|e| fail(format!("unusable key: {e}")))?;
            Ok((jwk.common.key_id.clone(), key))
        })
        .collect()
}

/// Signs a development token (`csp-transition token`).
pub fn mint(secret: &str, claims: &Claims) -> Result<String, String> {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| e.to_string())
}

/// Parses `1h`, `30m`, `90s`, `7d` or plain seconds.
pub fn parse_ttl(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    let (digits, unit) = match raw.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: u64 = digits.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(factor).filter(|s| *s > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "unit-secret-unit-secret-unit-secret-0123";
    const NOW: i64 = 1_750_000_000;
    const TENANT: &str = "5f1c2a4e-3b9d-4c6e-8f0a-1b2c3d4e5f60";

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    fn verifier() -> Verifier {
        Verifier {
            hs256: Some(DecodingKey::from_secret(SECRET.as_bytes())),
            rsa_pem: None,
            jwks: Vec::new(),
            issuer: None,
            audience: None,
        }
    }

    fn jwks_verifier() -> Verifier {
        Verifier {
            hs256: None,
            jwks: load_jwks(&fixture("jwks.json")).expect("JWKS fixture"),
            ..verifier()
        }
    }

    fn payload() -> Value {
        json!({"sub": "alice", "tid": TENANT, "roles": ["GlobalAdmin"], "exp": NOW + 600})
    }

    /// `payload` with `changes` applied; a null removes the claim.
    fn with(changes: Value) -> Value {
        let mut p = payload();
        for (k, v) in changes.as_object().expect("object") {
            if v.is_null() {
                p.as_object_mut().unwrap().remove(k);
            } else {
                p[k] = v.clone();
            }
        }
        p
    }

    fn signed(header: Header, payload: &Value) -> String {
        let key = match header.alg {
            Algorithm::RS256 => {
                EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa-private.pem")).unwrap())
                    .unwrap()
            }
            _ => EncodingKey::from_secret(SECRET.as_bytes()),
        };
        encode(&header, payload, &key).expect("token")
    }

    fn hs256(payload: &Value) -> String {
        signed(Header::new(Algorithm::HS256), payload)
    }

    fn unsigned(header: Value, payload: &Value) -> String {
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
        format!("{}.{}.", enc(&header), enc(payload))
    }

    #[test]
    fn the_401_details_are_the_fixed_phrases() {
        let cases = [
            (TokenError::MissingBearer, "missing bearer token"),
            (TokenError::Malformed, "malformed token"),
            (TokenError::Expired, "token expired"),
            (TokenError::NotYetValid, "token not yet valid"),
            (TokenError::BadSignature, "bad signature"),
            (TokenError::AlgorithmNotAllowed, "algorithm not allowed"),
            (TokenError::UnknownKeyId, "unknown key id"),
            (TokenError::MissingClaim("sub"), "missing claim sub"),
            (TokenError::InvalidClaim("roles"), "invalid claim roles"),
            (TokenError::WrongIssuer, "wrong issuer"),
            (TokenError::WrongAudience, "wrong audience"),
        ];
        for (error, phrase) in cases {
            assert_eq!(error.to_string(), phrase);
        }
    }

    #[test]
    fn exp_and_nbf_have_60_seconds_of_leeway() {
        let v = verifier();
        let cases = [
            (
                "exp just past, within leeway",
                json!({"exp": NOW - 60}),
                Ok(()),
            ),
            (
                "exp past the leeway",
                json!({"exp": NOW - 61}),
                Err(TokenError::Expired),
            ),
            ("nbf within leeway", json!({"nbf": NOW + 60}), Ok(())),
            ("nbf in the past", json!({"nbf": NOW - 3600}), Ok(())),
            (
                "nbf past the leeway",
                json!({"nbf": NOW + 61}),
                Err(TokenError::NotYetValid),
            ),
            (
                "fractional exp",
                json!({"exp": (NOW + 10) as f64 + 0.5}),
                Ok(()),
            ),
            (
                "exp missing",
                json!({"exp": null}),
                Err(TokenError::MissingClaim("exp")),
            ),
            (
                "exp a string",
                json!({"exp": "soon"}),
                Err(TokenError::InvalidClaim("exp")),
            ),
            (
                "nbf a string",
                json!({"nbf": "now"}),
                Err(TokenError::InvalidClaim("nbf")),
            ),
        ];
        for (why, changes, want) in cases {
            let got = v.verify_at(&hs256(&with(changes)), NOW).map(|_| ());
            assert_eq!(got, want, "{why}");
        }
    }

    #[test]
    fn aud_is_a_string_or_an_array_and_must_contain_the_audience_when_set() {
        let configured = Verifier {
            audience: Some("csp-transition".into()),
            ..verifier()
        };
        let cases = [
            (json!("csp-transition"), Ok(())),
            (json!(["other", "csp-transition"]), Ok(())),
            (json!(["other", "more"]), Err(TokenError::WrongAudience)),
            (json!([]), Err(TokenError::WrongAudience)),
            (json!("other"), Err(TokenError::WrongAudience)),
            (json!(7), Err(TokenError::InvalidClaim("aud"))),
            (
                json!(["csp-transition", 7]),
                Err(TokenError::InvalidClaim("aud")),
            ),
            (Value::Null, Err(TokenError::MissingClaim("aud"))),
        ];
        for (aud, want) in cases {
            let token = hs256(&with(json!({ "aud": aud })));
            assert_eq!(configured.verify_at(&token, NOW).map(|_| ()), want, "{aud}");
            // Without JWT_AUDIENCE any aud is fine.
            assert!(verifier().verify_at(&token, NOW).is_ok(), "{aud}");
        }
        let claims = configured
            .verify_at(&hs256(&with(json!({"aud": ["a", "csp-transition"]}))), NOW)
            .unwrap();
        assert_eq!(
            claims.aud,
            Some(Audience::Many(vec!["a".into(), "csp-transition".into()]))
        );
    }

    #[test]
    fn iss_must_match_when_set() {
        let v = Verifier {
            issuer: Some("https://login.example.com".into()),
            ..verifier()
        };
        let cases = [
            (json!("https://login.example.com"), Ok(())),
            (
                json!("https://evil.example.com"),
                Err(TokenError::WrongIssuer),
            ),
            (
                json!(["https://login.example.com"]),
                Err(TokenError::InvalidClaim("iss")),
            ),
            (Value::Null, Err(TokenError::MissingClaim("iss"))),
        ];
        for (iss, want) in cases {
            let token = hs256(&with(json!({ "iss": iss })));
            assert_eq!(v.verify_at(&token, NOW).map(|_| ()), want, "{iss}");
        }
    }

    #[test]
    fn claims_are_named_when_missing_or_invalid() {
        let v = verifier();
        let cases = [
            (json!({"sub": null}), TokenError::MissingClaim("sub")),
            (json!({"sub": 42}), TokenError::InvalidClaim("sub")),
            (json!({"sub": "  "}), TokenError::InvalidClaim("sub")),
            (json!({"tid": null}), TokenError::MissingClaim("tid")),
            (json!({"tid": "contoso"}), TokenError::InvalidClaim("tid")),
            (
                json!({"tid": "00000000-0000-0000-0000-000000000000"}),
                TokenError::InvalidClaim("tid"),
            ),
            (json!({"tid": 12}), TokenError::InvalidClaim("tid")),
            (json!({"roles": null}), TokenError::MissingClaim("roles")),
            (
                json!({"roles": "GlobalAdmin"}),
                TokenError::InvalidClaim("roles"),
            ),
            (
                json!({"roles": ["GlobalAdmin", 1]}),
                TokenError::InvalidClaim("roles"),
            ),
        ];
        for (changes, want) in cases {
            let token = hs256(&with(changes.clone()));
            assert_eq!(v.verify_at(&token, NOW).map(|_| ()), Err(want), "{changes}");
        }
        let claims = v.verify_at(&hs256(&payload()), NOW).expect("valid token");
        assert_eq!(
            (claims.sub.as_str(), claims.tid.as_str()),
            ("alice", TENANT)
        );
        assert_eq!(claims.roles, vec!["GlobalAdmin".to_owned()]);
    }

    #[test]
    fn headers_algorithms_and_keys_are_checked_before_the_claims() {
        let hs = verifier();
        let rs = jwks_verifier();
        let p = payload();
        let mut crit = Header::new(Algorithm::HS256);
        crit.crit = Some(vec!["exp".into()]);
        let mut unknown_kid = Header::new(Algorithm::RS256);
        unknown_kid.kid = Some("unknown-kid".into());
        let mut good_kid = Header::new(Algorithm::RS256);
        good_kid.kid = Some("test-key-1".into());
        let other_secret = encode(
            &Header::new(Algorithm::HS256),
            &p,
            &EncodingKey::from_secret(b"another-secret-another-secret-0123456789"),
        )
        .unwrap();
        let cases: Vec<(&str, &Verifier, String, Result<(), TokenError>)> = vec![
            ("good HS256", &hs, hs256(&p), Ok(())),
            ("good RS256 kid", &rs, signed(good_kid.clone(), &p), Ok(())),
            (
                "crit header",
                &hs,
                signed(crit, &p),
                Err(TokenError::Malformed),
            ),
            (
                "empty crit",
                &hs,
                unsigned(json!({"alg": "HS256", "crit": []}), &p),
                Err(TokenError::Malformed),
            ),
            (
                "alg none",
                &hs,
                unsigned(json!({"alg": "none"}), &p),
                Err(TokenError::AlgorithmNotAllowed),
            ),
            (
                "HS512",
                &hs,
                signed(Header::new(Algorithm::HS512), &p),
                Err(TokenError::AlgorithmNotAllowed),
            ),
            (
                "RS256 not configured",
                &hs,
                signed(Header::new(Algorithm::RS256), &p),
                Err(TokenError::AlgorithmNotAllowed),
            ),
            (
                "HS256 not configured",
                &rs,
                hs256(&p),
                Err(TokenError::AlgorithmNotAllowed),
            ),
            (
                "unknown kid",
                &rs,
                signed(unknown_kid, &p),
                Err(TokenError::UnknownKeyId),
            ),
            (
                "kid not a string",
                &rs,
                unsigned(json!({"alg": "RS256", "kid": 1}), &p),
                Err(TokenError::Malformed),
            ),
            (
                "no alg",
                &hs,
                unsigned(json!({"typ": "JWT"}), &p),
                Err(TokenError::Malformed),
            ),
            (
                "wrong key",
                &hs,
                other_secret,
                Err(TokenError::BadSignature),
            ),
            (
                "payload not an object",
                &hs,
                hs256(&json!(["sub", "tid"])),
                Err(TokenError::Malformed),
            ),
            (
                "garbage",
                &hs,
                "not.a.token".into(),
                Err(TokenError::Malformed),
            ),
            (
                "two parts",
                &hs,
                "abc.def".into(),
                Err(TokenError::Malformed),
            ),
            (
                "four parts",
                &hs,
                format!("{}.x", hs256(&p)),
                Err(TokenError::Malformed),
            ),
            ("empty", &hs, String::new(), Err(TokenError::Malformed)),
        ];
        for (why, v, token, want) in cases {
            assert_eq!(v.verify_at(&token, NOW).map(|_| ()), want, "{why}");
        }
    }

    #[test]
    fn every_jsonwebtoken_error_is_a_fixed_phrase() {
        let kinds = [
            ErrorKind::InvalidToken,
            ErrorKind::InvalidSignature,
            ErrorKind::InvalidRsaKey("library text".into()),
            ErrorKind::InvalidAlgorithm,
            ErrorKind::MissingRequiredClaim("exp".into()),
            ErrorKind::MissingRequiredClaim("library text".into()),
            ErrorKind::InvalidClaimFormat("nbf".into()),
            ErrorKind::Provider("library text".into()),
        ];
        for kind in kinds {
            let phrase = from_jwt_error(&kind).to_string();
            assert!(!phrase.contains("library"), "{kind:?}: {phrase}");
        }
        assert_eq!(
            from_jwt_error(&ErrorKind::MissingRequiredClaim("exp".into())),
            TokenError::MissingClaim("exp")
        );
    }

    #[test]
    fn a_single_audience_serialises_as_a_string() {
        let one = serde_json::to_value(Audience::from("api")).unwrap();
        assert_eq!(one, json!("api"));
        let many = serde_json::to_value(Audience::from(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(many.unwrap(), json!(["a", "b"]));
        let back: Audience = serde_json::from_value(json!("api")).unwrap();
        assert_eq!(back, Audience::One("api".into()));
    }

    #[test]
    fn ttls_take_a_unit() {
        let cases = [
            ("1h", Some(3600)),
            ("30m", Some(1800)),
            ("90s", Some(90)),
            ("2d", Some(172_800)),
            ("45", Some(45)),
            ("0s", None),
            ("1w", None),
            ("h", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_ttl(raw), want, "{raw}");
        }
    }
}
