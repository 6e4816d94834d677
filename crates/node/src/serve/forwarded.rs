//! The client's address behind a reverse proxy. `X-Forwarded-For` and `Forwarded` are believed
//! only from a peer the operator configured as a trusted proxy (anyone else could name any
//! address and so dodge throttling or forge the figures' source addresses). The chain is read
//! from the right, skipping trusted hops: the first untrusted address is the client.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Hops read from the headers at most (a request head is bounded anyway; this bounds the work).
const MAX_HOPS: usize = 32;

/// The address the request came from: `peer`, or when `peer` is a trusted proxy, the nearest
/// untrusted address it forwarded for.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let hops = forwarded_for(headers);
    let mut client = peer;
    for hop in hops.iter().rev().take(MAX_HOPS) {
        match hop {
            // An obfuscated or unknown hop (RFC 7239 `for=unknown`, `_hidden`): nothing
            // beyond it can be believed; the hop that reported it is the client.
            None => return client,
            Some(ip) => {
                client = *ip;
                if !is_trusted(*ip, trusted) {
                    return client;
                }
            }
        }
    }
    client
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// The `for` addresses of `Forwarded` (RFC 7239) when present, else of `X-Forwarded-For`,
/// in order (the client first); `None` for a hop that is no address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| parse_node(value.trim().trim_matches('"')))
                })
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| parse_node(hop.trim()))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711` or a bare IPv6.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (ip, _) = rest.split_once(']')?;
        return ip.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
    }
    let (ip, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("net")).collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &h, &[]),
            ip("198.51.100.7")
        );
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &h, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let trusted = nets(&["10.0.0.0/8", "::1/128"]);
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_address(ip("10.1.2.3"), &h, &trusted),
            ip("203.0.113.9")
        );
        // A client's own forged entry sits left of the address the proxy saw: ignored.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.9.9.9")]);
        assert_eq!(
            client_address(ip("10.1.2.3"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Several headers are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(client_address(ip("::1"), &h, &trusted), ip("203.0.113.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        // An IPv4-mapped peer is its IPv4 address.
        assert_eq!(
            client_address(ip("::ffff:10.1.2.3"), &h, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_reads_every_form() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.2",
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            client_address(ip("10.1.2.3"), &h, &trusted),
            ip("2001:db8::7")
        );
        let h = headers(&[("forwarded", "For=192.0.2.60:8080;by=10.0.0.1")]);
        assert_eq!(
            client_address(ip("10.1.2.3"), &h, &trusted),
            ip("192.0.2.60")
        );
        // An obfuscated hop: the proxy right of it is as far as the chain can be believed.
        let h = headers(&[("forwarded", "for=192.0.2.60, for=_hidden, for=10.0.0.2")]);
        assert_eq!(client_address(ip("10.1.2.3"), &h, &trusted), ip("10.0.0.2"));
        // Garbage is no address.
        let h = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(client_address(ip("10.1.2.3"), &h, &trusted), ip("10.1.2.3"));
    }
}
