//! Three-valued truth for policy evaluation: a condition on a key the scan does
//! not know the value of is neither true nor false, and the answer that depends on
//! it is conditional on that key, never silently granted or dropped.

use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    /// Depends on these condition keys (or on data that was not read).
    Unknown(BTreeSet<String>),
}

impl Truth {
    pub fn unknown(key: impl Into<String>) -> Truth {
        Truth::Unknown(BTreeSet::from([key.into()]))
    }

    pub fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// Kleene conjunction: false wins, then unknown.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, t) | (t, Truth::True) => t,
            (Truth::Unknown(mut a), Truth::Unknown(b)) => {
                a.extend(b);
                Truth::Unknown(a)
            }
        }
    }

    /// Kleene disjunction: true wins, then unknown.
    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, t) | (t, Truth::False) => t,
            (Truth::Unknown(mut a), Truth::Unknown(b)) => {
                a.extend(b);
                Truth::Unknown(a)
            }
        }
    }

    /// Whether it may hold (true, or unknown).
    pub fn possible(&self) -> bool {
        !matches!(self, Truth::False)
    }
}

impl std::ops::Not for Truth {
    type Output = Truth;

    /// Kleene negation: what is unknown stays unknown.
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            u => u,
        }
    }
}

/// The disjunction of many (false when there are none).
pub fn any(items: impl IntoIterator<Item = Truth>) -> Truth {
    items.into_iter().fold(Truth::False, Truth::or)
}

/// The conjunction of many (true when there are none).
pub fn all(items: impl IntoIterator<Item = Truth>) -> Truth {
    items.into_iter().fold(Truth::True, Truth::and)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene_logic() {
        let u = || Truth::unknown("k");
        assert_eq!(Truth::True.and(u()), u());
        assert_eq!(Truth::False.and(u()), Truth::False);
        assert_eq!(Truth::True.or(u()), Truth::True);
        assert_eq!(Truth::False.or(u()), u());
        assert_eq!(!u(), u());
        assert_eq!(Truth::unknown("a").and(Truth::unknown("b")), Truth::Unknown(["a".into(), "b".into()].into()));
        assert_eq!(any([]), Truth::False);
        assert_eq!(all([]), Truth::True);
    }
}
