//! Metadata templates: the custom attributes an enterprise attaches to its instruments, described
//! with the fields of the top-level node's metadata table (English name, Chinese alias, data type,
//! length).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    String,
    Integer,
    Decimal,
    Date,
    Boolean,
}

impl DataType {
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::String => "string",
            DataType::Integer => "integer",
            DataType::Decimal => "decimal",
            DataType::Date => "date",
            DataType::Boolean => "boolean",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateField {
    /// English name, the key under which the value is stored and sent.
    pub name: String,
    /// Chinese alias shown to lab staff.
    pub alias_zh: String,
    pub data_type: DataType,
    /// Maximum length in characters of the value's text form.
    pub length: u32,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataTemplate {
    pub code: String,
    pub industry_class: String,
    pub version: u32,
    pub object_type: String,
    pub fields: Vec<TemplateField>,
}

impl MetadataTemplate {
    pub fn field(&self, name: &str) -> Option<&TemplateField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The template every new workstation starts with: what calibration labs commonly record
    /// beyond the fixed instrument fields.
    pub fn builtin_instrument() -> MetadataTemplate {
        let f = |name: &str, alias: &str, data_type, length| TemplateField {
            name: name.to_string(),
            alias_zh: alias.to_string(),
            data_type,
            length,
            required: false,
        };
        MetadataTemplate {
            code: "IDS-MI-CAL".to_string(),
            industry_class: "M74".to_string(),
            version: 1,
            object_type: "measuring_instrument".to_string(),
            fields: vec![
                f("customerAssetTag", "客户资产标签", DataType::String, 64),
                f("traceability", "溯源方式", DataType::String, 32),
                f("environment", "使用环境", DataType::String, 64),
                f("purchaseDate", "购置日期", DataType::Date, 10),
                f("originalValue", "原值(元)", DataType::Decimal, 16),
                f("quantity", "数量", DataType::Integer, 6),
                f(
                    "isReferenceStandard",
                    "是否计量标准器",
                    DataType::Boolean,
                    5,
                ),
            ],
        }
    }
}
