//! A small client of the Notifications API for tests: its REST calls with reqwest, its
//! WebSocket with tokio-tungstenite. Every wait is bounded.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The Notifications API's REST side, with a token of the demo client.
pub struct Api {
    pub http: reqwest::Client,
    pub url: String,
    pub token: String,
}

impl Api {
    pub async fn new(url: &str) -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let token = token(&http, url).await;
        Api {
            http,
            url: url.to_string(),
            token,
        }
    }

    /// Any call: its status and JSON body (`Null` when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// A new channel: `(id, connectUri)`.
    pub async fn channel(&self) -> (String, String) {
        let (s, v) = self
            .call(Method::POST, "/api/v2/notifications/channels", None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        (
            v["id"].as_str().unwrap().to_string(),
            v["connectUri"].as_str().unwrap().to_string(),
        )
    }

    /// `PUT` (replace) or `POST` (add) topics.
    pub async fn subscribe(
        &self,
        method: Method,
        channel: &str,
        topics: &[String],
    ) -> (StatusCode, Value) {
        let body: Vec<Value> = topics.iter().map(|t| json!({ "id": t })).collect();
        self.call(
            method,
            &format!("/api/v2/notifications/channels/{channel}/subscriptions"),
            Some(Value::Array(body)),
        )
        .await
    }
}

pub async fn token(http: &reqwest::Client, url: &str) -> String {
    let r = http
        .post(format!("{url}/oauth/token"))
        .basic_auth("demo", Some("demo"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// How a socket ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    /// A close frame: its code and reason.
    Closed(Option<(u16, String)>),
    /// Gone without a close frame (the error as text).
    Dropped(String),
    /// Nothing within the wait.
    TimedOut,
}

/// One channel's WebSocket.
pub struct Ws {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws {
    pub async fn connect(uri: &str) -> Result<Ws, tungstenite::Error> {
        let (inner, _) = tokio::time::timeout(
            Duration::from_secs(10),
            tokio_tungstenite::connect_async(uri),
        )
        .await
        .expect("the handshake ends within 10 s")?;
        Ok(Ws { inner })
    }

    /// The next message (as JSON), or how the socket ended.
    pub async fn recv(&mut self, within: Duration) -> Result<Value, Ended> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let m = match tokio::time::timeout_at(deadline, self.inner.next()).await {
                Err(_) => return Err(Ended::TimedOut),
                Ok(None) => return Err(Ended::Dropped("the stream ended".into())),
                Ok(Some(Err(e))) => return Err(Ended::Dropped(e.to_string())),
                Ok(Some(Ok(m))) => m,
            };
            match m {
                Message::Text(t) => {
                    return Ok(serde_json::from_str(t.as_str()).expect("messages are JSON"));
                }
                Message::Close(f) => {
                    return Err(Ended::Closed(
                        f.map(|f| (u16::from(f.code), f.reason.as_str().to_string())),
                    ));
                }
                _ => {}
            }
        }
    }

    /// The next message that `want` accepts (others skipped).
    pub async fn recv_where(
        &mut self,
        within: Duration,
        want: impl Fn(&Value) -> bool,
    ) -> Result<Value, Ended> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let v = self.recv(left).await?;
            if want(&v) {
                return Ok(v);
            }
        }
    }

    /// Skips messages until the socket ends (or the wait does).
    pub async fn ended(&mut self, within: Duration) -> Ended {
        match self.recv_where(within, |_| false).await {
            Err(e) => e,
            Ok(_) => unreachable!(),
        }
    }

    pub async fn send(&mut self, v: &Value) {
        self.inner
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }
}

/// Whether a message is a topic event (not a heartbeat, pong or warning).
pub fn is_event(v: &Value) -> bool {
    v["topicName"]
        .as_str()
        .is_some_and(|t| t != "channel.metadata" && !t.starts_with("v2.system."))
}
