//! The event every part of tidemark passes around, and the table that interns its keys.

use std::collections::HashMap;

use crate::input::time::Ts;

/// An interned key: an index into a [`KeyTable`], so the hot path never touches strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

/// One event as it reaches the system. A retried duplicate carries the same `id`,
/// `key`, `value` and `event_time` as the original and a later `arrival_time`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// Identity of the business event; equal for an original and its retries.
    pub id: u64,
    /// Group key (store, card, device, ...).
    pub key: KeyId,
    /// The measured value (an order amount, ...).
    pub value: f64,
    /// When it happened, as the device's clock recorded it.
    pub event_time: Ts,
    /// When it reached the broker: processing time starts here.
    pub arrival_time: Ts,
    /// Which input stream it came from (a workload source): Spark keeps one watermark per
    /// stream.
    pub source: u16,
}

/// Key names by id, and ids by name. Ids are given out in first-seen order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyTable {
    names: Vec<String>,
    ids: HashMap<String, KeyId, foldhash::fast::RandomState>,
}

impl KeyTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, giving it the next id if it is new.
    pub fn intern(&mut self, name: &str) -> KeyId {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = KeyId(self.names.len() as u32);
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    /// The name of `id`; panics on an id this table never gave out (a programming error).
    pub fn name(&self, id: KeyId) -> &str {
        &self.names[id.0 as usize]
    }

    /// How many keys are known.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no key is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_gives_stable_ids_in_first_seen_order() {
        let mut keys = KeyTable::new();
        assert_eq!(keys.intern("s1"), KeyId(0));
        assert_eq!(keys.intern("s2"), KeyId(1));
        assert_eq!(keys.intern("s1"), KeyId(0));
        assert_eq!(keys.name(KeyId(1)), "s2");
        assert_eq!(keys.len(), 2);
    }
}
