//! Tag synchronisation, the same for every service: remove the keys no longer wanted, then set
//! the new or changed ones. Each service module supplies its own two calls.

use std::collections::BTreeMap;

use crate::error::Result;

/// Entries of `desired` whose value differs from (or is missing in) `current`.
pub fn changed_entries(
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    desired
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Makes a resource's tags equal `desired`: `remove` gets the dropped keys, `set` the new or
/// changed tags; neither is called with nothing to do.
pub async fn sync(
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
    remove: impl AsyncFnOnce(Vec<String>) -> Result<()>,
    set: impl AsyncFnOnce(BTreeMap<String, String>) -> Result<()>,
) -> Result<()> {
    let removed: Vec<String> = current
        .keys()
        .filter(|k| !desired.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        remove(removed).await?;
    }
    let changed = changed_entries(current, desired);
    if !changed.is_empty() {
        set(changed).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn removes_dropped_keys_and_sets_changed_ones_only() {
        let current = map(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let desired = map(&[("a", "1"), ("b", "9"), ("d", "4")]);
        let mut removed = Vec::new();
        let mut set = BTreeMap::new();
        sync(
            &current,
            &desired,
            async |keys| {
                removed = keys;
                Ok(())
            },
            async |tags| {
                set = tags;
                Ok(())
            },
        )
        .await
        .unwrap();
        assert_eq!(removed, vec!["c".to_string()]);
        assert_eq!(set, map(&[("b", "9"), ("d", "4")]));
    }

    #[tokio::test]
    async fn no_calls_when_equal() {
        let tags = map(&[("a", "1")]);
        sync(
            &tags,
            &tags,
            async |_| panic!("nothing to remove"),
            async |_| panic!("nothing to set"),
        )
        .await
        .unwrap();
    }
}
