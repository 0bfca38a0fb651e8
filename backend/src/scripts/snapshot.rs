//! `GET /api/scripts` from memory: the list is built, serialised and hashed once per change
//! of the catalog, not once per request, and gzipped at most once.
//!
//! Whether it changed is the database's to say: every write to what the list shows bumps
//! `catalog_generation` by trigger (migration 17), in any process, so each request reads
//! that one row and serves the snapshot only when it is at least that recent. The list is
//! the same for every user (SPEC §5: every viewer sees the whole catalog), so one snapshot
//! serves all.
use std::{io::Write, sync::Arc};

use axum::{
    body::Body,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, OnceCell};

use super::listing;
use crate::error::{ApiError, ApiResult};

/// One serialised catalog, as of (at least) `generation`.
struct Snapshot {
    generation: i64,
    json: Bytes,
    /// A weak validator: the same list has the same tag in every process and encoding.
    etag: HeaderValue,
    gzip: OnceCell<Bytes>,
}

/// The newest snapshot of this process; cheap to clone.
#[derive(Clone, Default)]
pub struct CatalogSnapshots {
    current: Arc<std::sync::RwLock<Option<Arc<Snapshot>>>>,
    /// One rebuild at a time: requests that find the snapshot stale wait for it instead of
    /// each building the same list.
    rebuilding: Arc<Mutex<()>>,
}

impl CatalogSnapshots {
    /// The list as `request_headers` ask for it: 304 when their `If-None-Match` names the
    /// current list, gzipped when they accept it.
    pub async fn respond(&self, db: &DatabaseConnection, request_headers: &HeaderMap) -> ApiResult<Response> {
        let snapshot = self.fresh(db).await?;
        let mut response = if matches_etag(request_headers, &snapshot.etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else if accepts_gzip(request_headers) {
            let gzip = snapshot.gzip.get_or_try_init(|| gzip(snapshot.json.clone())).await?;
            let mut response = Body::from(gzip.clone()).into_response();
            response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response
        } else {
            Body::from(snapshot.json.clone()).into_response()
        };
        let ok = response.status() == StatusCode::OK;
        let headers = response.headers_mut();
        if ok {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers.insert(header::ETAG, snapshot.etag.clone());
        // A browser keeps the list but asks each time whether it is still current.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        Ok(response)
    }

    async fn fresh(&self, db: &DatabaseConnection) -> ApiResult<Arc<Snapshot>> {
        let generation = generation(db).await?;
        if let Some(snapshot) = self.at_least(generation) {
            return Ok(snapshot);
        }
        let _only_one = self.rebuilding.lock().await;
        if let Some(snapshot) = self.at_least(generation) {
            return Ok(snapshot);
        }
        // Read after the generation: the list holds every write the generation counts, and
        // perhaps newer ones, which only makes the next request rebuild once more.
        let list = listing::list(db).await?;
        let json = Bytes::from(serde_json::to_vec(&list).map_err(ApiError::internal)?);
        let etag = etag_of(&json);
        let snapshot = Arc::new(Snapshot { generation, json, etag, gzip: OnceCell::new() });
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(snapshot.clone());
        Ok(snapshot)
    }

    fn at_least(&self, generation: i64) -> Option<Arc<Snapshot>> {
        let current = self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        current.as_ref().filter(|snapshot| snapshot.generation >= generation).cloned()
    }
}

async fn generation(db: &DatabaseConnection) -> ApiResult<i64> {
    let statement = Statement::from_string(
        db.get_database_backend(),
        "SELECT generation FROM catalog_generation WHERE id = 1",
    );
    let row = db.query_one(statement).await?.ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("the catalog_generation row is missing (migration 17)"))
    })?;
    Ok(row.try_get_by_index(0)?)
}

fn etag_of(json: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(json);
    let hex: String = digest[..16].iter().map(|byte| format!("{byte:02x}")).collect();
    HeaderValue::from_str(&format!("W/\"{hex}\"")).expect("hex digits make a header value")
}

/// Compressing 300 KB takes a few milliseconds: not on the async threads.
async fn gzip(json: Bytes) -> ApiResult<Bytes> {
    let compressed = tokio::task::spawn_blocking(move || {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&json)?;
        encoder.finish()
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok(Bytes::from(compressed))
}

/// `If-None-Match` by weak comparison (RFC 9110 §13.1.2): a listed tag equal to `etag`
/// but for `W/`, or `*`.
fn matches_etag(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag.to_str().unwrap_or_default());
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.split(',').any(|tag| tag.trim() == "*" || opaque(tag) == ours))
}

/// Whether `Accept-Encoding` allows gzip: named (or `*`) with a non-zero quality.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|value| value.to_str().ok()).any(|value| {
        value.split(',').any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|param| param.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            matches!(name.as_str(), "gzip" | "x-gzip" | "*") && quality > 0.0
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn if_none_match_compares_weakly_and_reads_lists() {
        let etag = HeaderValue::from_static("W/\"abc\"");
        assert!(matches_etag(&headers(header::IF_NONE_MATCH, "W/\"abc\""), &etag));
        assert!(matches_etag(&headers(header::IF_NONE_MATCH, "\"abc\""), &etag));
        assert!(matches_etag(&headers(header::IF_NONE_MATCH, "\"x\", W/\"abc\""), &etag));
        assert!(matches_etag(&headers(header::IF_NONE_MATCH, "*"), &etag));
        assert!(!matches_etag(&headers(header::IF_NONE_MATCH, "W/\"abd\""), &etag));
        assert!(!matches_etag(&HeaderMap::new(), &etag));
    }

    #[test]
    fn gzip_only_when_accepted_with_a_quality_above_zero() {
        assert!(accepts_gzip(&headers(header::ACCEPT_ENCODING, "gzip, deflate, br")));
        assert!(accepts_gzip(&headers(header::ACCEPT_ENCODING, "br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&headers(header::ACCEPT_ENCODING, "*")));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "gzip;q=0")));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "br, identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_same_list_has_the_same_tag_and_another_list_another() {
        assert_eq!(etag_of(b"[1]"), etag_of(b"[1]"));
        assert_ne!(etag_of(b"[1]"), etag_of(b"[2]"));
        assert!(etag_of(b"[]").to_str().unwrap().starts_with("W/\""));
    }
}
