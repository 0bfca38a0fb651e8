//! SPEC §11: what a hostile page, a password guesser or a slow client can and cannot do.
use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use ved_tests::harness::{db_rows, Client, TestApp};

fn host_of(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

async fn write_from(
    client: &Client,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> u16 {
    let mut request = client.raw().request(method, client.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_owned());
    }
    let answer = client.send(request).await;
    if answer.status == StatusCode::FORBIDDEN {
        assert!(answer.detail().contains("Cross-origin"), "{}", answer.text);
    }
    answer.status.as_u16()
}

#[tokio::test]
async fn writes_from_another_origin_are_refused_with_or_without_a_body() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let script = editor.create_script("print('mine')", "").await;
    let id = script.id;
    let evil = [("origin", "http://evil.example")];
    let cross_site = [("sec-fetch-site", "cross-site")];

    for headers in [&evil[..], &cross_site[..]] {
        for (method, path) in [
            (Method::POST, format!("/api/scripts/{id}/fork")),
            (Method::POST, format!("/api/scripts/{id}/merge")),
            (Method::POST, format!("/api/scripts/{id}/bump-major")),
            (Method::DELETE, format!("/api/scripts/{id}")),
            (Method::POST, "/api/auth/logout".to_owned()),
        ] {
            assert_eq!(
                write_from(&editor, method.clone(), &path, headers, None).await,
                403,
                "{method} {path} {headers:?}"
            );
        }
        let with_body =
            write_from(&editor, Method::POST, "/api/scripts", headers, Some(r#"{"content":"print(1)"}"#))
                .await;
        assert_eq!(with_body, 403, "{headers:?}");
    }
    // A form posted from another site, the classic attack: refused before anything else.
    let form = editor
        .send(
            editor
                .raw()
                .post(editor.url(&format!("/api/scripts/{id}/merge")))
                .header("origin", "null")
                .header("content-type", "application/x-www-form-urlencoded"),
        )
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN, "{}", form.text);

    let listing = editor.get("/api/scripts").await;
    assert_eq!(listing.body.as_array().unwrap().len(), 1, "nothing was created: {}", listing.text);
    let detail = editor.get(&format!("/api/scripts/{id}")).await;
    assert!(detail.body["prod_version"].is_null(), "nothing was merged: {}", detail.text);
    assert_eq!(editor.get("/api/auth/me").await.status, StatusCode::OK, "still logged in");

    // The app's own pages send their own origin; programs send none. Both may write.
    let own_origin = format!("http://{}", host_of(&app));
    let own = [("origin", own_origin.as_str()), ("sec-fetch-site", "same-origin")];
    assert_eq!(write_from(&editor, Method::POST, &format!("/api/scripts/{id}/fork"), &own, None).await, 201);
    assert_eq!(write_from(&editor, Method::POST, &format!("/api/scripts/{id}/merge"), &[], None).await, 200);
    // Reading is never refused: a cross-origin GET cannot be read by the page anyway.
    let read = editor
        .send(editor.raw().get(editor.url("/api/scripts")).header("origin", "http://evil.example"))
        .await;
    assert_eq!(read.status, StatusCode::OK);
}

#[tokio::test]
async fn a_hundred_parallel_wrong_guesses_check_at_most_five_passwords() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let guesses = (0..100).map(|n| {
        let client = client.clone();
        async move { client.login("ed1", &format!("guess-{n}")).await.status }
    });
    let statuses = join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + refused, 100, "{statuses:?}");
    assert!(checked <= 5, "{checked} passwords were checked against a limit of 5");
    let denied =
        db_rows(&app, "SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND outcome = 'denied'");
    assert_eq!(denied, [checked.to_string()], "the audit log agrees");
}

/// Reads until the server closes the connection; how long that took.
async fn time_until_closed(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection was still open after {limit:?}"),
        }
    }
}

#[tokio::test]
async fn connections_without_a_request_head_in_time_are_closed() {
    let app = TestApp::spawn_with(&[("VED_HEADER_TIMEOUT_S", "1")]).await;
    let host = host_of(&app);

    let mut silent = TcpStream::connect(&host).await.unwrap();
    let waited = time_until_closed(&mut silent, Duration::from_secs(10)).await;
    assert!(waited >= Duration::from_millis(900), "closed too early: {waited:?}");

    let mut slow = TcpStream::connect(&host).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    time_until_closed(&mut slow, Duration::from_secs(10)).await;

    // After an answer, an idle keep-alive connection is closed in the same time.
    let mut idle = TcpStream::connect(&host).await.unwrap();
    idle.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    time_until_closed(&mut idle, Duration::from_secs(10)).await;

    // The server still answers others.
    assert_eq!(app.client().get("/api/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_client_of_an_oversized_body_reads_its_413() {
    let app = TestApp::spawn().await;
    let editor = app.editor().await;
    let body = format!(r#"{{"content":"{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let sends = (0..24).map(|_| {
        let (editor, body) = (editor.clone(), body.clone());
        async move {
            let request = editor
                .raw()
                .post(editor.url("/api/scripts"))
                .header("content-type", "application/json")
                .body(body);
            match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    format!("{} {}", status.as_u16(), text.contains("larger than the server accepts"))
                }
                Err(err) => format!("transport error: {err}"),
            }
        }
    });
    let outcomes = join_all(sends).await;
    assert!(outcomes.iter().all(|o| o == "413 true"), "{outcomes:?}");
    assert_eq!(editor.get("/api/scripts").await.body.as_array().unwrap().len(), 0);
    // Chunked, with no length announced: the same answer.
    let chunks = (0..4).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024 * 1024]));
    let chunked = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let chunked = editor
        .send(
            editor
                .raw()
                .post(editor.url("/api/scripts"))
                .header("content-type", "application/json")
                .body(chunked),
        )
        .await;
    assert_eq!(chunked.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", chunked.text);
}
