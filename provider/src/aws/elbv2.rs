//! Elastic Load Balancing v2 access: load balancers, target groups and listeners (finders,
//! waiters, conversions, named retries).
