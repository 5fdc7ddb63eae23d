//! Finders, status functions and waiters for logs; filled in with its resource.
