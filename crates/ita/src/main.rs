//! `ita`: the thin command line of open-ita. Each subcommand parses its arguments and calls into the crates.

mod admin_cmd;
mod config;
mod methodology_cmd;
mod report_cmd;
mod score_cmd;
mod serve_cmd;
mod survey_cmd;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ita_domain::Lang;
use ita_domain::methodology::{Catalog, Methodology};

#[derive(Debug, Parser)]
#[command(
    name = "ita",
    version,
    about = "open-ita: การประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ (ITA)"
)]
struct Cli {
    /// A folder of extra methodology year files (*.toml), added to the built-in years or replacing them.
    #[arg(long, global = true, env = "ITA_METHODOLOGY_DIR")]
    methodology_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score an agency from a TOML input: indicator scores, or raw responses and OIT verdicts.
    Score {
        /// The input file (see examples/).
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Language of the table: th (default) or en.
        #[arg(long, default_value = "th")]
        lang: Lang,
    },
    /// Write the analysis report and measures plan (DOCX, PDF, HTML or Markdown) from the same input as `score`.
    Report {
        /// The input file (as for `ita score`, plus optional [report] options and [[measures]]).
        #[arg(required_unless_present = "batch")]
        file: Option<PathBuf>,
        /// Many agencies at once: a CSV or XLSX with one agency per row; `-o` is then a folder.
        #[arg(long, conflicts_with = "file")]
        batch: Option<PathBuf>,
        #[arg(long, value_parser = report_cmd::parse_format)]
        format: ita_report::Format,
        /// Write numbers with Thai digits (๐-๙).
        #[arg(long)]
        thai_digits: bool,
        #[arg(long, default_value = "th")]
        lang: Lang,
        /// Last year's input, to show the change.
        #[arg(long)]
        previous: Option<PathBuf>,
        /// The output file (or folder, with --batch).
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// A folder of fonts (e.g. TH Sarabun New) to prefer in the PDF over the built-in Sarabun.
        #[arg(long)]
        font_dir: Option<PathBuf>,
        /// The report's date (YYYY-MM-DD); today by default.
        #[arg(long, value_parser = report_cmd::parse_date)]
        date: Option<ita_domain::thai::CalendarDate>,
    },
    /// List, show, check and compare methodology years.
    Methodology {
        #[command(subcommand)]
        command: MethodologyCommand,
    },
    /// Run the web platform (SQLite in ./data by default, or PostgreSQL); see `ita config example`.
    Serve {
        #[command(flatten)]
        flags: config::ServeFlags,
        /// Load the demonstration data (one province, fiscal years 2565-2569) when there is no agency yet.
        #[arg(long)]
        demo: bool,
    },
    /// Fill an empty database with demonstration data of any size (e.g. the national size for benchmarks).
    Demo {
        /// Agencies in all (8300 is about the national size).
        #[arg(long, default_value_t = ita_web::demo::DemoSize::PROVINCE.agencies)]
        agencies: usize,
        /// Fiscal years from 2565 on (1 to 5).
        #[arg(long, default_value_t = ita_web::demo::DemoSize::PROVINCE.years)]
        years: u16,
        #[command(flatten)]
        store: config::StoreFlags,
    },
    /// Accounts, from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Surveys (IIT and EIT), from the command line.
    Survey {
        #[command(subcommand)]
        command: SurveyCommand,
    },
    /// The settings file.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an account; the password is read from standard input.
    Create(admin_cmd::CreateArgs),
}

#[derive(Debug, Subcommand)]
enum SurveyCommand {
    /// Ready a database for the survey load test: agencies LOAD00001..., the current round with its survey
    /// window open, headcounts and IIT access codes; writes the forms to load (JSON) for `ita-load`.
    PrepareLoad(survey_cmd::PrepareLoadArgs),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print a commented example ita.toml.
    Example,
}

#[derive(Debug, Subcommand)]
enum MethodologyCommand {
    /// List every known year and variant.
    List,
    /// Show one year: instruments, indicators, items, levels, and every assumed part.
    Show {
        /// A year such as 2565, or year-variant such as 2569-vec.
        year: String,
        #[arg(long, default_value = "th")]
        lang: Lang,
    },
    /// Check a year file and report the first problem precisely.
    Check { file: PathBuf },
    /// List the OIT items added, removed, renamed and renumbered between two years (matched by stable key).
    Diff { old: String, new: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let catalog = load_catalog(cli.methodology_dir.as_deref())?;
    match cli.command {
        Command::Score { file, format, lang } => score_cmd::run(&catalog, &file, format, lang),
        Command::Report { file, batch, format, thai_digits, lang, previous, output, font_dir, date } => {
            let library = ita_domain::report::Library::builtin()?;
            let fonts = ita_report::FontSet::load(font_dir.as_deref())?;
            let renderer = report_cmd::Renderer {
                catalog: &catalog,
                library: &library,
                fonts: &fonts,
                options: ita_report::RenderOptions { lang, thai_digits },
                format,
                date: date.unwrap_or_else(report_cmd::today),
            };
            match (file, batch) {
                (Some(file), _) => report_cmd::run_single(&renderer, &file, previous.as_deref(), &output),
                (None, Some(batch)) => report_cmd::run_batch(&renderer, &batch, &output),
                (None, None) => unreachable!("clap requires a file or --batch"),
            }
        }
        Command::Methodology { command } => match command {
            MethodologyCommand::List => methodology_cmd::list(&catalog),
            MethodologyCommand::Show { year, lang } => methodology_cmd::show(&catalog, &year, lang),
            MethodologyCommand::Check { file } => methodology_cmd::check(&file),
            MethodologyCommand::Diff { old, new } => methodology_cmd::diff(&catalog, &old, &new),
        },
        Command::Serve { flags, demo } => {
            let settings = config::Config::load(flags.store.config.as_deref(), flags.layer())?;
            serve_cmd::serve(settings, catalog, demo)
        }
        Command::Demo { agencies, years, store } => {
            let settings = config::Config::load(store.config.as_deref(), store.layer())?;
            serve_cmd::demo(&settings, &catalog, ita_web::demo::DemoSize { agencies, years })
        }
        Command::Admin { command: AdminCommand::Create(args) } => admin_cmd::create(&args),
        Command::Survey { command: SurveyCommand::PrepareLoad(args) } => {
            survey_cmd::prepare_load(&args, &catalog)
        }
        Command::Config { command: ConfigCommand::Example } => {
            print!("{}", config::EXAMPLE);
            Ok(())
        }
    }
}

/// The built-in years, plus (replacing any with the same year and variant) those in `folder`.
fn load_catalog(folder: Option<&std::path::Path>) -> anyhow::Result<Catalog> {
    let mut catalog = Catalog::builtin()?;
    if let Some(folder) = folder {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(|error| anyhow::anyhow!("cannot read methodology folder {}: {error}", folder.display()))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|extension| extension == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            catalog.insert(read_methodology(&path)?);
        }
    }
    Ok(catalog)
}

fn read_methodology(path: &std::path::Path) -> anyhow::Result<Methodology> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        anyhow::anyhow!("ข้อผิดพลาด: อ่านแฟ้ม {0} ไม่ได้\nerror: cannot read {0}: {error}", path.display())
    })?;
    Ok(Methodology::parse(&path.display().to_string(), &text)?)
}
