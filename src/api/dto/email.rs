//! The e-mail an invitation sends (R15, R17, R30).

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::notification::Notification;

/// The e-mail the service drafted and queued (R15, R17, R30).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmailDto {
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
}

impl From<&Notification> for EmailDto {
    fn from(n: &Notification) -> Self {
        EmailDto {
            to: Some(n.to.as_str().to_owned()),
            subject: n.subject.clone(),
            body: n.body.clone(),
        }
    }
}
