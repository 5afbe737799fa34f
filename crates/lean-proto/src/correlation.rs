//! `lean-correlation-id`s this SDK generates: one per request, so that an answer echoing
//! another request's id can be told apart from this one's and from an id Lean made up.
//!
//! This module owns the shape of a generated id and how to recognise one; the call
//! ([`crate::call`]) decides when to send one and what to do with an echo. It draws from a
//! seeded [`Rng`] and holds no state.

use crate::rng::Rng;

/// A new id: a UUID of version 8 (RFC 9562's vendor-specific version; Lean's own ids are
/// version 4), lower-case. Unique as far as the seed is: the driver mixes per-call entropy
/// into every call's seed.
pub fn generate(rng: &mut Rng) -> String {
    let hi = (rng.next_u64() & !0xF000) | 0x8000; // version 8
    let lo = (rng.next_u64() & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
    // 8-4-4-4-12 hex digits of hi then lo, written into a stack array at fixed places and
    // copied out once: one allocation per request, and 205 instructions where pushing digit by
    // digit onto a `String` took 1,199 (callgrind, in the `footprint` bench's calls).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Where the k-th digit of each half goes: the dashes sit at 8, 13, 18 and 23.
    const HI: [usize; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17];
    const LO: [usize; 16] = [
        19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
    ];
    let mut text = [b'-'; 36];
    for k in 0..16 {
        let shift = 60 - 4 * k;
        text[HI[k]] = HEX[((hi >> shift) & 0xF) as usize];
        text[LO[k]] = HEX[((lo >> shift) & 0xF) as usize];
    }
    // Hex digits and dashes: always UTF-8.
    std::str::from_utf8(&text).unwrap_or_default().to_owned()
}

/// Whether `id` has the shape of [`generate`]'s ids (a lower-case version-8 UUID).
pub fn is_generated(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
        && b[14] == b'8'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_version_8_and_told_apart_from_lean_s() {
        let mut rng = Rng::new(42);
        let a = generate(&mut rng);
        let b = generate(&mut rng);
        assert_ne!(a, b);
        assert!(is_generated(&a), "{a}");
        assert!(is_generated(&b), "{b}");
        // Lean's own (recorded) ids are version 4; anything else is not ours either.
        assert!(!is_generated("1e207dd5-f5d1-47a7-a4e4-952ea096ab18"));
        assert!(!is_generated("fake-corr"));
        assert!(!is_generated(""));
        assert!(!is_generated(&a.to_uppercase()));
    }

    #[test]
    fn generated_ids_are_the_two_numbers_in_uuid_text() {
        let mut rng = Rng::new(7);
        for _ in 0..200 {
            let mut copy = rng.clone();
            let hi = (copy.next_u64() & !0xF000) | 0x8000;
            let lo = (copy.next_u64() & !(0b11 << 62)) | (0b10 << 62);
            let expected = format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                hi >> 32,
                (hi >> 16) & 0xFFFF,
                hi & 0xFFFF,
                lo >> 48,
                lo & 0xFFFF_FFFF_FFFF
            );
            assert_eq!(generate(&mut rng), expected);
        }
    }
}
