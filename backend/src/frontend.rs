//! Serves the built single-page app: files from `frontend/dist`, `index.html` for any other
//! non-API path so that client-side routes survive a reload.
use std::path::{Path, PathBuf};

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::{
    compression::CompressionLayer,
    services::{ServeDir, ServeFile},
};

use crate::error::ApiError;

#[derive(Clone)]
pub struct Frontend {
    dir: PathBuf,
}

impl Frontend {
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned() }
    }

    pub async fn serve(self, request: Request<Body>) -> Response {
        if request.uri().path().starts_with("/api/") || request.uri().path() == "/api" {
            return ApiError::NotFound("No such API path.".into()).into_response();
        }
        let index = self.dir.join("index.html");
        if !index.is_file() {
            return (StatusCode::OK, Html(missing_build_page(&self.dir))).into_response();
        }
        let hashed_asset = request.uri().path().starts_with("/assets/");
        // The editor's Pyright worker alone is 17 MB (2.6 MB as brotli): the build writes
        // compressed copies once (`frontend/scripts/compress-dist.mjs`), sent as they are.
        // A file without one is compressed on the fly, the layer leaving encoded ones be.
        let files = ServeDir::new(&self.dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(ServeFile::new(index).precompressed_br().precompressed_gzip());
        let service = ServiceBuilder::new().layer(CompressionLayer::new()).service(files);
        let mut response = match service.oneshot(request).await {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        };
        // Vite names assets by content hash, so they never change; index.html must be
        // revalidated to pick up a new build.
        let cache = if hashed_asset && response.status().is_success() {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        response
    }
}

fn missing_build_page(dir: &Path) -> String {
    format!(
        "<!doctype html><html><head><title>code.ved</title></head><body>\
         <h1>code.ved</h1><p>The API is running, but the web app has not been built: \
         <code>{}</code> has no <code>index.html</code>.</p>\
         <p>Build it with <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code> \
         (or run <code>make run</code>), then reload this page.</p>\
         <p>The API reference is at <a href=\"/api/docs/\">/api/docs</a>.</p></body></html>",
        dir.display()
    )
}
