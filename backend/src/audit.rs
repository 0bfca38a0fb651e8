//! The audit trail of SPEC §8: one row per state change, written by the feature that made
//! the change. A failure to write it is logged rather than failing the user's request, which
//! has already happened.
//!
//! A request authenticated by an API token (SPEC §17) is handled inside
//! [`on_behalf_of_token`], set by the access layer; every row it writes names the token in
//! `api_token_id` (the actor stays the token's owner), without a handler passing it on.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};

use crate::entities::audit_log;

#[derive(Debug, Clone, Default)]
pub struct AuditEvent {
    pub actor: Option<String>,
    pub action: &'static str,
    pub script_id: Option<i64>,
    pub script_version_id: Option<i64>,
    pub outcome: &'static str,
    pub detail: Option<String>,
    pub client_addr: Option<String>,
}

impl AuditEvent {
    pub fn new(action: &'static str, actor: impl Into<String>) -> Self {
        Self { action, actor: Some(actor.into()), outcome: "ok", ..Default::default() }
    }

    pub fn outcome(mut self, outcome: &'static str) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn script(mut self, script_id: i64, script_version_id: Option<i64>) -> Self {
        self.script_id = Some(script_id);
        self.script_version_id = script_version_id;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn client(mut self, addr: impl ToString) -> Self {
        self.client_addr = Some(addr.to_string());
        self
    }
}

tokio::task_local! {
    static API_TOKEN: i64;
}

/// Runs `request` with every audit row it writes naming the API token `token_id`.
pub async fn on_behalf_of_token<F: std::future::Future>(token_id: i64, request: F) -> F::Output {
    API_TOKEN.scope(token_id, request).await
}

pub async fn record(db: &DatabaseConnection, event: AuditEvent) {
    let row = audit_log::ActiveModel {
        actor: Set(event.actor),
        action: Set(event.action.to_owned()),
        script_id: Set(event.script_id),
        script_version_id: Set(event.script_version_id),
        outcome: Set(event.outcome.to_owned()),
        detail: Set(event.detail),
        client_addr: Set(event.client_addr),
        api_token_id: Set(API_TOKEN.try_with(|token| *token).ok()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    if let Err(err) = row.insert(db).await {
        tracing::error!(error = %err, action = event.action, "could not write the audit row");
    }
}
