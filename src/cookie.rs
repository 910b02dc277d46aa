//! Cookie headers: reading `Cookie`, writing `Set-Cookie`, and measuring it.
//!
//! Parsing follows RFC 6265 §5.4 leniency: pairs split on `;`, whitespace
//! trimmed, one pair of double quotes stripped from a value, pairs without `=`
//! skipped. When a name repeats, the **first** pair wins: browsers send the
//! cookie with the longest path first, which is the most specific one, and a
//! subdomain cannot then shadow it by adding a later duplicate.

use alloc::string::String;

use crate::ConfigError;
// Re-exported for the lifecycle modules that import it from here.
pub(crate) use crate::text::push_u64;

/// Browsers drop a cookie whose name plus value exceeds this many bytes.
pub const MAX_NAME_VALUE: usize = 4096;

/// Longest cookie name accepted: a longer one leaves its value too little of
/// [`MAX_NAME_VALUE`], and the name is bound into every value's MAC.
pub const MAX_NAME_LEN: usize = 1024;

/// Pairs from a `Cookie` header, in order. Never panics, never allocates.
///
/// ```
/// use edge_session::cookie::pairs;
/// let v: Vec<_> = pairs(r#"a=1; b="two" ;c"#).collect();
/// assert_eq!(v, [("a", "1"), ("b", "two")]);
/// ```
pub fn pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let name = name.trim_matches(is_ws);
        if name.is_empty() {
            return None;
        }
        let value = value.trim_matches(is_ws);
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((name, value))
    })
}

fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The value of the first cookie called `name`, if any.
///
/// ```
/// use edge_session::cookie::get;
/// assert_eq!(get("s=first; s=second", "s"), Some("first"));
/// assert_eq!(get("other=1", "s"), None);
/// ```
pub fn get<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    pairs(header).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// The SameSite attribute.
///
/// ```
/// use edge_session::cookie::SameSite;
/// assert_eq!(SameSite::default(), SameSite::Lax);
/// assert_eq!(SameSite::Strict.as_str(), "Strict");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SameSite {
    /// Sent on same-site requests only.
    Strict,
    /// Also sent on top-level navigations (the default).
    #[default]
    Lax,
    /// Sent everywhere; requires Secure.
    None,
}

impl SameSite {
    /// The attribute value.
    ///
    /// ```
    /// # use edge_session::cookie::SameSite;
    /// assert_eq!(SameSite::None.as_str(), "None");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// How the session cookie is named and scoped. Validated by [`CookieOptions::validate`].
///
/// ```
/// use edge_session::cookie::CookieOptions;
/// let c = CookieOptions::new("__Host-session");
/// assert!(c.validate().is_ok());
/// assert_eq!(c.set_cookie("v", Some(60), None), "__Host-session=v; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieOptions {
    /// Cookie name; an RFC 6265 token.
    pub name: String,
    /// Path attribute; `/` by default.
    pub path: String,
    /// Domain attribute; none by default (host-only).
    pub domain: Option<String>,
    /// Secure; on by default.
    pub secure: bool,
    /// HttpOnly; on by default.
    pub http_only: bool,
    /// SameSite; Lax by default.
    pub same_site: SameSite,
    /// Partitioned (CHIPS); off by default.
    pub partitioned: bool,
    /// Also send `Expires` beside `Max-Age`, for very old clients; off by default.
    pub expires: bool,
}

impl CookieOptions {
    /// The defaults: Path=/, Secure, HttpOnly, SameSite=Lax.
    ///
    /// ```
    /// # use edge_session::cookie::CookieOptions;
    /// assert!(CookieOptions::new("s").secure);
    /// ```
    pub fn new(name: &str) -> Self {
        CookieOptions {
            name: String::from(name),
            path: String::from("/"),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            partitioned: false,
            expires: false,
        }
    }

    /// Enforces the token rules and [`MAX_NAME_LEN`], the `__Host-`/`__Secure-`
    /// prefixes, and that SameSite=None and Partitioned come with Secure.
    ///
    /// ```
    /// use edge_session::{cookie::CookieOptions, ConfigError};
    /// let mut c = CookieOptions::new("__Host-s");
    /// c.domain = Some("example.com".into());
    /// assert_eq!(c.validate(), Err(ConfigError::HostPrefix));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.name.is_empty()
            || self.name.len() > MAX_NAME_LEN
            || !self.name.bytes().all(is_token)
        {
            return Err(ConfigError::CookieName);
        }
        if self.path.is_empty()
            || !self.path.starts_with('/')
            || self
                .path
                .bytes()
                .any(|b| b == b';' || !(0x20..0x7f).contains(&b))
        {
            return Err(ConfigError::Path);
        }
        if let Some(d) = &self.domain {
            let ok = !d.is_empty()
                && d.len() <= 253
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if !ok {
                return Err(ConfigError::Domain);
            }
        }
        if self.name.starts_with("__Host-")
            && (!self.secure || self.path != "/" || self.domain.is_some())
        {
            return Err(ConfigError::HostPrefix);
        }
        if self.name.starts_with("__Secure-") && !self.secure {
            return Err(ConfigError::SecurePrefix);
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err(ConfigError::SameSiteNone);
        }
        if self.partitioned && !self.secure {
            return Err(ConfigError::Partitioned);
        }
        Ok(())
    }

    /// The complete Set-Cookie value (what follows `Set-Cookie: `).
    /// `max_age` in seconds; `now` (Unix seconds) is needed only when
    /// [`expires`](Self::expires) is on. A `max_age` of 0 deletes the cookie.
    ///
    /// ```
    /// # use edge_session::cookie::CookieOptions;
    /// let mut c = CookieOptions::new("s");
    /// c.expires = true;
    /// assert_eq!(
    ///     c.set_cookie("", Some(0), Some(0)),
    ///     "s=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax"
    /// );
    /// ```
    pub fn set_cookie(&self, value: &str, max_age: Option<u64>, now: Option<u64>) -> String {
        let mut out = String::with_capacity(self.set_cookie_len(value.len(), max_age));
        out.push_str(&self.name);
        out.push('=');
        out.push_str(value);
        out.push_str("; Path=");
        out.push_str(&self.path);
        if let Some(d) = &self.domain {
            out.push_str("; Domain=");
            out.push_str(d);
        }
        if let Some(age) = max_age {
            out.push_str("; Max-Age=");
            push_u64(&mut out, age);
            if self.expires {
                out.push_str("; Expires=");
                let at = if age == 0 {
                    0
                } else {
                    now.unwrap_or(0).saturating_add(age)
                };
                push_imf_fixdate(&mut out, at);
            }
        }
        if self.secure {
            out.push_str("; Secure");
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        out.push_str("; SameSite=");
        out.push_str(self.same_site.as_str());
        if self.partitioned {
            out.push_str("; Partitioned");
        }
        out
    }

    /// [`set_cookie`](Self::set_cookie) for a value from anywhere: refuses a
    /// value outside RFC 6265 cookie-octets (the codec's own values never are).
    ///
    /// ```
    /// # use edge_session::{cookie::CookieOptions, ConfigError};
    /// let c = CookieOptions::new("s");
    /// assert!(c.try_set_cookie("ok-value", Some(60), None).is_ok());
    /// assert_eq!(c.try_set_cookie("a;b", Some(60), None), Err(ConfigError::CookieValue));
    /// ```
    pub fn try_set_cookie(
        &self,
        value: &str,
        max_age: Option<u64>,
        now: Option<u64>,
    ) -> Result<String, ConfigError> {
        if !is_cookie_value(value) {
            return Err(ConfigError::CookieValue);
        }
        Ok(self.set_cookie(value, max_age, now))
    }

    /// The exact length in bytes of [`set_cookie`](Self::set_cookie)'s result
    /// for a value of `value_len` bytes, without building it.
    ///
    /// ```
    /// # use edge_session::cookie::CookieOptions;
    /// let c = CookieOptions::new("__Host-session");
    /// let line = c.set_cookie("abc", Some(1209600), None);
    /// assert_eq!(c.set_cookie_len(3, Some(1209600)), line.len());
    /// ```
    pub fn set_cookie_len(&self, value_len: usize, max_age: Option<u64>) -> usize {
        let mut n = self.name.len() + 1 + value_len + "; Path=".len() + self.path.len();
        if let Some(d) = &self.domain {
            n += "; Domain=".len() + d.len();
        }
        if let Some(age) = max_age {
            n += "; Max-Age=".len() + digits(age);
            if self.expires {
                n += "; Expires=".len() + IMF_FIXDATE_LEN;
            }
        }
        if self.secure {
            n += "; Secure".len();
        }
        if self.http_only {
            n += "; HttpOnly".len();
        }
        n += "; SameSite=".len() + self.same_site.as_str().len();
        if self.partitioned {
            n += "; Partitioned".len();
        }
        n
    }

    /// True when a cookie of this name with a value of `value_len` bytes stays
    /// within the browsers' 4096-byte name+value cap.
    ///
    /// ```
    /// # use edge_session::cookie::CookieOptions;
    /// let c = CookieOptions::new("s");
    /// assert!(c.fits_browser(4095));
    /// assert!(!c.fits_browser(4096));
    /// ```
    pub fn fits_browser(&self, value_len: usize) -> bool {
        self.name.len() + value_len <= MAX_NAME_VALUE
    }
}

/// RFC 6265 cookie-octets: the bytes a cookie value may hold unquoted.
///
/// ```
/// use edge_session::cookie::is_cookie_value;
/// assert!(is_cookie_value("abc-_DEF123+/="));
/// assert!(!is_cookie_value("a b"));
/// assert!(!is_cookie_value("a;b"));
/// ```
pub fn is_cookie_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e))
}

fn is_token(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && !b"()<>@,;:\\\"/[]?={}".contains(&b)
}

fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

const IMF_FIXDATE_LEN: usize = 29;

/// Appends an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for Unix seconds.
///
/// ```
/// let mut s = String::new();
/// edge_session::cookie::push_imf_fixdate(&mut s, 784111777);
/// assert_eq!(s, "Sun, 06 Nov 1994 08:49:37 GMT");
/// ```
pub fn push_imf_fixdate(out: &mut String, secs: u64) {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // Cap at 9999-12-31 so the year stays four digits.
    let secs = secs.min(253_402_300_799);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + (month <= 2) as u64;
    let two = |out: &mut String, n: u64| {
        out.push((b'0' + (n / 10) as u8) as char);
        out.push((b'0' + (n % 10) as u8) as char);
    };
    out.push_str(DAYS[(days % 7) as usize]);
    out.push_str(", ");
    two(out, day);
    out.push(' ');
    out.push_str(MONTHS[(month - 1) as usize % 12]);
    out.push(' ');
    two(out, year / 100);
    two(out, year % 100);
    out.push(' ');
    two(out, rem / 3600);
    out.push(':');
    two(out, rem / 60 % 60);
    out.push(':');
    two(out, rem % 60);
    out.push_str(" GMT");
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn lenient_parsing() {
        let v: Vec<_> = pairs(" a = 1 ;;\tb=\"q\"; =x; c=; d=\"unterminated").collect();
        assert_eq!(
            v,
            [("a", "1"), ("b", "q"), ("c", ""), ("d", "\"unterminated")]
        );
    }

    #[test]
    fn hostile_headers_do_not_panic() {
        let huge = "x=".repeat(60_000);
        assert_eq!(get(&huge, "s"), None);
        let ctl = "s=\u{0}\u{1}\u{7f}; t=\u{fffd}\u{10ffff}";
        assert_eq!(get(ctl, "t"), Some("\u{fffd}\u{10ffff}"));
        assert_eq!(get("\"", "s"), None);
        assert_eq!(get("s=\"", "s"), Some("\""));
    }

    #[test]
    fn prefixes_and_samesite() {
        let mut c = CookieOptions::new("__Secure-s");
        c.secure = false;
        assert_eq!(c.validate(), Err(ConfigError::SecurePrefix));
        let mut c = CookieOptions::new("s");
        c.secure = false;
        c.same_site = SameSite::None;
        assert_eq!(c.validate(), Err(ConfigError::SameSiteNone));
        let mut c = CookieOptions::new("__Host-s");
        c.path = "/app".into();
        assert_eq!(c.validate(), Err(ConfigError::HostPrefix));
        assert_eq!(
            CookieOptions::new("a b").validate(),
            Err(ConfigError::CookieName)
        );
        assert_eq!(
            CookieOptions::new("").validate(),
            Err(ConfigError::CookieName)
        );
    }

    #[test]
    fn every_attribute_measured_exactly() {
        let mut c = CookieOptions::new("__Secure-s");
        c.domain = Some("example.com".into());
        c.path = "/a".into();
        c.same_site = SameSite::None;
        c.partitioned = true;
        c.expires = true;
        for age in [0, 9, 10, 86_400, u64::MAX] {
            let line = c.set_cookie("value", Some(age), Some(1_700_000_000));
            assert_eq!(c.set_cookie_len(5, Some(age)), line.len(), "{line}");
        }
        let line = c.set_cookie("v", Some(60), Some(1_700_000_000));
        assert_eq!(
            line,
            "__Secure-s=v; Path=/a; Domain=example.com; Max-Age=60; \
             Expires=Tue, 14 Nov 2023 22:14:20 GMT; Secure; HttpOnly; SameSite=None; Partitioned"
        );
    }

    #[test]
    fn imf_fixdate_edges() {
        let f = |s| {
            let mut o = String::new();
            push_imf_fixdate(&mut o, s);
            o
        };
        assert_eq!(f(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(f(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(f(u64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
    }
}
