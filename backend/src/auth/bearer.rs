//! The `Authorization` header of SPEC §17: `Bearer <token>` authenticates a program. A
//! request that sends the header is judged by it alone — never by a cookie it may also
//! carry — so a bad or foreign token cannot borrow a browser's session.
use axum::http::{header, HeaderMap};

#[derive(Debug, PartialEq, Eq)]
pub enum Credential<'a> {
    /// No `Authorization` header: the session cookie decides.
    Session,
    Bearer(&'a str),
    /// A header that is not `Bearer <token>`: refused, never ignored.
    Malformed,
}

pub fn presented(headers: &HeaderMap) -> Credential<'_> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Credential::Session;
    };
    let Ok(value) = value.to_str() else {
        return Credential::Malformed;
    };
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Credential::Bearer(token.trim())
        }
        _ => Credential::Malformed,
    }
}

/// A request authenticated by a token rather than a cookie: what a browser on another
/// site could forge (a cookie sent along) plays no part in it, so the same-origin rule
/// for writes does not apply.
pub fn uses_bearer(headers: &HeaderMap) -> bool {
    matches!(presented(headers), Credential::Bearer(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        HeaderMap::from_iter([(header::AUTHORIZATION, value.parse().unwrap())])
    }

    #[test]
    fn only_a_bearer_header_with_a_token_is_a_bearer_credential() {
        assert_eq!(presented(&HeaderMap::new()), Credential::Session);
        assert_eq!(presented(&with("Bearer ved_abc")), Credential::Bearer("ved_abc"));
        assert_eq!(presented(&with("bearer   ved_abc ")), Credential::Bearer("ved_abc"));
        assert_eq!(presented(&with("Bearer ")), Credential::Malformed);
        assert_eq!(presented(&with("Basic ZWQxOjFlZGl0b3I=")), Credential::Malformed);
        assert_eq!(presented(&with("ved_abc")), Credential::Malformed);
        assert!(uses_bearer(&with("Bearer x")));
        assert!(!uses_bearer(&with("Basic x")));
    }
}
