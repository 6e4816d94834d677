//! Request bodies each route reads at most; a larger one is refused (413) before it is read
//! whole. Every route has one: the default is for the small JSON requests.

/// Sign-in, registration, decisions, devices, leases, passwords, GS1 prefixes.
pub const SMALL: usize = 16 * 1024;
/// A handle record (values as the Handle API sends them).
pub const HANDLE: usize = 1024 * 1024;
/// A sync push of `MAX_PUSH_OPS` registrations (read after the caller is known).
pub const PUSH: usize = 16 * 1024 * 1024;
