//! Matching as IAM matches: `*` and `?` wildcards in actions (case-insensitive) and
//! resources (case-sensitive), and policy variables (`${aws:username}`) replaced
//! by what the request context knows.

use std::borrow::Cow;

use super::context::{Context, Known};
use super::truth::Truth;

/// Whether `value` matches `pattern`, where `*` matches any run of characters and
/// `?` any one character.
pub fn glob(pattern: &str, value: &str, ignore_case: bool) -> bool {
    if pattern.is_ascii() && value.is_ascii() {
        // ARNs and actions are ASCII: match bytes, without allocating.
        glob_units(pattern.as_bytes(), value.as_bytes(), |a, b| a == b || (ignore_case && a.eq_ignore_ascii_case(&b)))
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let v: Vec<char> = value.chars().collect();
        glob_units(&p, &v, |a, b| a == b || (ignore_case && a.eq_ignore_ascii_case(&b)))
    }
}

fn glob_units<T: Copy + PartialEq + From<u8>>(p: &[T], v: &[T], same: impl Fn(T, T) -> bool) -> bool {
    let (star_unit, any_unit) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut vi) = (0, 0);
    // Where the last `*` was, and how much of the value it has taken.
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == any_unit || (p[pi] != star_unit && same(p[pi], v[vi]))) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == star_unit {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == star_unit)
}

/// A pattern with its policy variables replaced: the text to match, or why it
/// cannot be (the variable's key is absent from the request: nothing matches; or
/// unknown to the scan).
pub fn substitute<'p>(pattern: &'p str, ctx: &Context) -> Result<Cow<'p, str>, Truth> {
    if !pattern.contains("${") {
        return Ok(Cow::Borrowed(pattern));
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return Ok(Cow::Owned(out));
        };
        let key = &rest[start + 2..start + end];
        match key {
            "*" | "?" | "$" => out.push_str(key),
            _ => match ctx.get(key) {
                Known::Values(values) if values.len() == 1 => out.push_str(&values[0]),
                Known::Values(_) | Known::Absent => return Err(Truth::False),
                // A value the caller chooses may or may not match: undecided.
                Known::Unknown | Known::Chosen => return Err(Truth::unknown(key)),
            },
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Whether any of the patterns matches `value` (variables replaced first).
pub fn any_matches(patterns: &[String], value: &str, ignore_case: bool, ctx: &Context) -> Truth {
    super::truth::any(patterns.iter().map(|p| match substitute(p, ctx) {
        Ok(p) => Truth::from_bool(glob(&p, value, ignore_case)),
        Err(why) => why,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(glob("s3:Get*", "s3:GetObject", false));
        assert!(glob("S3:get*", "s3:GetObject", true));
        assert!(!glob("S3:get*", "s3:GetObject", false));
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", false));
        assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::b", false));
        assert!(glob("a?c", "abc", false) && !glob("a?c", "ac", false));
        assert!(glob("*", "", false) && glob("**a*", "xxa", false));
        assert!(glob("*a*b", "xaxxb", false) && !glob("*a*b", "xaxxbc", false));
    }

    #[test]
    fn variables() {
        let ctx = Context::default().with("aws:username", &["bob"]).with_absent("aws:PrincipalTag/team");
        assert_eq!(substitute("arn:aws:s3:::home/${aws:username}/*", &ctx), Ok("arn:aws:s3:::home/bob/*".into()));
        assert_eq!(substitute("x${*}y", &ctx), Ok("x*y".into()));
        assert_eq!(substitute("${aws:PrincipalTag/team}", &ctx), Err(Truth::False));
        assert_eq!(substitute("${aws:SourceVpc}", &ctx), Err(Truth::unknown("aws:SourceVpc")));
    }
}
