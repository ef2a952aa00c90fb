//! A multipart upload whose body a test writes piece by piece: slow, broken or silent
//! clients, as a browser on a bad line would be.

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::helpers::UserSession;
use crate::uploads::Target;

pub const BOUNDARY: &str = "hopper-test-boundary";

/// A multipart upload whose body the test writes piece by piece.
pub struct StreamedUpload {
    tx: Option<mpsc::Sender<Result<Bytes, std::io::Error>>>,
    response: tokio::task::JoinHandle<Result<reqwest::Response, reqwest::Error>>,
}

impl StreamedUpload {
    pub fn start(session: &UserSession<'_>, target: &Target) -> StreamedUpload {
        Self::start_at(session, session.app.url(&target.path()))
    }

    /// The same, to any node's upload address.
    pub fn start_at(session: &UserSession<'_>, url: String) -> StreamedUpload {
        let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let request = session
            .http
            .post(url)
            .header("HX-Request", "true")
            .header("X-CSRF-Token", &session.csrf)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(reqwest::Body::wrap_stream(stream))
            .send();
        StreamedUpload {
            tx: Some(tx),
            response: tokio::spawn(request),
        }
    }

    pub async fn send(&self, bytes: impl Into<Bytes>) {
        self.tx
            .as_ref()
            .expect("still sending")
            .send(Ok(bytes.into()))
            .await
            .expect("the request is still reading");
    }

    pub async fn file_header(&self, name: &str) {
        self.send(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        ))
        .await;
    }

    pub async fn file(&self, name: &str, bytes: &[u8]) {
        self.file_header(name).await;
        self.send(bytes.to_vec()).await;
        self.send("\r\n").await;
    }

    pub async fn send_in_chunks(&self, bytes: &[u8]) {
        for chunk in bytes.chunks(256 * 1024) {
            self.send(chunk.to_vec()).await;
        }
    }

    pub async fn finish(mut self) -> reqwest::Response {
        self.send(format!("--{BOUNDARY}--\r\n")).await;
        self.tx.take();
        self.response
            .await
            .expect("request task")
            .expect("response")
    }

    /// The connection breaks as if the browser tab closed.
    pub async fn break_connection(mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx
                .send(Err(std::io::Error::other("the browser went away")))
                .await;
        }
        let _ = self.response.await;
    }
}

impl StreamedUpload {
    /// Sends bytes unless the server has stopped reading; false once it has.
    pub async fn try_send_some(&self, bytes: &[u8]) -> bool {
        match &self.tx {
            Some(tx) => tx.send(Ok(Bytes::copy_from_slice(bytes))).await.is_ok(),
            None => false,
        }
    }

    /// The server's answer, without sending anything more.
    pub async fn answer(mut self) -> reqwest::Response {
        let response = self
            .response
            .await
            .expect("request task")
            .expect("response");
        self.tx.take();
        response
    }
}

impl StreamedUpload {
    /// Sends one byte every `every` until the server answers (or stops reading).
    pub async fn trickle(
        mut self,
        every: std::time::Duration,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let tx = self.tx.take().expect("still sending");
        let trickling = async move {
            while tx.send(Ok(Bytes::from_static(b"x"))).await.is_ok() {
                tokio::time::sleep(every).await;
            }
            // The server stopped reading: wait for its answer.
            std::future::pending::<()>().await;
        };
        tokio::select! {
            answer = &mut self.response => answer.expect("request task"),
            () = trickling => unreachable!("trickling only ends by waiting forever"),
        }
    }
}
