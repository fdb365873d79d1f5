//! Cutting offending input down to size for error messages.

/// `text` cut to at most `limit` bytes (on a char boundary), with `…` when
/// something was cut.
pub(crate) fn excerpt(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text.get(..end).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn cuts_at_the_limit_on_a_char_boundary() {
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("abcd", 3), "abc…");
        // `é` is two bytes: cutting inside it backs off to before it.
        assert_eq!(excerpt("aé", 2), "a…");
        assert_eq!(excerpt("", 0), "");
    }
}
