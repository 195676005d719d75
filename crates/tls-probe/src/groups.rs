//! Named groups (supported_groups) and signature schemes: open tables,
//! unknown codes print in hex.

/// Name of a named group (IANA TLS Supported Groups registry).
pub fn group_name(code: u16) -> String {
    let n = match code {
        1 => "sect163k1",
        2 => "sect163r1",
        3 => "sect163r2",
        4 => "sect193r1",
        5 => "sect193r2",
        6 => "sect233k1",
        7 => "sect233r1",
        8 => "sect239k1",
        9 => "sect283k1",
        10 => "sect283r1",
        11 => "sect409k1",
        12 => "sect409r1",
        13 => "sect571k1",
        14 => "sect571r1",
        15 => "secp160k1",
        16 => "secp160r1",
        17 => "secp160r2",
        18 => "secp192k1",
        19 => "secp192r1",
        20 => "secp224k1",
        21 => "secp224r1",
        22 => "secp256k1",
        23 => "secp256r1",
        24 => "secp384r1",
        25 => "secp521r1",
        26 => "brainpoolP256r1",
        27 => "brainpoolP384r1",
        28 => "brainpoolP512r1",
        29 => "x25519",
        30 => "x448",
        31 => "brainpoolP256r1tls13",
        32 => "brainpoolP384r1tls13",
        33 => "brainpoolP512r1tls13",
        256 => "ffdhe2048",
        257 => "ffdhe3072",
        258 => "ffdhe4096",
        259 => "ffdhe6144",
        260 => "ffdhe8192",
        0x11EB => "SecP256r1MLKEM768",
        0x11EC => "X25519MLKEM768",
        0x11ED => "SecP384r1MLKEM1024",
        0x0200 => "MLKEM512",
        0x0201 => "MLKEM768",
        0x0202 => "MLKEM1024",
        _ => return format!("0x{code:04X}"),
    };
    n.to_string()
}

/// Security bits of a group's key (for "Server Temp Key: X25519, 253 bits").
pub fn group_bits(code: u16) -> Option<u16> {
    Some(match code {
        1..=14 => [
            163, 163, 163, 193, 193, 233, 233, 239, 283, 283, 409, 409, 571, 571,
        ][usize::from(code - 1)],
        15..=17 => 160,
        18 | 19 => 192,
        20 | 21 => 224,
        22 | 23 | 26 | 31 => 256,
        24 | 27 | 32 => 384,
        25 => 521,
        28 | 33 => 512,
        29 => 253,
        30 => 448,
        256 => 2048,
        257 => 3072,
        258 => 4096,
        259 => 6144,
        260 => 8192,
        _ => return None,
    })
}

/// Groups that ECDHE in TLS 1.0–1.2 can use (elliptic curves).
pub const ECDHE_GROUPS: &[u16] = &[
    29, 23, 30, 25, 24, 26, 27, 28, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6,
    5, 4, 3, 2, 1,
];

/// Groups offered in TLS 1.3.
pub const TLS13_GROUPS: &[u16] = &[
    29, 23, 30, 25, 24, 256, 257, 258, 259, 260, 31, 32, 33, 0x11EC, 0x11EB, 0x11ED, 0x0200,
    0x0201, 0x0202,
];

/// Signature schemes offered (TLS 1.2 signature_algorithms, 1.3 schemes):
/// everything, legacy included, so that any certificate can be used.
pub const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A, 0x080B, 0x0401,
    0x0501, 0x0601, 0x081A, 0x081B, 0x081C, 0x0303, 0x0301, 0x0302, 0x0203, 0x0201, 0x0202, 0x0101,
    0x0102, 0x0103,
];
