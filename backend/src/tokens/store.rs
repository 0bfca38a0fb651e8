//! Tokens in the database: issue, list, revoke, and find the account a presented token
//! acts for, with the role it may use now.
use chrono::{Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};

use super::secret::{self, Secret};
use crate::{
    auth::{
        users::{parse_roles, Role},
        CurrentUser,
    },
    entities::{api_token, user},
};

/// `last_used_at` is kept to this precision: a busy client does not write on every call.
const LAST_USE_PRECISION: Duration = Duration::seconds(60);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the operating system gave no random bytes: {0}")]
    Randomness(#[from] rand::rand_core::OsError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub async fn issue(
    db: &DatabaseConnection,
    owner: &CurrentUser,
    name: &str,
    role: Role,
) -> Result<(api_token::Model, Secret), TokenError> {
    let secret = Secret::generate()?;
    let row = api_token::ActiveModel {
        user_id: Set(owner.id),
        name: Set(name.to_owned()),
        role: Set(role),
        secret_sha256: Set(secret::fingerprint(secret.expose())),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    };
    Ok((row.insert(db).await?, secret))
}

/// The owner's tokens that still work, newest first.
pub async fn list(db: &DatabaseConnection, owner_id: i64) -> Result<Vec<api_token::Model>, DbErr> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(owner_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await
}

/// Revokes one of the owner's tokens; `false` when it has no such working token.
pub async fn revoke(db: &DatabaseConnection, owner_id: i64, token_id: i64) -> Result<bool, DbErr> {
    let revoked = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_token::Column::Id.eq(token_id))
        .filter(api_token::Column::UserId.eq(owner_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(revoked.rows_affected == 1)
}

/// The account a presented token acts for, with the roles it may use; `None` for anything
/// that is not a working token of an existing account.
pub async fn authenticate(db: &DatabaseConnection, presented: &str) -> Result<Option<CurrentUser>, DbErr> {
    if !secret::looks_like_a_token(presented) {
        return Ok(None);
    }
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::SecretSha256.eq(secret::fingerprint(presented)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(owner) = user::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(None);
    };
    note_use(db, &token).await?;
    Ok(Some(CurrentUser {
        id: owner.id,
        roles: effective_roles(token.role, &parse_roles(&owner.roles)),
        username: owner.username,
        token_id: Some(token.id),
    }))
}

/// A token acts with its own role, never above what its owner may do today: an editor
/// token of an owner since made a viewer acts as a viewer.
pub fn effective_roles(token_role: Role, owner_roles: &[Role]) -> Vec<Role> {
    match owner_roles.iter().max() {
        Some(owner_role) => token_role.min(*owner_role).implied(),
        None => Vec::new(),
    }
}

async fn note_use(db: &DatabaseConnection, token: &api_token::Model) -> Result<(), DbErr> {
    let now = Utc::now();
    if token.last_used_at.is_some_and(|last| now - last < LAST_USE_PRECISION) {
        return Ok(());
    }
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(token.id))
        .filter(
            Condition::any()
                .add(api_token::Column::LastUsedAt.is_null())
                .add(api_token::Column::LastUsedAt.lt(now - LAST_USE_PRECISION)),
        )
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_acts_above_its_owner() {
        let editor = [Role::Viewer, Role::Editor];
        assert_eq!(effective_roles(Role::Editor, &editor), [Role::Viewer, Role::Editor]);
        assert_eq!(effective_roles(Role::Viewer, &editor), [Role::Viewer]);
        assert_eq!(effective_roles(Role::Editor, &[Role::Viewer]), [Role::Viewer], "a demoted owner");
        assert_eq!(effective_roles(Role::Editor, &[]), Vec::<Role>::new(), "an owner with no role");
    }
}
