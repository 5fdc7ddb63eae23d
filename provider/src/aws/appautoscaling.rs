//! Finders, status functions and waiters for appautoscaling; filled in with its resource.
