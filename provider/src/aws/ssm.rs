//! Finders, status functions and waiters for ssm; filled in with its resource.
