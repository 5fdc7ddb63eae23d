//! Finders, status functions and waiters for ecr; filled in with its resource.
