//! Bearer tokens: verification keys, the `Caller` extractor, and development tokens.

use std::collections::HashSet;
use std::future::{Ready, ready};
use std::path::Path;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};

use crate::api::error::ApiError;
use crate::api::request_id::RequestId;
use crate::config::{ConfigError, KeySources};
use crate::domain::access::{Actor, Operation, authorize};
use crate::domain::role::Role;
use crate::domain::values::TenantId;
use crate::startup::AppState;

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
    pub aud: Option<String>,
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
    write_private(&path, &secret).map_err(fail)?;
    tracing::warn!(path = %path.display(), "no JWT key configured: created a development secret; set JWT_SECRET or RS256 keys in production");
    Ok(secret)
}

#[cfg(unix)]
pub(crate) fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
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
pub(crate) fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
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

    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        let head = decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        let key = match head.alg {
            Algorithm::HS256 => self
                .hs256
                .as_ref()
                .ok_or("HS256 tokens are not accepted here")?,
            Algorithm::RS256 => self.rsa_key(head.kid.as_deref())?,
            other => return Err(format!("algorithm {other:?} is not accepted")),
        };
        let mut validation = Validation::new(head.alg);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        match &self.issuer {
            Some(iss) => {
                validation.set_issuer(&[iss]);
                validation.required_spec_claims.insert("iss".into());
            }
            None => validation.iss = None,
        }
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| format!("invalid token: {e}"))
    }

    fn rsa_key(&self, kid: Option<&str>) -> Result<&DecodingKey, String> {
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
            (Some(kid), _) => Err(format!("no RS256 key with kid {kid:?}")),
            (None, _) => Err("RS256 tokens are not accepted here".into()),
        }
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

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub actor: Actor,
    pub request_id: String,
    operator_tenant: TenantId,
}

impl Caller {
    pub fn tenant(&self) -> TenantId {
        self.actor.tenant
    }

    pub fn is_operator(&self) -> bool {
        self.actor.is_operator(self.operator_tenant)
    }

    /// 403 unless the caller may perform `operation` on data of `owner` (R28).
    pub fn require(&self, operation: Operation, owner: Option<TenantId>) -> Result<(), ApiError> {
        authorize(operation, &self.actor, owner, self.operator_tenant).map_err(ApiError::from)
    }

    /// The service itself acting within this request, as the operator (R29 names it as actor).
    pub fn as_system(&self, sub: &str) -> Caller {
        Caller {
            sub: sub.to_owned(),
            actor: Actor {
                tenant: self.operator_tenant,
                roles: Vec::new(),
            },
            request_id: self.request_id.clone(),
            operator_tenant: self.operator_tenant,
        }
    }

    /// Role names, for the audit log (R29).
    pub fn role_names(&self) -> String {
        self.actor
            .roles
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthenticated("an Authorization: Bearer token is required"))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthenticated("the Authorization header is not text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::unauthenticated(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

fn caller(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let claims = state
        .verifier
        .verify(bearer(req)?)
        .map_err(ApiError::unauthenticated)?;
    let tenant = TenantId::parse(&claims.tid)
        .map_err(|_| ApiError::unauthenticated("claim tid must be a UUID"))?;
    if claims.sub.trim().is_empty() {
        return Err(ApiError::unauthenticated("claim sub must not be empty"));
    }
    // Unknown role names grant nothing; they are dropped, not refused.
    let roles: HashSet<Role> = claims
        .roles
        .iter()
        .filter_map(|r| Role::from_name(r))
        .collect();
    let mut roles: Vec<Role> = roles.into_iter().collect();
    roles.sort();
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    Ok(Caller {
        sub: claims.sub,
        actor: Actor { tenant, roles },
        request_id,
        operator_tenant: state.operator_tenant,
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller(req))
    }
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
