//! IDStation's domain model: pure types and rules, no I/O.
//!
//! Everything the workstation, the node and the sync protocol agree on lives here, so the two
//! programs share meaning without sharing code.

pub mod handle_record;
pub mod handle_value;
pub mod identifier;
pub mod instrument;
pub mod lease;
pub mod ops;
pub mod order;
pub mod sync;
pub mod template;

pub use handle_value::{HandleValue, Permissions, ValueData};
pub use identifier::{CodeType, Gs1Key, Handle, Identifier, IdentifierError};
pub use instrument::{
    field_changes, Calibration, CalibrationResult, Field, FieldError, FieldErrorKind, Instrument,
    InstrumentInput, InstrumentStatus, LiveStatus, ValidationErrors,
};
pub use lease::SuffixLease;
pub use ops::{EntityKind, OpKind, Operation, Payload};
pub use template::{DataType, MetadataTemplate, TemplateField};
