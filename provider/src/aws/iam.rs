//! Finders, status functions and waiters for iam; filled in with its resource.
