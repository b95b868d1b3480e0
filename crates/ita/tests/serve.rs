//! `ita serve` run as a person runs it: the built binary on a free port with a fresh data folder, read through
//! what it prints and answered over HTTP; then killed.

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Long enough for a debug build to migrate and load the demonstration data on a busy machine.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// The running server; killed when dropped, so a failing test leaves no process behind.
struct Server {
    child: Child,
    stdout: Receiver<String>,
    printed: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Reads what the server prints until a line holding `wanted`; every line read is kept in `printed`.
    fn line_with(&mut self, wanted: &str) -> String {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    self.printed.push(line.clone());
                    if line.contains(wanted) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no line with {wanted:?}; printed: {:#?}", self.printed)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let mut stderr = String::new();
                    if let Some(mut pipe) = self.child.stderr.take() {
                        let _ = pipe.read_to_string(&mut stderr);
                    }
                    panic!(
                        "the server ended before printing {wanted:?}; printed: {:#?}\n{stderr}",
                        self.printed
                    )
                }
            }
        }
    }
}

/// A port nobody listens on now (the OS picks it; it is free again once the probe closes).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `ita` in `folder`, with none of the caller's ITA_* settings leaking in.
fn ita(folder: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ita"));
    command.args(args).current_dir(folder);
    for (name, _) in std::env::vars() {
        if name.starts_with("ITA_") {
            command.env_remove(name);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

fn start(mut command: Command) -> Server {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (sender, stdout) = channel();
    let pipe = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    Server { child, stdout, printed: Vec::new() }
}

/// The `http...` word of a printed line.
fn url_in(line: &str) -> String {
    line.split_whitespace()
        .find(|word| word.starts_with("http"))
        .unwrap_or_else(|| panic!("no URL in {line}"))
        .into()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The `name=value` pairs a response sets, joined as a `Cookie` header.
fn cookies_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

fn csrf_in(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Signs in through the form as a browser does; returns the cookie header of the session.
async fn sign_in(base: &str, username: &str, password: &str) -> String {
    let client = http();
    let form = client.get(format!("{base}/sign-in")).send().await.unwrap();
    let pre_session = cookies_of(&form);
    let csrf = csrf_in(&form.text().await.unwrap());
    let reply = client
        .post(format!("{base}/sign-in"))
        .header("cookie", &pre_session)
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 303, "sign-in of {username}: {}", reply.text().await.unwrap());
    cookies_of(&reply)
}

#[tokio::test]
async fn a_first_start_prints_the_address_and_a_setup_link_that_opens_the_setup_page() {
    let folder = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = start(ita(folder.path(), &["serve", "--listen", &listen, "--data-dir", "nested/data"]));
    let running = server.line_with("is running at");
    assert_eq!(url_in(&running), format!("http://{listen}"));
    assert!(
        server.printed.iter().any(|line| line.contains("พร้อมใช้งานที่")),
        "Thai first: {:?}",
        server.printed
    );
    let link = url_in(&server.line_with("create the first administrator"));
    assert!(link.starts_with(&format!("http://{listen}/setup/")), "{link}");
    assert!(server.printed.iter().any(|line| line.contains("ใช้ได้ครั้งเดียว")), "{:?}", server.printed);
    let reply = http().get(&link).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    assert!(reply.text().await.unwrap().contains("ตั้งค่าเริ่มต้น"));
    assert!(folder.path().join("nested/data/ita.db").is_file(), "the data folder is made, with the database");
}

#[tokio::test]
async fn with_demo_a_fresh_server_loads_the_province_and_the_printed_admin_sees_khao_thong_at_78_35() {
    let folder = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server =
        start(ita(folder.path(), &["serve", "--demo", "--listen", &listen, "--data-dir", "data"]));
    let base = url_in(&server.line_with("is running at"));
    let admin = server
        .printed
        .iter()
        .find(|line| line.trim_start().starts_with("admin "))
        .unwrap_or_else(|| panic!("no admin account printed: {:#?}", server.printed))
        .clone();
    let password = admin.split_whitespace().nth(1).unwrap();
    assert!(server.printed.iter().any(|line| line.contains("100 agencies")), "{:#?}", server.printed);
    assert!(!server.printed.iter().any(|line| line.contains("/setup/")), "accounts exist: no set-up link");

    let cookie = sign_in(&base, "admin", password).await;
    let client = http();
    let list = client.get(format!("{base}/agencies")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    // The list shows the newest round by default; the reference result is of 2565.
    let at = list.find(">2565</option>").expect("a 2565 round");
    let value = &list[..at];
    let value = &value[value.rfind("value=\"").unwrap() + 7..];
    let round = &value[..value.find('"').unwrap()];
    let query =
        format!("{base}/agencies?q=%E0%B9%80%E0%B8%82%E0%B8%B2%E0%B8%97%E0%B8%AD%E0%B8%87&round={round}");
    let found = client.get(query).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(found.contains("องค์การบริหารส่วนตำบลเขาทอง"), "{found}");
    assert!(found.contains("78.35"), "{found}");
}

#[tokio::test]
async fn a_port_in_use_stops_with_a_message_in_thai_and_english_and_exit_code_1() {
    let folder = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let output = ita(folder.path(), &["serve", "--listen", &listen]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("เปิดรับการเชื่อมต่อที่ {listen} ไม่ได้")), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {listen}: another program is using that port")),
        "{stderr}"
    );
    drop(taken);
}

#[tokio::test]
async fn an_unknown_key_in_ita_toml_stops_the_server_naming_the_key() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("ita.toml"), "listen = \"127.0.0.1:0\"\ndatabase = \"x\"\n").unwrap();
    let output = ita(folder.path(), &["serve"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ไม่รู้จักคีย์ \"database\"") && stderr.contains("unknown field `database`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn config_example_prints_a_file_the_server_accepts() {
    let folder = tempfile::tempdir().unwrap();
    let example = ita(folder.path(), &["config", "example"]).output().unwrap();
    assert!(example.status.success());
    let text = String::from_utf8(example.stdout).unwrap();
    assert!(text.contains("ตัวแปรสภาพแวดล้อม") && text.contains("environment variables"));
    // The example listens on 8080; this copy moves to a free port so that it can really start.
    let port = free_port();
    let text = text.replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
    std::fs::write(folder.path().join("ita.toml"), text).unwrap();
    let mut server = start(ita(folder.path(), &["serve"]));
    assert_eq!(url_in(&server.line_with("is running at")), format!("http://127.0.0.1:{port}"));
    assert!(folder.path().join("data/ita.db").is_file());
}

#[tokio::test]
async fn on_postgresql_from_the_environment_the_password_is_never_printed() {
    let scratch = ita_store::ScratchDatabase::create(POSTGRES_ADMIN_URL)
        .await
        .expect("PostgreSQL must run at 127.0.0.1:5432 with trust auth");
    // Trust authentication ignores the password, which lets the test give one and look for it.
    let url = scratch.url().replace("postgres://postgres@", "postgres://postgres:Sec%2Fret-4242@");
    let folder = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let mut command = ita(folder.path(), &["serve", "--listen", &listen]);
    command.env("ITA_DATABASE_URL", &url).env("RUST_LOG", "info");
    let mut server = start(command);
    let link = url_in(&server.line_with("create the first administrator"));
    assert_eq!(http().get(&link).send().await.unwrap().status(), 200);
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut stderr = String::new();
    server.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let everything = format!("{}\n{stderr}", server.printed.join("\n"));
    assert!(!everything.contains("Sec%2Fret") && !everything.contains("4242"), "{everything}");
    assert!(
        stderr.contains("postgres://postgres:****@"),
        "the log names the database without its password: {stderr}"
    );
    assert!(!folder.path().join("data/ita.db").exists(), "no SQLite file when running on PostgreSQL");
}

#[test]
fn admin_create_reads_the_password_from_stdin_and_refuses_a_taken_name() {
    let folder = tempfile::tempdir().unwrap();
    let create = |username: &str, password: &str| {
        let mut child = ita(
            folder.path(),
            &["admin", "create", "--username", username, "--display-name", "ผู้ดูแล", "--password-stdin"],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        use std::io::Write as _;
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let made = create("root", "a long enough password");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(
        String::from_utf8_lossy(&made.stdout).contains("created the account root (National administrator)")
    );
    let short = create("second", "short");
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("อย่างน้อย 10 ตัวอักษร"));
    let again = create("root", "another long password");
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("the username root is taken already"));
}
