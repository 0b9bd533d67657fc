//! Where a webhook may be sent (API.md "Webhooks and e-mail delivery"): `https://` only, and
//! never to a loopback, private, link-local or unique-local address unless
//! `WEBHOOK_ALLOW_PRIVATE` is true (then `http://` is accepted too). Checked when an endpoint is
//! saved and again at every delivery, on the addresses the name resolves to then (DNS can change).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// Why a URL is refused, said to the caller as the `url` field's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("is not a URL")]
    NotUrl,
    #[error("must be an https:// URL")]
    NotHttps,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("resolves to {0}, a loopback, private, link-local or unique-local address")]
    Private(IpAddr),
    #[error("does not resolve to any address")]
    Unresolved,
}

/// A URL fit to be saved: scheme, host and no credentials; a literal address is checked here,
/// a name when it is resolved.
pub fn parse(raw: &str, allow_private: bool) -> Result<Url, Refused> {
    let url = Url::parse(raw).map_err(|_| Refused::NotUrl)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(Refused::NotHttps),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Credentials);
    }
    match url.host() {
        None => Err(Refused::NotUrl),
        Some(Host::Ipv4(ip)) => check(IpAddr::V4(ip), allow_private).map(|()| url.clone()),
        Some(Host::Ipv6(ip)) => check(IpAddr::V6(ip), allow_private).map(|()| url.clone()),
        Some(Host::Domain(_)) => Ok(url.clone()),
    }
}

/// The addresses to connect to, all of them allowed; the sender connects only to these, so a
/// name cannot resolve differently between the check and the connection.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, Refused> {
    let port = url.port_or_known_default().ok_or(Refused::NotUrl)?;
    let addrs: Vec<SocketAddr> = match url.host() {
        None => return Err(Refused::NotUrl),
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| Refused::Unresolved)?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(Refused::Unresolved);
    }
    for a in &addrs {
        check(a.ip(), allow_private)?;
    }
    Ok(addrs)
}

/// The delivery client's DNS resolver: a name that resolves to an internal address fails to
/// connect, so the check and the connection use the same answer (no DNS rebinding).
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(
                    Box::new(Refused::Unresolved) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            for a in &addrs {
                check(a.ip(), allow_private)?;
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn check(ip: IpAddr, allow_private: bool) -> Result<(), Refused> {
    if !allow_private && is_internal(ip) {
        Err(Refused::Private(ip))
    } else {
        Ok(())
    }
}

/// Loopback, private, link-local, unique-local, shared (CGNAT), unspecified, broadcast and
/// multicast addresses, also written as IPv4-mapped IPv6.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => internal_v4(v4),
            None => internal_v6(v6),
        },
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised_in_every_spelling() {
        let internal = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ];
        for ip in internal {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        let public = [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "1.1.1.1",
        ];
        for ip in public {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_https_without_credentials_and_internal_literals_are_refused() {
        assert!(parse("https://hooks.example.com/x", false).is_ok());
        assert_eq!(
            parse("http://hooks.example.com/x", false),
            Err(Refused::NotHttps)
        );
        assert_eq!(
            parse("ftp://hooks.example.com/x", true),
            Err(Refused::NotHttps)
        );
        assert_eq!(parse("not a url", false), Err(Refused::NotUrl));
        assert_eq!(
            parse("https://u:p@hooks.example.com/", false),
            Err(Refused::Credentials)
        );
        assert!(matches!(
            parse("https://127.0.0.1/", false),
            Err(Refused::Private(_))
        ));
        assert!(matches!(
            parse("https://[::1]:8443/", false),
            Err(Refused::Private(_))
        ));
        assert!(parse("http://127.0.0.1:9/", true).is_ok());
    }

    #[tokio::test]
    async fn the_delivery_client_cannot_connect_to_a_name_that_resolves_to_loopback() {
        let client = |allow_private| {
            reqwest::Client::builder()
                .dns_resolver(std::sync::Arc::new(GuardedResolver { allow_private }))
                .build()
                .unwrap()
        };
        let err = client(false)
            .get("http://localhost:9/")
            .send()
            .await
            .unwrap_err();
        let mut chain = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        assert!(chain.contains("loopback"), "{chain}");
        // Allowed, it resolves and tries to connect (nothing listens on port 9).
        let err = client(true)
            .get("http://localhost:9/")
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_at_resolution() {
        let url = parse("https://localhost:9/hook", false).unwrap();
        assert!(matches!(
            resolve(&url, false).await,
            Err(Refused::Private(_))
        ));
        let allowed = resolve(&url, true).await.unwrap();
        assert!(
            allowed
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 9)
        );
    }
}
