//! Short text kept inline: currency codes and webhook event ids arrive once per amount and once
//! per webhook, and a heap allocation each was a measurable share of decoding them. Text up to
//! `N` bytes lives in the value; longer text (which Lean does not send, but may) on the heap.

use std::fmt;

/// Text of up to `N` bytes inline, longer on the heap; compares and hashes as its text.
#[derive(Clone)]
pub(crate) enum SmallText<const N: usize> {
    Inline { len: u8, bytes: [u8; N] },
    Heap(Box<str>),
}

impl<const N: usize> SmallText<N> {
    pub(crate) fn new(s: &str) -> Self {
        let b = s.as_bytes();
        if b.len() <= N && b.len() <= usize::from(u8::MAX) {
            let mut bytes = [0u8; N];
            bytes[..b.len()].copy_from_slice(b);
            SmallText::Inline {
                len: b.len() as u8,
                bytes,
            }
        } else {
            SmallText::Heap(s.into())
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            // A prefix of a `&str` cut at its end: always UTF-8.
            SmallText::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            SmallText::Heap(s) => s,
        }
    }
}

impl<const N: usize> PartialEq for SmallText<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<const N: usize> Eq for SmallText<N> {}

impl<const N: usize> PartialOrd for SmallText<N> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<const N: usize> Ord for SmallText<N> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl<const N: usize> std::hash::Hash for SmallText<N> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl<const N: usize> fmt::Debug for SmallText<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_text_read_back_and_compare_as_text() {
        let short = SmallText::<4>::new("AED");
        let long = SmallText::<4>::new("A LONG CODE");
        assert!(matches!(short, SmallText::Inline { .. }));
        assert!(matches!(long, SmallText::Heap(_)));
        assert_eq!(short.as_str(), "AED");
        assert_eq!(long.as_str(), "A LONG CODE");
        assert_eq!(
            SmallText::<4>::new("ééé").as_str(),
            "ééé",
            "multi-byte text past N goes to the heap"
        );
        assert_eq!(SmallText::<2>::new("AED"), SmallText::<2>::new("AED"));
        assert!(SmallText::<8>::new("AED") < SmallText::<8>::new("SAR"));
    }
}
