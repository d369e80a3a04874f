//! [`Rare`]: the fields most elements of a kind leave empty, kept out of
//! line (issue 27). A route's `and record`, `for` and `through`, a step's
//! `if` and `otherwise`: inline they took more than half of every route and
//! step, though few protocols write them. Out of line they take 8 bytes until
//! one is set.
//!
//! The element dereferences to its rare part (`impl Deref for Route`), so
//! `route.records` reads as a field whether or not any is set; writing one
//! (`DerefMut`) makes the part. Two elements compare equal when their parts
//! do, made or not.

use std::ops::{Deref, DerefMut};

/// `rare_part!(Route, RouteMore)`: a `Route` dereferences to the rare part
/// held in its field `more`, so `route.records` reads as a field.
macro_rules! rare_part {
    ($element:ty, $part:ty) => {
        impl std::ops::Deref for $element {
            type Target = $part;
            fn deref(&self) -> &$part {
                &self.more
            }
        }

        impl std::ops::DerefMut for $element {
            fn deref_mut(&mut self) -> &mut $part {
                &mut self.more
            }
        }
    };
}
pub(crate) use rare_part;

/// A kind of rare part: its empty value, shared, for elements that have none.
pub trait Empty: Default + PartialEq + 'static {
    fn empty() -> &'static Self;
}

/// `T`'s fields, out of line; none until one is set.
#[derive(Debug, Clone, Default)]
pub struct Rare<T>(Option<Box<T>>);

impl<T: Empty> Rare<T> {
    /// `part` out of line, or nothing if it is empty.
    pub fn new(part: T) -> Rare<T> {
        Rare((part != T::default()).then(|| Box::new(part)))
    }

    /// The part, if one was made (to change it without making one).
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.0.as_deref_mut()
    }

    /// The part, moved out (empty if none was made).
    pub fn into_inner(self) -> T {
        self.0.map_or_else(T::default, |part| *part)
    }
}

impl<T: Empty> Deref for Rare<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.as_deref().unwrap_or_else(|| T::empty())
    }
}

impl<T: Empty> DerefMut for Rare<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

impl<T: Empty> PartialEq for Rare<T> {
    fn eq(&self, other: &Rare<T>) -> bool {
        **self == **other
    }
}

impl<T: Empty + Eq> Eq for Rare<T> {}

impl<T: Empty + serde::Serialize> serde::Serialize for Rare<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Serialize)]
    struct Part {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        words: Vec<String>,
    }

    impl Empty for Part {
        fn empty() -> &'static Part {
            static EMPTY: Part = Part { words: Vec::new() };
            &EMPTY
        }
    }

    #[test]
    fn an_empty_part_takes_no_room_and_equals_one_made_empty() {
        assert_eq!(std::mem::size_of::<Rare<Part>>(), 8);
        let none = Rare::new(Part::default());
        assert!(none.0.is_none() && none.words.is_empty());
        let mut made = Rare::<Part>::default();
        made.words.clear(); // a write makes the part
        assert!(made.0.is_some());
        assert_eq!(none, made);
        let mut set = Rare::<Part>::default();
        set.words.push("x".into());
        assert_ne!(none, set);
        assert_eq!(set.words, ["x"]);
    }
}
