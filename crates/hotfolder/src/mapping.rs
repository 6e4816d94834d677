//! Which field each column of a file fills: the folder's own mapping first, then the headings
//! every import knows (`Field::from_heading`: field keys, Chinese and English labels, template
//! names and aliases). Also what the mapping editor previews.

use idstation_model::{Field, MetadataTemplate};
use serde::Serialize;

use crate::config::{ImportSettings, UnknownColumns};
use crate::problem::{Problem, Reason};

/// What each column holds (`None`: ignored), and what is wrong with the heading row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Columns {
    pub fields: Vec<Option<Field>>,
    pub problems: Vec<Problem>,
}

impl Columns {
    /// The column holding `field`, if any.
    pub fn position(&self, field: &Field) -> Option<usize> {
        self.fields.iter().position(|f| f.as_ref() == Some(field))
    }
}

pub fn map_columns(
    headings: &[String],
    heading_row: usize,
    settings: &ImportSettings,
    template: &MetadataTemplate,
) -> Columns {
    let mut columns = Columns {
        fields: Vec::with_capacity(headings.len()),
        problems: Vec::new(),
    };
    for heading in headings {
        let h = heading.trim();
        let field = match settings.mapping.get(h) {
            Some(key) if key.trim().is_empty() => None,
            // `ImportSettings::check` vetted the keys; a stale one is ignored, not guessed.
            Some(key) => Field::from_key(key.trim()),
            None if h.is_empty() => None,
            None => match Field::from_heading(h, template) {
                Some(f) => Some(f),
                None => {
                    if settings.unknown_columns == UnknownColumns::Reject {
                        columns.problems.push(Problem::cell(
                            heading_row,
                            h,
                            "",
                            Reason::UnknownColumn,
                        ));
                    }
                    None
                }
            },
        };
        if let Some(f) = &field {
            if let Some(first) = columns.position(f) {
                columns.problems.push(Problem::cell(
                    heading_row,
                    h,
                    "",
                    Reason::DuplicateColumn {
                        first: headings[first].trim().to_string(),
                    },
                ));
                columns.fields.push(None);
                continue;
            }
        }
        columns.fields.push(field);
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headings(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_folder_mapping_comes_first_then_known_headings() {
        let t = MetadataTemplate::builtin_instrument();
        let mut s = ImportSettings::default();
        s.mapping.insert("设备编号".into(), "asset_no".into());
        s.mapping.insert("备注".into(), "".into());
        let c = map_columns(
            &headings(&[
                "标识",
                "设备编号",
                "备注",
                "Certificate Number",
                "使用环境",
                "",
            ]),
            1,
            &s,
            &t,
        );
        assert_eq!(
            c.fields,
            vec![
                Some(Field::Identifier),
                Some(Field::AssetNo),
                None,
                Some(Field::CalCertificateNo),
                Some(Field::Attribute("environment".into())),
                None
            ]
        );
        assert!(c.problems.is_empty());
    }

    #[test]
    fn unknown_and_doubled_columns_are_problems_of_the_heading_row() {
        let t = MetadataTemplate::builtin_instrument();
        let s = ImportSettings::default();
        let c = map_columns(&headings(&["名称", "颜色", "name"]), 3, &s, &t);
        assert_eq!(
            c.problems,
            vec![
                Problem::cell(3, "颜色", "", Reason::UnknownColumn),
                Problem::cell(
                    3,
                    "name",
                    "",
                    Reason::DuplicateColumn {
                        first: "名称".into()
                    }
                ),
            ]
        );
        let ignoring = ImportSettings {
            unknown_columns: UnknownColumns::Ignore,
            ..ImportSettings::default()
        };
        assert_eq!(
            map_columns(&headings(&["名称", "颜色"]), 1, &ignoring, &t).problems,
            vec![]
        );
    }
}
