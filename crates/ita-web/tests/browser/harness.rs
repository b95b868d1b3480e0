//! The browser every test drives: Debian's chromium, headless, through its own chromedriver on a free loopback
//! port, at a desktop or a phone viewport, with full-page screenshots and downloads kept where a person can look.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::{Value, json};

use crate::helpers::PASSWORD;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a page, an element or a download may take before the test fails (a debug build renders PDFs slowly).
const PATIENCE: Duration = Duration::from_secs(20);
const DOWNLOAD_PATIENCE: Duration = Duration::from_secs(180);

/// The size of the page area, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

pub const DESKTOP: Viewport = Viewport { width: 1280, height: 900 };
pub const PHONE: Viewport = Viewport { width: 360, height: 740 };

impl Viewport {
    fn is_phone(self) -> bool {
        self.width < 600
    }
}

/// Where screenshots go: `<target>/screenshots`, the target folder taken from `CARGO_TARGET_DIR` when it is an
/// absolute path, else from this test program's own path (`<target>/debug/deps/browser-…`).
pub fn screenshot_folder() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(folder) if folder.is_absolute() => folder,
        _ => {
            let exe = std::env::current_exe().unwrap();
            exe.ancestors().nth(3).expect("the test program lives in <target>/debug/deps").to_path_buf()
        }
    };
    let folder = target.join("screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A chromedriver of this test's own, in a process group of its own so that the browsers it starts end with it
/// even when the test panics before it could close its session.
#[derive(Debug)]
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < PATIENCE, "chromedriver did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group's id is chromedriver's own id (process_group(0)); chromium and its helpers are in it.
        let group = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        let _ = killpg(group, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// A Chrome DevTools command through chromedriver (for what WebDriver has no word for: a full-page screenshot).
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.command, "params": self.params }).to_string()))
    }
}

/// One headless chromium showing the app at `viewport`; downloads land in a folder of its own.
#[derive(Debug)]
pub struct Browser {
    client: Client,
    base: String,
    pub viewport: Viewport,
    downloads: tempfile::TempDir,
    // Last, so that the session is dropped before its chromedriver is ended.
    _driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a headless chromium pointed at the app at `base` (`http://127.0.0.1:port`).
    pub async fn open(base: &str, viewport: Viewport) -> Browser {
        let driver = Driver::start();
        let downloads = tempfile::tempdir().unwrap();
        let phone = viewport.is_phone();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--hide-scrollbars",
                    // The tests reach nothing beyond loopback: no updates, no reports, no prefetching.
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-domain-reliability",
                    "--disable-sync",
                    "--no-pings",
                    "--dns-prefetch-disable",
                    // The app is at 127.0.0.1: every host name fails without a DNS query.
                    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                    format!("--window-size={},{}", viewport.width.max(500), viewport.height),
                ],
                // Headless chromium keeps windows at least 500 px wide and takes room off their height, so the
                // page area is set exactly by emulating the device's screen.
                "mobileEmulation": {
                    "deviceMetrics": {
                        "width": viewport.width,
                        "height": viewport.height,
                        "pixelRatio": 1,
                        "mobile": phone,
                        "touch": phone,
                    }
                },
                "prefs": {
                    "download.default_directory": downloads.path().to_str().unwrap(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "plugins.always_open_pdf_externally": true,
                    "safebrowsing.enabled": false,
                    // A Thai person's browser asks for Thai first.
                    "intl.accept_languages": "th-TH,th,en",
                },
            }
        });
        let capabilities: Capabilities = capabilities.as_object().unwrap().clone();
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .expect("chromedriver opens a chromium session");
        Browser { client, base: base.to_string(), viewport, downloads, _driver: driver }
    }

    /// Ends the session (chromium quits); the chromedriver ends when the browser is dropped.
    pub async fn close(self) {
        self.client.clone().close().await.unwrap();
    }

    pub async fn open_page(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// The path and query of the page shown.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits until the page shown is at `path` (without its query).
    pub async fn wait_for_path(&self, path: &str) {
        let started = Instant::now();
        loop {
            let url = self.client.current_url().await.unwrap();
            if url.path() == path {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "still at {url}, not at {path}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for an element the CSS selector finds.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css} on {}: {error}", self.base))
    }

    /// The visible text of the page's main part.
    pub async fn main_text(&self) -> String {
        self.find("main").await.text().await.unwrap()
    }

    /// Waits until the main part shows `expected`.
    pub async fn wait_for_text(&self, expected: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
            if text.contains(expected) {
                return text;
            }
            assert!(started.elapsed() < PATIENCE, "the page never showed {expected}:\n{text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into the element the CSS selector finds (clicking it first, as a person does).
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Presses a key on whatever has the focus.
    pub async fn press(&self, key: Key) {
        let key = char::from(key);
        let actions = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client.perform_actions(actions).await.unwrap();
        self.client.release_actions().await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Runs a script in the page and returns its value.
    pub async fn script(&self, script: &str) -> Value {
        self.client.execute(script, Vec::new()).await.unwrap()
    }

    /// Saves the whole page as `<screenshots>/<name>-<width>.png`, after checking that it does not scroll
    /// sideways (every page must fit a 360 px phone).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let widths = self
            .script("const page = document.documentElement; return [page.scrollWidth, page.clientWidth, innerWidth];")
            .await;
        let (page_width, window_width) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        assert_eq!(
            widths[2].as_u64(),
            Some(u64::from(self.viewport.width)),
            "the viewport is the one asked for"
        );
        // A table that becomes cards on a phone must not scroll sideways inside its frame either.
        let wide_cards = self
            .script(
                "return innerWidth >= 640 ? [] : [...document.querySelectorAll('table.responsive')]
                   .filter(table => table.scrollWidth > table.parentElement.clientWidth + 1)
                   .map(table => table.rows[0] ? table.rows[table.rows.length - 1].textContent.trim() : '');",
            )
            .await;
        let shot = self
            .client
            .issue_cmd(DevTools {
                command: "Page.captureScreenshot",
                params: json!({ "format": "png", "captureBeyondViewport": true }),
            })
            .await
            .unwrap();
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
        let file = screenshot_folder().join(format!("{name}-{}.png", self.viewport.width));
        std::fs::write(&file, png).unwrap();
        assert_eq!(
            wide_cards,
            json!([]),
            "{} has cards wider than the phone at {} px (see {})",
            self.path().await,
            self.viewport.width,
            file.display()
        );
        assert!(
            page_width <= window_width,
            "{} scrolls sideways at {} px: the page is {page_width} px wide (see {})",
            self.path().await,
            self.viewport.width,
            file.display()
        );
        file
    }

    /// Waits for a finished download whose name ends with `.extension` and returns its path.
    pub async fn wait_for_download(&self, extension: &str) -> PathBuf {
        let started = Instant::now();
        loop {
            let finished = std::fs::read_dir(self.downloads.path())
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .find(|path| path.extension().is_some_and(|found| found == extension));
            if let Some(path) = finished {
                return path;
            }
            assert!(started.elapsed() < DOWNLOAD_PATIENCE, "no .{extension} file was downloaded");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Signs in through the form with [`PASSWORD`], sending it with Enter, and waits for the agency list.
    pub async fn sign_in(&self, username: &str) {
        self.open_page("/sign-in").await;
        self.type_into("#username", username).await;
        self.type_into("#password", &format!("{PASSWORD}{}", char::from(Key::Enter))).await;
        self.wait_for_path("/agencies").await;
    }
}
