//! Accounts: roles, the default users of SPEC §3, and the `ved users` commands.
use chrono::Utc;
use sea_orm::{
    sea_query::StringLen, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::password;
use crate::entities::user;

/// Ordered: an editor can do everything a viewer can, so the lesser of two roles is the
/// one both allow.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    clap::ValueEnum,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Role {
    #[sea_orm(string_value = "viewer")]
    Viewer,
    #[sea_orm(string_value = "editor")]
    Editor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
        }
    }

    /// An editor can do everything a viewer can.
    pub fn implied(self) -> Vec<Role> {
        match self {
            Self::Viewer => vec![Role::Viewer],
            Self::Editor => vec![Role::Viewer, Role::Editor],
        }
    }
}

pub fn parse_roles(stored: &str) -> Vec<Role> {
    stored
        .split(',')
        .filter_map(|name| match name.trim() {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            _ => None,
        })
        .collect()
}

fn format_roles(roles: &[Role]) -> String {
    roles.iter().map(|role| role.as_str()).collect::<Vec<_>>().join(",")
}

/// The accounts created on first start, with the passwords the README documents.
pub const DEFAULT_USERS: [(&str, &str, Role); 2] =
    [("ed1", "1editor", Role::Editor), ("mo1", "2viewer", Role::Viewer)];

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("user {0:?} already exists")]
    AlreadyExists(String),
    #[error("no user named {0:?}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> Result<Option<user::Model>, sea_orm::DbErr> {
    user::Entity::find().filter(user::Column::Username.eq(username)).one(db).await
}

/// Usernames become git branch names, so they are kept to a safe alphabet.
pub fn validate_username(username: &str) -> Result<(), UserError> {
    let valid_chars = username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let starts_well = username.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if username.len() > 64 || !valid_chars || !starts_well || username == "prod" {
        return Err(UserError::Invalid(format!(
            "invalid username {username:?}: use 1-64 letters, digits, '_' or '-', starting with a \
             letter or digit (and not \"prod\")"
        )));
    }
    Ok(())
}

pub fn validate_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < 6 {
        return Err(UserError::Invalid("the password must have at least 6 characters".into()));
    }
    Ok(())
}

pub async fn add_user(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    role: Role,
) -> Result<user::Model, UserError> {
    validate_username(username)?;
    validate_password(password)?;
    if find_by_username(db, username).await?.is_some() {
        return Err(UserError::AlreadyExists(username.to_owned()));
    }
    let now = Utc::now();
    let row = user::ActiveModel {
        username: Set(username.to_owned()),
        password_hash: Set(password::hash(password.to_owned()).await?),
        roles: Set(format_roles(&role.implied())),
        created_at: Set(now),
        password_changed_at: Set(now),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

pub async fn change_password(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
) -> Result<(), UserError> {
    validate_password(password)?;
    let existing =
        find_by_username(db, username).await?.ok_or_else(|| UserError::NotFound(username.to_owned()))?;
    let mut row: user::ActiveModel = existing.into();
    row.password_hash = Set(password::hash(password.to_owned()).await?);
    row.password_changed_at = Set(Utc::now());
    row.update(db).await?;
    Ok(())
}

/// Gives a user exactly `role` (and what it implies): a demoted editor's API tokens act as
/// a viewer from their next request.
pub async fn set_role(db: &DatabaseConnection, username: &str, role: Role) -> Result<(), UserError> {
    let existing =
        find_by_username(db, username).await?.ok_or_else(|| UserError::NotFound(username.to_owned()))?;
    let mut row: user::ActiveModel = existing.into();
    row.roles = Set(format_roles(&role.implied()));
    row.update(db).await?;
    Ok(())
}

/// Creates the default users on first start, then says which users exist and warns about
/// any whose password is still the published default.
pub async fn ensure_default_users(db: &DatabaseConnection) -> Result<(), UserError> {
    for (username, password, role) in DEFAULT_USERS {
        if find_by_username(db, username).await?.is_none() {
            add_user(db, username, password, role).await?;
            tracing::info!(username, role = role.as_str(), "created default user");
        }
    }
    for existing in user::Entity::find().all(db).await? {
        tracing::info!(username = %existing.username, roles = %existing.roles, "user");
        let default_password = DEFAULT_USERS
            .iter()
            .find(|(name, _, _)| *name == existing.username)
            .map(|(_, password, _)| *password);
        if let Some(default_password) = default_password {
            let hash = existing.password_hash.clone();
            let still_default =
                tokio::task::spawn_blocking(move || password::verify_blocking(default_password, &hash))
                    .await
                    .map_err(anyhow::Error::from)?;
            if still_default {
                tracing::warn!(
                    username = %existing.username,
                    "user still has the default password; change it with `ved users passwd {}`",
                    existing.username
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_names_are_ignored() {
        assert_eq!(parse_roles(&format_roles(&Role::Editor.implied())), vec![Role::Viewer, Role::Editor]);
        assert_eq!(parse_roles("viewer,admin"), vec![Role::Viewer]);
    }

    #[test]
    fn usernames_must_be_safe_branch_names() {
        assert!(validate_username("ed1").is_ok());
        for bad in ["", "-x", "a b", "a/b", "prod", "..", "é"] {
            assert!(validate_username(bad).is_err(), "{bad:?} accepted");
        }
    }
}
