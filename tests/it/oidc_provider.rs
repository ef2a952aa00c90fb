//! A real OpenID Connect provider on loopback for the single sign-on tests: npm's
//! oauth2-mock-server (installed by `scripts/install-deps.sh --test` into
//! target/test-node), driven by tests/oidc/provider.js in a process group of its own,
//! killed when the test ends however it ends.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::helpers::{Page, TestApp};

pub struct OidcProvider {
    child: Child,
    /// `http://127.0.0.1:<port>`, as its discovery document says.
    pub issuer: String,
}

impl OidcProvider {
    pub async fn start() -> OidcProvider {
        tokio::task::spawn_blocking(Self::start_blocking)
            .await
            .expect("provider task")
    }

    fn start_blocking() -> OidcProvider {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let modules = root.join("target/test-node/node_modules");
        assert!(
            modules.join("oauth2-mock-server").is_dir(),
            "oauth2-mock-server is missing: run scripts/install-deps.sh --test"
        );
        let mut child = Command::new("node")
            .arg(root.join("tests/oidc/provider.js"))
            .env("NODE_PATH", &modules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .expect("start node (scripts/install-deps.sh --test installs it)");
        let stdout = child.stdout.take().expect("provider stdout");
        let mut issuer = String::new();
        BufReader::new(stdout)
            .read_line(&mut issuer)
            .expect("read the provider's issuer");
        let issuer = issuer.trim().to_owned();
        assert!(
            issuer.starts_with("http://127.0.0.1:"),
            "provider said {issuer:?}"
        );
        OidcProvider { child, issuer }
    }

    /// What the next ID tokens say (claims, and how they are spoiled: `audience`,
    /// `nonce`, `expired`).
    pub async fn will_say(&self, profile: serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/_test/profile", self.issuer))
            .json(&profile)
            .send()
            .await
            .expect("set the provider's profile");
        assert!(response.status().is_success());
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this test started; no memory is touched.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// Signs in through "Sign in with your organisation" as a browser does, following each
/// redirect by hand: Hopper's form, the provider's authorization endpoint, the callback.
/// Returns the callback's answer.
pub async fn sign_in_through_provider(app: &TestApp, client: &reqwest::Client, who: &str) -> Page {
    let (to_provider, callback) = start_sign_in(app, client, who).await;
    assert!(
        to_provider.starts_with("http://127.0.0.1:"),
        "{to_provider}"
    );
    assert!(
        callback.starts_with(&app.url("/login/sso/callback?")),
        "{callback}"
    );
    TestApp::page(client.get(&callback).send().await.expect("callback")).await
}

/// The first two legs: Hopper's form and the provider. Returns the provider's address
/// Hopper sent the browser to, and the callback address the provider sends it back to.
pub async fn start_sign_in(app: &TestApp, client: &reqwest::Client, who: &str) -> (String, String) {
    let form = app.get_with(client, "/login/sso").await;
    assert_eq!(form.status, 200);
    let token = form.csrf_token();
    let started = app
        .post_form_with(
            client,
            "/login/sso",
            &[("who", who), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let to_provider = started.location.expect("to the provider");
    for wanted in [
        "code_challenge_method=S256",
        "state=",
        "nonce=",
        "response_type=code",
    ] {
        assert!(to_provider.contains(wanted), "{wanted} in {to_provider}");
    }
    let answered = client.get(&to_provider).send().await.expect("provider");
    let callback = answered
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("the provider sends the browser back")
        .to_owned();
    (to_provider, callback)
}
