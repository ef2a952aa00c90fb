//! The device cookie (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): set
//! at each successful sign-in, it names the account and a fresh random id, signed
//! (HMAC-SHA256) with a key derived from Hopper's secret key. A browser that presents it
//! for the account it names is not delayed by anybody else's guessing; its own failures
//! are counted on its id (see `services::sign_in_throttle`).

use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::HttpRequest;
use base64::Engine;
use sha2::{Digest, Sha512};

use crate::domain::tokens::random_token;

/// How long a browser stays known without signing in again.
const LIFETIME_DAYS: i64 = 180;

fn name(secure: bool) -> &'static str {
    if secure {
        "__Host-hopper_device"
    } else {
        "hopper_device"
    }
}

/// The device cookies' own key, derived from the session cookies' key.
pub fn derive_key(cookie_key: &Key) -> Key {
    let mut hasher = Sha512::new();
    hasher.update(b"hopper device cookie\0");
    hasher.update(cookie_key.master());
    Key::from(hasher.finalize().as_slice())
}

fn encoded(username: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(username)
}

/// The id of the browser's device cookie, when its signature holds and it names
/// `username`.
pub fn device_for(req: &HttpRequest, key: &Key, secure: bool, username: &str) -> Option<String> {
    let cookie = req.cookie(name(secure))?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    let verified = jar.signed(key).get(name(secure))?;
    let (id, named) = verified.value().split_once('.')?;
    (named == encoded(username) && !id.is_empty()).then(|| id.to_owned())
}

/// A new device cookie naming `username`, to set on a successful sign-in.
pub fn issue(key: &Key, secure: bool, username: &str) -> Option<Cookie<'static>> {
    let cookie = Cookie::build(
        name(secure),
        format!("{}.{}", random_token(), encoded(username)),
    )
    .secure(secure)
    .path("/")
    .http_only(true)
    .same_site(SameSite::Strict)
    .max_age(actix_web::cookie::time::Duration::days(LIFETIME_DAYS))
    .finish();
    let mut jar = CookieJar::new();
    jar.signed_mut(key).add(cookie);
    jar.get(name(secure)).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn presented(cookie: Cookie<'static>) -> HttpRequest {
        TestRequest::default().cookie(cookie).to_http_request()
    }

    #[test]
    fn a_cookie_counts_only_for_its_account_and_only_when_signed() {
        let key = derive_key(&Key::generate());
        let cookie = issue(&key, false, "alice").expect("cookie");
        let id = device_for(&presented(cookie.clone()), &key, false, "alice").expect("valid");
        assert!(!id.is_empty());
        assert_eq!(
            device_for(&presented(cookie.clone()), &key, false, "bob"),
            None
        );
        let other_key = derive_key(&Key::generate());
        assert_eq!(
            device_for(&presented(cookie.clone()), &other_key, false, "alice"),
            None
        );
        // The value without its signature, or with another account's name, is refused.
        let value = cookie.value();
        let forged = Cookie::new("hopper_device", format!("{id}.{}", encoded("alice")));
        assert_eq!(device_for(&presented(forged), &key, false, "alice"), None);
        let tampered = Cookie::new("hopper_device", value.replace(&encoded("alice"), "Ym9i"));
        assert_eq!(device_for(&presented(tampered), &key, false, "bob"), None);
    }
}
