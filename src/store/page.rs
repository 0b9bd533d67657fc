//! Keyset pagination: rows come in id order and the opaque cursor carries the last id.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A page request already checked by the API layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    /// Rows with ids greater than this one.
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
        })
    }
}

const PREFIX: &str = "v1:";

pub fn encode_cursor(last_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{last_id}"))
}

/// None when the cursor was not made by `encode_cursor`.
pub fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let id = text.strip_prefix(PREFIX)?;
    (!id.is_empty() && id.len() <= 64).then(|| id.to_owned())
}

/// Cuts rows fetched with `limit + 1` into a page; the extra row says a next page exists.
pub fn paginate<T>(mut rows: Vec<T>, request: &PageRequest, id: impl Fn(&T) -> &str) -> Page<T> {
    let limit = usize::try_from(request.limit).unwrap_or(0);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| encode_cursor(id(last)))
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_strangers() {
        let c = encode_cursor("0192f0c2-aaaa");
        assert_eq!(decode_cursor(&c).as_deref(), Some("0192f0c2-aaaa"));
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("v2:x")), None);
    }

    #[test]
    fn an_extra_row_means_another_page() {
        let req = PageRequest {
            limit: 2,
            after: None,
        };
        let page = paginate(vec!["a".to_owned(), "b".into(), "c".into()], &req, |s| {
            s.as_str()
        });
        assert_eq!(page.items, vec!["a", "b"]);
        assert_eq!(
            page.next_cursor
                .as_deref()
                .and_then(decode_cursor)
                .as_deref(),
            Some("b")
        );
        let last = paginate(vec!["c".to_owned()], &req, |s| s.as_str());
        assert_eq!(last.next_cursor, None);
    }
}
