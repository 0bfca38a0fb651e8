//! Serves the built single-page app: files from `frontend/dist`, `index.html` for any other
//! non-API path so that client-side routes survive a reload.
use std::{
    convert::Infallible,
    path::{Path, PathBuf},
};

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
};
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_http::{
    compression::CompressionLayer,
    services::{fs::ServeFileSystemResponseBody, ServeDir, ServeFile},
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
        let files = ServeDir::new(&self.dir).precompressed_br().precompressed_gzip();
        let index = ServeFile::new(index).precompressed_br().precompressed_gzip();
        // A missing asset (a page of an older build asking for its chunks) is a 404, never
        // index.html under a script's name that the browser would then keep for a year.
        let mut response = if hashed_asset {
            compressed(files.not_found_service(index), request).await
        } else {
            compressed(files.fallback(index), request).await
        };
        // Vite names assets by content hash, so they never change; index.html must be
        // revalidated to pick up a new build.
        let cache = if hashed_asset && response.status().is_success() {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        // The same URL is sent as brotli, gzip or plain: a shared cache must keep them apart.
        headers.entry(header::VARY).or_insert(HeaderValue::from_static("accept-encoding"));
        response
    }
}

/// The files, compressed on the fly where the build wrote no compressed copy.
async fn compressed<F>(files: ServeDir<F>, request: Request<Body>) -> Response
where
    ServeDir<F>: Service<
        Request<Body>,
        Response = http::Response<ServeFileSystemResponseBody>,
        Error = Infallible,
        Future: Send,
    >,
{
    let service = ServiceBuilder::new().layer(CompressionLayer::new()).service(files);
    match service.oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
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
