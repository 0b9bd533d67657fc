//! Which paths the service has, and under which methods: read from the OpenAPI document, the
//! same list actix serves. Paths are exact, as actix matches them: a trailing or doubled slash
//! names no route (404, not 405).

use utoipa::openapi::OpenApi;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable(Vec<(Vec<Segment>, Vec<&'static str>)>);

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

impl RouteTable {
    pub fn from_openapi(doc: &OpenApi) -> RouteTable {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(name, present)| present.then_some(name))
                .collect();
                (segments(template), methods)
            })
            .collect();
        RouteTable(routes)
    }

    /// The methods a path answers to, if it is a known path at all. Empty segments count: they
    /// match only the empty segment before a template's leading slash, never a parameter.
    pub fn methods(&self, path: &str) -> Option<Vec<&'static str>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut found: Vec<&'static str> = Vec::new();
        for (template, methods) in &self.0 {
            let matches = template.len() == parts.len()
                && template.iter().zip(&parts).all(|(seg, part)| match seg {
                    Segment::Param => !part.is_empty(),
                    Segment::Literal(lit) => lit == part,
                });
            if matches {
                found.extend(methods.iter().copied());
            }
        }
        (!found.is_empty()).then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_templates_segment_by_segment() {
        let table = RouteTable(vec![
            (segments("/v1/partners/{partner_id}"), vec!["GET", "PATCH"]),
            (segments("/v1/partners"), vec!["POST"]),
        ]);
        assert_eq!(
            table.methods("/v1/partners/abc"),
            Some(vec!["GET", "PATCH"])
        );
        assert_eq!(table.methods("/v1/partners"), Some(vec!["POST"]));
        assert_eq!(table.methods("/v1/partners/abc/x"), None);
        assert_eq!(table.methods("/v2/partners"), None);
    }

    #[test]
    fn trailing_and_doubled_slashes_name_no_route() {
        let table = RouteTable(vec![
            (segments("/v1/partners/{partner_id}"), vec!["GET", "PATCH"]),
            (segments("/v1/partners"), vec!["POST"]),
        ]);
        for path in [
            "/v1/partners/abc/",
            "//v1/partners/abc",
            "/v1//partners/abc",
            "/v1/partners//abc",
            "/v1/partners/",
            "/v1/partners//",
            "v1/partners",
            "",
            "/",
        ] {
            assert_eq!(table.methods(path), None, "{path}");
        }
    }
}
