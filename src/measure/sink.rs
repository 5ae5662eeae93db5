//! The serving table: what readers see, per (window, key), with every version and the
//! processing time it became visible, so any metric can be read as of any moment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::aggregate::Accumulator;
use crate::engine::window::Window;
use crate::input::event::KeyId;
use crate::input::time::Ts;
use crate::measure::oracle::TruthCell;

/// How rows reach the serving table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum SinkMode {
    /// MERGE by (window, key): a re-run replaces what it recomputes.
    #[default]
    Upsert,
    /// INSERT: a re-run adds its rows again, and readers that sum them double-count.
    Append,
}

/// One (window, key) of the serving table: the value after each write, in visible-time order.
#[derive(Clone, Debug, Default)]
pub struct CellHistory {
    versions: Vec<(Ts, Accumulator)>,
    /// A merged session replaced this row (see [`ServingTable::supersede`]).
    superseded: bool,
}

impl CellHistory {
    /// The value readers see at `t` (the last version visible at or before it).
    pub fn value_at(&self, t: Ts) -> Option<Accumulator> {
        let after = self.versions.partition_point(|(visible, _)| *visible <= t);
        after.checked_sub(1).map(|i| self.versions[i].1)
    }

    /// The value at the end.
    pub fn last(&self) -> Option<Accumulator> {
        self.versions.last().map(|(_, acc)| *acc)
    }

    /// When the first version became visible.
    pub fn first_visible(&self) -> Option<Ts> {
        self.versions.first().map(|(t, _)| *t)
    }

    /// When the value last changed: from then on readers see the final value.
    pub fn settled_at(&self) -> Option<Ts> {
        let last = self.last()?;
        let mut settled = self.versions.last()?.0;
        for (t, acc) in self.versions.iter().rev().skip(1) {
            if !same_value(acc, &last) {
                break;
            }
            settled = *t;
        }
        Some(settled)
    }
}

/// How well the served values match the truth.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Correctness {
    /// Truth cells served with exactly the true aggregates.
    pub correct: u64,
    /// Truth cells served with another value.
    pub wrong: u64,
    /// Truth cells served with a larger count than the truth (double counting).
    pub overcounted: u64,
    /// Truth cells never served.
    pub missing: u64,
    /// Served cells that do not exist in the truth (windows cut differently).
    pub extra: u64,
    /// Served total of the sums minus the true total, over the true total.
    pub sum_error: Option<f64>,
}

impl Correctness {
    /// Share of truth cells served correctly.
    pub fn correct_share(&self) -> Option<f64> {
        let truth = self.correct + self.wrong + self.missing;
        (truth > 0).then(|| self.correct as f64 / truth as f64)
    }
}

/// Equal aggregates: the same count, and sums equal up to floating-point rounding.
pub fn same_value(a: &Accumulator, b: &Accumulator) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    a.count == b.count && close(a.sum, b.sum)
}

/// The serving table of one model.
#[derive(Clone, Debug, Default)]
pub struct ServingTable {
    mode: SinkMode,
    cells: BTreeMap<(Window, KeyId), CellHistory>,
    writes: u64,
}

impl ServingTable {
    /// An empty table written in `mode`.
    pub fn new(mode: SinkMode) -> Self {
        ServingTable {
            mode,
            ..Self::default()
        }
    }

    /// How rows reach it.
    pub fn mode(&self) -> SinkMode {
        self.mode
    }

    /// Rows written.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// A row becomes visible at `visible`: upserted, or appended (readers add appended rows up).
    pub fn write(&mut self, visible: Ts, window: Window, key: KeyId, acc: Accumulator) {
        self.writes += 1;
        let cell = self.cells.entry((window, key)).or_default();
        cell.superseded = false;
        if cell.versions.capacity() == 0 {
            // Most cells are written once: room for one version, not the four a push reserves.
            cell.versions.reserve_exact(1);
        }
        // Versions arrive nearly in time order; insert in place when one is out of order.
        let at = cell.versions.partition_point(|(t, _)| *t <= visible);
        let value = match self.mode {
            SinkMode::Upsert => acc,
            SinkMode::Append => {
                let mut sum = at
                    .checked_sub(1)
                    .map_or_else(Accumulator::default, |i| cell.versions[i].1);
                sum.merge(&acc);
                for later in &mut cell.versions[at..] {
                    later.1.merge(&acc);
                }
                sum
            }
        };
        cell.versions.insert(at, (visible, value));
    }

    /// Every cell with its history, ordered by window then key.
    pub fn cells(&self) -> impl Iterator<Item = (&(Window, KeyId), &CellHistory)> {
        self.cells.iter()
    }

    /// Marks the row of `(window, key)`, if any, as replaced by a merged session: upsert
    /// tables keep the row, but its events are counted again in the merged one. Appended rows
    /// stay counted (a discarding firing carries only what is new). A later write makes the
    /// row current again.
    pub fn supersede(&mut self, window: Window, key: KeyId) {
        if self.mode == SinkMode::Upsert
            && let Some(cell) = self.cells.get_mut(&(window, key))
        {
            cell.superseded = true;
        }
    }

    /// Events counted in the final values, summed over the rows no merged session replaced.
    pub fn counted_events(&self) -> u64 {
        self.cells
            .values()
            .filter(|h| !h.superseded)
            .filter_map(CellHistory::last)
            .map(|a| a.count)
            .sum()
    }

    /// The table as readers see it at `at` (`None`: at the end) against the truth.
    pub fn correctness(&self, truth: &[TruthCell], at: Option<Ts>) -> Correctness {
        let mut c = Correctness::default();
        let value = |h: &CellHistory| match at {
            Some(t) => h.value_at(t),
            None => h.last(),
        };
        let mut served = self
            .cells
            .iter()
            .filter_map(|(k, h)| value(h).filter(|v| v.count > 0).map(|v| (*k, v)))
            .peekable();
        let (mut served_sum, mut true_sum) = (0.0, 0.0);
        for cell in truth {
            let here = (cell.window, cell.key);
            true_sum += cell.acc.sum;
            while let Some((_, acc)) = served.next_if(|(k, _)| *k < here) {
                c.extra += 1;
                served_sum += acc.sum;
            }
            match served.next_if(|(k, _)| *k == here) {
                Some((_, acc)) => {
                    served_sum += acc.sum;
                    if same_value(&acc, &cell.acc) {
                        c.correct += 1;
                    } else {
                        c.wrong += 1;
                        if acc.count > cell.acc.count {
                            c.overcounted += 1;
                        }
                    }
                }
                None => c.missing += 1,
            }
        }
        for (_, acc) in served {
            c.extra += 1;
            served_sum += acc.sum;
        }
        c.sum_error = (true_sum != 0.0).then(|| (served_sum - true_sum) / true_sum);
        c
    }

    /// A table whose cells are built from the cells of `tables` by `merge` (given each
    /// table's history of the cell, or none); writes add up.
    fn combine(
        tables: &[&ServingTable],
        mut merge: impl FnMut(&[Option<&CellHistory>]) -> Vec<(Ts, Accumulator)>,
    ) -> ServingTable {
        let keys: std::collections::BTreeSet<_> = tables
            .iter()
            .flat_map(|t| t.cells.keys().copied())
            .collect();
        let cells = keys
            .into_iter()
            .filter_map(|key| {
                let parts: Vec<_> = tables.iter().map(|t| t.cells.get(&key)).collect();
                let versions = merge(&parts);
                // Stale only where every table holding the row has it stale.
                let superseded = parts.iter().flatten().all(|h| h.superseded);
                (!versions.is_empty()).then_some((
                    key,
                    CellHistory {
                        versions,
                        superseded,
                    },
                ))
            })
            .collect();
        ServingTable {
            mode: SinkMode::Upsert,
            cells,
            writes: tables.iter().map(|t| t.writes).sum(),
        }
    }

    /// Lambda's serving layer: the batch view where a batch has covered the cell, the speed
    /// view before; also the cells where the batch's first value differs from the speed
    /// view it replaced (the two codebases disagreeing).
    pub fn batch_over_speed(batch: &ServingTable, speed: &ServingTable) -> (ServingTable, u64) {
        let mut disagreements = 0;
        let table = Self::combine(&[batch, speed], |parts| {
            let (batch, speed) = (parts[0], parts[1]);
            let Some(batch) = batch else {
                return speed.map_or_else(Vec::new, |s| s.versions.clone());
            };
            let takeover = batch.versions[0].0;
            let mut versions: Vec<_> = speed
                .map(|s| {
                    s.versions
                        .iter()
                        .filter(|(t, _)| *t < takeover)
                        .copied()
                        .collect()
                })
                .unwrap_or_default();
            if let Some(&(_, replaced)) = versions.last()
                && !same_value(&replaced, &batch.versions[0].1)
            {
                disagreements += 1;
            }
            versions.extend_from_slice(&batch.versions);
            versions
        });
        (table, disagreements)
    }

    /// Two paths upserting one table: every write of both, the latest visible wins.
    pub fn upsert_union(a: &ServingTable, b: &ServingTable) -> ServingTable {
        Self::combine(&[a, b], |parts| {
            let mut versions: Vec<_> = parts
                .iter()
                .flatten()
                .flat_map(|h| h.versions.iter().copied())
                .collect();
            // Stable: at equal times the second path's write lands last.
            versions.sort_by_key(|(t, _)| *t);
            versions
        })
    }

    /// Readers move from `old` to `new` at `at` (Kappa's switch to the reprocessed table):
    /// `old`'s versions before it, then `new`'s value at `at` and its later versions.
    pub fn switched(old: &ServingTable, new: &ServingTable, at: Ts) -> ServingTable {
        Self::combine(&[old, new], |parts| {
            let mut versions: Vec<_> = parts[0]
                .map(|h| {
                    h.versions
                        .iter()
                        .filter(|(t, _)| *t < at)
                        .copied()
                        .collect()
                })
                .unwrap_or_default();
            if let Some(new) = parts[1] {
                if let Some(value) = new.value_at(at) {
                    versions.push((at, value));
                }
                versions.extend(new.versions.iter().filter(|(t, _)| *t > at).copied());
            } else if !versions.is_empty() {
                // The new table has no such cell: readers stop seeing it.
                versions.push((at, Accumulator::default()));
            }
            versions
        })
    }

    /// Event counts of the final values this table lacks against `other`, and has beyond it,
    /// summed over cells.
    pub fn count_difference(&self, other: &ServingTable) -> (u64, u64) {
        let count = |h: &CellHistory| h.last().map_or(0, |a| a.count);
        let (mut lacking, mut beyond) = (0, 0);
        let mut tally = |mine: u64, theirs: u64| {
            lacking += theirs.saturating_sub(mine);
            beyond += mine.saturating_sub(theirs);
        };
        for (cell, history) in &self.cells {
            tally(count(history), other.cells.get(cell).map_or(0, count));
        }
        for (cell, history) in &other.cells {
            if !self.cells.contains_key(cell) {
                tally(0, count(history));
            }
        }
        (lacking, beyond)
    }

    /// Share of the truth cells whose window ended by `t` that readers see correctly at `t`.
    pub fn correct_share_at(&self, truth: &[TruthCell], t: Ts) -> Option<f64> {
        self.correct_shares_at(truth, &[t])[0]
    }

    /// [`correct_share_at`](Self::correct_share_at) at each of `times` (ascending), in one
    /// walk beside the truth (both are ordered by window, then key): each cell adds the
    /// stretches of time in which it is counted and seen correctly, so a chart's hundred
    /// points cost one pass, not a hundred lookups per cell.
    pub fn correct_shares_at(&self, truth: &[TruthCell], times: &[Ts]) -> Vec<Option<f64>> {
        debug_assert!(times.is_sorted(), "times in ascending order");
        debug_assert!(
            truth.is_sorted_by_key(|c| (c.window, c.key)),
            "truth in cell order"
        );
        // The first sample at or after `t`; `times.len()` for none.
        let first_from = |t: Ts| times.partition_point(|&s| s < t);
        // How the counted and the correct cells change at each sample.
        let mut counted = vec![0i64; times.len() + 1];
        let mut correct = vec![0i64; times.len() + 1];
        let mut rows = self.cells.iter().peekable();
        for cell in truth {
            let cell_at = (cell.window, cell.key);
            counted[first_from(cell.window.end)] += 1;
            while rows.next_if(|(at, _)| **at < cell_at).is_some() {}
            let Some((_, history)) = rows.next_if(|(at, _)| **at == cell_at) else {
                continue;
            };
            // Version i is what readers see from its time until the next version's.
            let versions = &history.versions;
            for (i, (visible, acc)) in versions.iter().enumerate() {
                if !same_value(acc, &cell.acc) {
                    continue;
                }
                let from = first_from((*visible).max(cell.window.end));
                let until = versions
                    .get(i + 1)
                    .map_or(times.len(), |(t, _)| first_from(*t));
                if from < until {
                    correct[from] += 1;
                    correct[until] -= 1;
                }
            }
        }
        let (mut total, mut right) = (0i64, 0i64);
        (0..times.len())
            .map(|i| {
                total += counted[i];
                right += correct[i];
                (total > 0).then(|| right as f64 / total as f64)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start: i64) -> Window {
        Window::new(Ts(start), Ts(start + 10))
    }

    fn acc(count: u64) -> Accumulator {
        let mut a = Accumulator::default();
        for _ in 0..count {
            a.add(1.0);
        }
        a
    }

    proptest::proptest! {
        /// The one-pass shares are, at every time, the share counted cell by cell.
        #[test]
        fn shares_over_time_are_the_shares_read_cell_by_cell(
            writes in proptest::collection::vec((0i64..6, 0u32..3, 0i64..120, 1u64..4), 0..60),
            truths in proptest::collection::vec(1u64..4, 18),
            append in proptest::bool::ANY,
        ) {
            let mut table =
                ServingTable::new(if append { SinkMode::Append } else { SinkMode::Upsert });
            for (window, key, visible, count) in writes {
                table.write(Ts(visible), w(window * 10), KeyId(key), acc(count));
            }
            let truth: Vec<TruthCell> = (0..18)
                .map(|i| TruthCell {
                    window: w(i / 3 * 10),
                    key: KeyId((i % 3) as u32),
                    acc: acc(truths[i as usize]),
                    retries: 0,
                })
                .collect();
            let times: Vec<Ts> = (-5..130).step_by(5).map(Ts).collect();
            let shares = table.correct_shares_at(&truth, &times);
            for (t, share) in times.iter().zip(shares) {
                let ended: Vec<_> = truth.iter().filter(|c| c.window.end <= *t).collect();
                let right = ended.iter().filter(|c| {
                    let seen = table.cells.get(&(c.window, c.key)).and_then(|h| h.value_at(*t));
                    seen.is_some_and(|v| same_value(&v, &c.acc))
                });
                let expected =
                    (!ended.is_empty()).then(|| right.count() as f64 / ended.len() as f64);
                proptest::prop_assert_eq!(share, expected, "at {:?}", t);
            }
        }
    }

    #[test]
    fn upserts_replace_and_every_version_can_be_read_as_of_its_time() {
        let mut table = ServingTable::new(SinkMode::Upsert);
        table.write(Ts(100), w(0), KeyId(0), acc(2));
        table.write(Ts(300), w(0), KeyId(0), acc(3));
        let (_, history) = table.cells().next().unwrap();
        assert_eq!(history.value_at(Ts(99)), None);
        assert_eq!(history.value_at(Ts(200)).unwrap().count, 2);
        assert_eq!(history.last().unwrap().count, 3);
        assert_eq!(
            (history.first_visible(), history.settled_at()),
            (Some(Ts(100)), Some(Ts(300)))
        );
    }

    #[test]
    fn a_session_that_merged_is_counted_once_in_its_merged_row() {
        let session = |start, end| Window::new(Ts(start), Ts(end));
        // [0, 10) fired with 2 events, then 3 more merged it into [0, 20), which fired with 5
        // (accumulating, upserted) or with its 3 new ones (discarding, appended).
        for (mode, merged_row) in [(SinkMode::Upsert, 5), (SinkMode::Append, 3)] {
            let mut table = ServingTable::new(mode);
            table.write(Ts(100), session(0, 10), KeyId(0), acc(2));
            table.supersede(session(0, 10), KeyId(0));
            table.supersede(session(50, 60), KeyId(0)); // never written: no row to mark
            table.write(Ts(200), session(0, 20), KeyId(0), acc(merged_row));
            table.write(Ts(300), session(30, 40), KeyId(0), acc(1));
            assert_eq!(table.counted_events(), 5 + 1, "{mode:?}");
        }
    }

    #[test]
    fn appended_reruns_double_count() {
        let mut table = ServingTable::new(SinkMode::Append);
        table.write(Ts(100), w(0), KeyId(0), acc(2));
        table.write(Ts(300), w(0), KeyId(0), acc(2));
        let truth = [TruthCell {
            window: w(0),
            key: KeyId(0),
            acc: acc(2),
            retries: 0,
        }];
        assert_eq!(table.correctness(&truth, Some(Ts(200))).correct, 1);
        let end = table.correctness(&truth, None);
        assert_eq!(
            (end.wrong, end.overcounted, end.sum_error),
            (1, 1, Some(1.0))
        );
        assert_eq!(table.writes(), 2);
    }
}
