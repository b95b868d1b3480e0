//! The web platform in a real browser: Debian's headless chromium, driven through chromedriver, uses the real app
//! (SQLite, random port) at a desktop (1280×900) and a phone (360×740) viewport, and keeps a screenshot of what it
//! saw in `<target>/screenshots/<test>-<width>.png` for a person to look at.

#[allow(dead_code)]
#[path = "../web/helpers.rs"]
mod helpers;

mod accessibility;
mod harness;
mod import;
mod oit;
mod reports;
mod sign_in;
mod survey;
mod tour;
