//! The web platform's integration tests: one binary; every test spawns the real app on a random port with a
//! fresh database (SQLite in a temporary folder, or a scratch PostgreSQL database) and acts as a user would.

mod access;
mod admin_pages;
mod api;
mod helpers;
mod imports;
mod oit;
mod pages;
mod review;
mod round_result;
mod snapshot;
mod survey;
mod surveys;
