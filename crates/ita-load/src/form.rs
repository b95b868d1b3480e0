//! Reading a survey form out of its HTML (hidden fields and radio groups, by plain string scanning) and filling
//! it in so that every submission's answers are different: a sequence number written in mixed radix, one digit
//! per question.

use std::collections::HashMap;

/// What a form asks for: its hidden fields (the single-use `token` among them) and its radio groups, in the
/// order of the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub hidden: Vec<(String, String)>,
    pub groups: Vec<RadioGroup>,
}

/// One question (or the EIT relation): the field name and its option values in the order of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RadioGroup {
    pub name: String,
    pub values: Vec<String>,
}

/// A filled-in form: the urlencoded body to post and the answer string the store should hold for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub body: String,
    /// One character per question field (`q.<code>`) in page order: the chosen option's index as `0`-`9`,
    /// `a`-`z`, which is how `ita_domain::questionnaire` encodes a stored response.
    pub answers: String,
}

impl Form {
    /// Scans every `<input>` tag of the page. Attributes may come in any order and either quote.
    pub fn scan(html: &str) -> Form {
        let mut form = Form::default();
        let mut group_of: HashMap<String, usize> = HashMap::new();
        let mut rest = html;
        while let Some(at) = rest.find("<input") {
            rest = &rest[at + "<input".len()..];
            let end = rest.find('>').unwrap_or(rest.len());
            let tag = &rest[..end];
            rest = &rest[end..];
            let (Some(kind), Some(name)) = (attribute(tag, "type"), attribute(tag, "name")) else { continue };
            let value = attribute(tag, "value").unwrap_or_default();
            match kind.to_ascii_lowercase().as_str() {
                "hidden" => form.hidden.push((name, value)),
                "radio" => match group_of.get(&name) {
                    Some(&index) => form.groups[index].values.push(value),
                    None => {
                        group_of.insert(name.clone(), form.groups.len());
                        form.groups.push(RadioGroup { name, values: vec![value] });
                    }
                },
                _ => {}
            }
        }
        form
    }

    /// The same form with the token's value left empty (the part of a page that changes with every view).
    pub fn without_token(&self) -> Form {
        let mut form = self.clone();
        for (name, value) in &mut form.hidden {
            if name == TOKEN {
                value.clear();
            }
        }
        form
    }

    /// [`Form::fill`] with `token` as the token's value.
    pub fn fill_with_token(&self, token: &str, sequence: u64) -> Filled {
        self.fill_inner(Some(token), sequence)
    }

    /// The question groups: fields named `q.<code>`.
    pub fn questions(&self) -> impl Iterator<Item = &RadioGroup> {
        self.groups.iter().filter(|group| group.name.starts_with("q."))
    }

    /// How many different answer strings the questions allow (saturating).
    pub fn capacity(&self) -> u64 {
        self.questions().fold(1u64, |product, group| product.saturating_mul(group.values.len() as u64))
    }

    /// Fills every group, the digits of `sequence` choosing the options of the questions (so two sequence
    /// numbers below [`Form::capacity`] never give the same answers); other groups (the EIT relation) take
    /// their first option.
    pub fn fill(&self, sequence: u64) -> Filled {
        self.fill_inner(None, sequence)
    }

    fn fill_inner(&self, token: Option<&str>, sequence: u64) -> Filled {
        let mut body = String::with_capacity(64 + 16 * self.groups.len());
        let mut answers = String::with_capacity(self.groups.len());
        let mut left = sequence;
        for (name, value) in &self.hidden {
            let value = match token {
                Some(token) if name == TOKEN => token,
                _ => value,
            };
            append_pair(&mut body, name, value);
        }
        for group in &self.groups {
            if group.values.is_empty() {
                continue;
            }
            let index = if group.name.starts_with("q.") {
                let radix = group.values.len() as u64;
                let digit = left % radix;
                left /= radix;
                answers.push(char::from_digit(digit as u32, 36).unwrap_or('?'));
                digit as usize
            } else {
                0
            };
            append_pair(&mut body, &group.name, &group.values[index]);
        }
        Filled { body, answers }
    }
}

const TOKEN: &str = "token";

/// The token of a page as the survey form prints it (`name="token" value="..."`, a base64url value with a dot,
/// which needs no decoding), found without reading the rest of the page; `None` if it is not printed so.
pub fn find_token(page: &[u8]) -> Option<&str> {
    const BEFORE: &[u8] = b"name=\"token\" value=\"";
    let start = memchr::memmem::find(page, BEFORE)? + BEFORE.len();
    let length = memchr::memchr(b'"', &page[start..])?;
    let token = std::str::from_utf8(&page[start..start + length]).ok()?;
    token
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
        .then_some(token)
}

/// The value of attribute `wanted` in the inside of a tag, entities decoded.
fn attribute(tag: &str, wanted: &str) -> Option<String> {
    let bytes = tag.as_bytes();
    let mut from = 0;
    while let Some(found) = tag[from..].find(wanted) {
        let at = from + found;
        from = at + wanted.len();
        let before_ok = at == 0 || bytes[at - 1].is_ascii_whitespace();
        let after = tag[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value = after[1..].trim_start();
        let raw = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = &value[1..];
                &inner[..inner.find(quote).unwrap_or(inner.len())]
            }
            _ => &value[..value.find(|c: char| c.is_ascii_whitespace() || c == '/').unwrap_or(value.len())],
        };
        return Some(decode_entities(raw));
    }
    None
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn append_pair(body: &mut String, name: &str, value: &str) {
    if !body.is_empty() {
        body.push('&');
    }
    percent_encode(body, name);
    body.push('=');
    percent_encode(body, value);
}

/// `application/x-www-form-urlencoded`: unreserved bytes as they are, space as `+`, the rest `%XX`.
fn percent_encode(out: &mut String, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 15)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<form method="post">
        <input type="hidden" name="token" value="abc.DEF-_">
        <fieldset><legend>ข้อ 1</legend>
          <input id="a" type="radio" name="q.I1.1" value="0"> <input type=radio name="q.I1.1" value="1">
          <input name='q.I1.1' value='2' type='radio' data-name="x"><input type="radio" name="q.I1.1" value="3" />
        </fieldset>
        <input type="radio" name="relation" value="service_user"><input type="radio" name="relation" value="contact">
        <input type="radio" name="q.I9" value="yes"><input type="radio" name="q.I9" value="no">
        <input type="text" name="ignored" value="x">
        <input type="submit" value="ส่ง"></form>"#;

    #[test]
    fn hidden_fields_and_radio_groups_are_read_whatever_the_attribute_order_and_quotes() {
        let form = Form::scan(PAGE);
        assert_eq!(form.hidden, vec![("token".to_string(), "abc.DEF-_".to_string())]);
        let names: Vec<&str> = form.groups.iter().map(|group| group.name.as_str()).collect();
        assert_eq!(names, ["q.I1.1", "relation", "q.I9"]);
        assert_eq!(form.groups[0].values, ["0", "1", "2", "3"]);
        assert_eq!(form.capacity(), 8);
    }

    #[test]
    fn each_sequence_number_below_the_capacity_gives_different_answers_and_the_body_carries_them() {
        let form = Form::scan(PAGE);
        let answers: std::collections::BTreeSet<String> = (0..8).map(|n| form.fill(n).answers).collect();
        assert_eq!(answers.len(), 8);
        let filled = form.fill(6);
        assert_eq!(filled.answers, "21", "6 = 2 + 4 x 1: option 2 of the first, option 1 of the second");
        assert_eq!(filled.body, "token=abc.DEF-_&q.I1.1=2&relation=service_user&q.I9=no");
    }

    #[test]
    fn the_token_is_found_without_reading_the_page_and_fills_the_form_read_before() {
        let page = PAGE.replace("abc.DEF-_", "new.T0ken_-");
        assert_eq!(find_token(page.as_bytes()), Some("new.T0ken_-"));
        assert_eq!(find_token(b"<input name=\"token\" value=\"a&amp;b\">"), None, "not a token as printed");
        let known = Form::scan(PAGE).without_token();
        assert_eq!(known.fill_with_token("new.T0ken_-", 6), Form::scan(&page).fill(6));
    }

    #[test]
    fn values_are_urlencoded() {
        let mut out = String::new();
        percent_encode(&mut out, "ก a+b/=");
        assert_eq!(out, "%E0%B8%81+a%2Bb%2F%3D");
    }
}
