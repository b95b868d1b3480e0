//! What changed in the OIT checklist from one year to another, matching items by their stable key.

use super::{Methodology, OitItem};

/// One item's change between two years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemChange {
    Added { code: String, key: String, name_th: String },
    Removed { code: String, key: String, name_th: String },
    Renamed { key: String, code: String, old_name_th: String, new_name_th: String },
    Renumbered { key: String, old_code: String, new_code: String, name_th: String },
}

/// The OIT changes between two years, in the newer year's item order (removed items last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodologyDiff {
    pub changes: Vec<ItemChange>,
    /// Keys present in both years: last year's evidence may be offered again for these items only.
    pub carried_over: Vec<String>,
}

/// Last year's item that a new item continues (same stable key), if any: only then may its evidence be offered
/// again.
pub fn previous_item<'a>(old: &'a Methodology, new_item: &OitItem) -> Option<&'a OitItem> {
    old.oit_items.iter().find(|item| item.key == new_item.key)
}

impl MethodologyDiff {
    pub fn between(old: &Methodology, new: &Methodology) -> MethodologyDiff {
        let mut changes = Vec::new();
        let mut carried_over = Vec::new();
        for item in &new.oit_items {
            match old.oit_items.iter().find(|previous| previous.key == item.key) {
                None => changes.push(ItemChange::Added {
                    code: item.code.clone(),
                    key: item.key.clone(),
                    name_th: item.name_th.clone(),
                }),
                Some(previous) => {
                    carried_over.push(item.key.clone());
                    if previous.code != item.code {
                        changes.push(ItemChange::Renumbered {
                            key: item.key.clone(),
                            old_code: previous.code.clone(),
                            new_code: item.code.clone(),
                            name_th: item.name_th.clone(),
                        });
                    }
                    if previous.name_th != item.name_th {
                        changes.push(ItemChange::Renamed {
                            key: item.key.clone(),
                            code: item.code.clone(),
                            old_name_th: previous.name_th.clone(),
                            new_name_th: item.name_th.clone(),
                        });
                    }
                }
            }
        }
        for previous in &old.oit_items {
            if !new.oit_items.iter().any(|item| item.key == previous.key) {
                changes.push(ItemChange::Removed {
                    code: previous.code.clone(),
                    key: previous.key.clone(),
                    name_th: previous.name_th.clone(),
                });
            }
        }
        MethodologyDiff { changes, carried_over }
    }
}
