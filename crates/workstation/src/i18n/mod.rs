//! Every word the workstation program shows a person, in zh-CN (first) and English: this crate,
//! the `idstation` CLI and the desktop shell all take their messages from here. Libraries return
//! typed errors; the functions in this module's files turn them into words.
//!
//! The words themselves are Fluent messages (`locales/<lang>/<area>.ftl`, embedded with
//! `include_str!`), looked up with [`tr!`](crate::tr). Why Fluent rather than a typed Rust table:
//! adding a language (or fixing a translation) is a change to text files a translator can read,
//! not to every `match` arm in Rust; the messages of one area sit together in one file per
//! language; and Fluent is the format translation tools understand. What a typed table gave for
//! free (a key that exists, in every language, with the arguments the code passes) the tests in
//! `tests.rs` check instead: both languages have the same keys with the same `$arguments`, every
//! `tr!` in the program names a key that exists with exactly those arguments, and no key goes
//! unused. A message is formatted per call from bundles parsed once per process (microseconds).
//!
//! Field names and today's status of an instrument come from `idstation_model`, which holds them
//! in both languages because it also reads them (CSV headings, 在用/准用 typed into a form).
//!
//! Areas: `errors` (typed errors to sentences), `printing` (labels, printers, jobs), `words`
//! (statuses, actions, sync states).

mod errors;
mod printing;
#[cfg(test)]
mod tests;
mod words;

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::{Deserialize, Serialize};

pub use errors::{
    audit_break, error_message, field_error, identifier_error, import_problem, store_error,
    sync_error,
};
pub use printing::{
    job_note, job_state_label, label_error, label_field_name, printer_flag, printer_status_text,
    transport_error, JobNote,
};
pub use words::{
    action_label, field_label, live_status_label, restore_numbering, result_label, status_label,
    sync_state_label,
};

/// A language the program speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Every language, in the order of [`LOCALES`].
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The language's tag, as settings and the UI name it (`zh-CN`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// From the POSIX locale variables in their order of precedence; Chinese when they say
    /// nothing useful (C, POSIX, unset), as our users are Chinese labs.
    pub fn from_locale_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| get(k).filter(|v| !v.is_empty()))
            .find_map(|v| Lang::parse(&v))
            .unwrap_or(Lang::ZhCn)
    }

    pub fn from_env() -> Lang {
        Lang::from_locale_vars(|k| std::env::var(k).ok())
    }

    /// One of a (zh-CN, English) pair, for the names `idstation_model` holds in both.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::ZhCn => zh,
            Lang::En => en,
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::ZhCn => 0,
            Lang::En => 1,
        }
    }
}

/// The message files of one language, one per area.
macro_rules! locale_files {
    ($tag:literal) => {
        [
            include_str!(concat!("../../locales/", $tag, "/errors.ftl")),
            include_str!(concat!("../../locales/", $tag, "/instruments.ftl")),
            include_str!(concat!("../../locales/", $tag, "/printing.ftl")),
            include_str!(concat!("../../locales/", $tag, "/sync.ftl")),
            include_str!(concat!("../../locales/", $tag, "/data.ftl")),
            include_str!(concat!("../../locales/", $tag, "/hotfolders.ftl")),
            include_str!(concat!("../../locales/", $tag, "/docking.ftl")),
            include_str!(concat!("../../locales/", $tag, "/cli.ftl")),
            include_str!(concat!("../../locales/", $tag, "/app.ftl")),
            include_str!(concat!("../../locales/", $tag, "/reports.ftl")),
        ]
    };
}

/// Each language's tag and message files, in the order of [`Lang::ALL`]. A new language is a
/// folder of `.ftl` files, a line here and a `Lang` variant.
pub const LOCALES: [(&str, [&str; 10]); 2] = [
    ("zh-CN", locale_files!("zh-CN")),
    ("en", locale_files!("en")),
];

/// The parsed messages of every language, built on first use.
static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> = LazyLock::new(|| {
    LOCALES
        .iter()
        .map(|(tag, files)| {
            let id: unic_langid::LanguageIdentifier = tag.parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around arguments: terminals and logs show them as junk.
            bundle.set_use_isolating(false);
            for text in files {
                // A file with a syntax error still yields its good messages; the tests make
                // sure there are none, and that no key is defined twice.
                let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(r, _)| r);
                bundle.add_resource_overriding(resource);
            }
            bundle
        })
        .collect()
});

/// The message `key` in `lang` with its arguments. An unknown key comes back as itself (the
/// tests make sure every key the program uses exists). Use [`tr!`](crate::tr) rather than this.
pub fn format(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let bundle = &BUNDLES[lang.index()];
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        fluent_args.set(*name, value.as_str());
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned()
}

/// A message in a language: `tr!(lang, "store-not-found", id = identifier)`. Arguments are
/// anything `Display`, named as the message names them (`{ $id }`).
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::format(
            $lang,
            $key,
            &[$((stringify!($name), ::std::string::ToString::to_string(&$value))),*],
        )
    };
}

/// Items joined as a list in `lang` ("a、b" / "a, b").
pub fn join_list(items: impl IntoIterator<Item = String>, lang: Lang) -> String {
    items
        .into_iter()
        .collect::<Vec<_>>()
        .join(&crate::tr!(lang, "list-separator"))
}
