//! Cryptocurrency wallet addresses, validated by checksum so that random base58 or hex
//! strings are not reported.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// Base58Check version bytes accepted (the address' first character follows from it):
/// Bitcoin P2PKH `1` (0x00) and P2SH `3` (0x05), Litecoin `L` (0x30) and `M` (0x32),
/// Dogecoin `D` (0x1e) and P2SH `9`/`A` (0x16), Tron `T` (0x41).
const B58_VERSIONS: &[u8] = &[0x00, 0x05, 0x30, 0x32, 0x1e, 0x16, 0x41];

/// True for a Base58Check address (25 bytes: version, 20-byte hash, 4-byte checksum)
/// with one of the accepted version bytes and a correct double-SHA-256 checksum.
pub fn is_base58check_address(s: &str) -> bool {
    let Ok(bytes) = bs58::decode(s).into_vec() else {
        return false;
    };
    if bytes.len() != 25 || !B58_VERSIONS.contains(&bytes[0]) {
        return false;
    }
    let first = Sha256::digest(&bytes[..21]);
    let second = Sha256::digest(first);
    second[..4] == bytes[21..]
}

const BECH32_CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut chk: u32 = 1;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// True for a Bitcoin segwit address (`bc1...`, BIP 173 / BIP 350) whose bech32 or
/// bech32m checksum is correct. Mixed case is rejected, as the BIPs require.
pub fn is_bech32_address(s: &str) -> bool {
    if s.len() < 14 || s.len() > 90 {
        return false;
    }
    let has_lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = s.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        return false;
    }
    let s = s.to_ascii_lowercase();
    let Some((hrp, data)) = s.rsplit_once('1') else {
        return false;
    };
    if hrp != "bc" || data.len() < 6 {
        return false;
    }
    let mut values: Vec<u8> = Vec::with_capacity(hrp.len() * 2 + 1 + data.len());
    values.extend(hrp.bytes().map(|b| b >> 5));
    values.push(0);
    values.extend(hrp.bytes().map(|b| b & 31));
    for b in data.bytes() {
        match BECH32_CHARSET.iter().position(|&c| c == b) {
            Some(p) => values.push(p as u8),
            None => return false,
        }
    }
    // The witness version is the first data value: 0 uses bech32, 1..16 bech32m.
    let witver = values[hrp.len() * 2 + 1];
    let expected = if witver == 0 { 1 } else { 0x2bc8_30a3 };
    witver <= 16 && bech32_polymod(&values) == expected
}

fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&Keccak256::digest(data));
    out
}

/// True for an Ethereum address (`0x` + 40 hex digits) that is not a low-entropy constant
/// (fewer than 10 distinct digits); when the letters are mixed case, the EIP-55 checksum must hold.
pub fn is_eth_address(s: &str) -> bool {
    let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) else {
        return false;
    };
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    // A random 160-bit value uses nearly all 16 digits; constants and packed fields
    // (`0x47000580005a0000000001e133ffffff00016100`) use few.
    let mut seen = [false; 16];
    for b in hex.bytes() {
        if let Some(d) = (b as char).to_digit(16) {
            seen[d as usize] = true;
        }
    }
    if seen.iter().filter(|&&x| x).count() < 10 {
        return false;
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if !(has_lower && has_upper) {
        return true;
    }
    let lower = hex.to_ascii_lowercase();
    let hash = keccak256(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, b)| {
        if !b.is_ascii_alphabetic() {
            return true;
        }
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0xf;
        b.is_ascii_uppercase() == (nibble >= 8)
    })
}

const B58_ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Monero's block-wise base58: 8-byte blocks become 11 characters; a shorter last block
/// uses the sizes of `ENCODED_BLOCK_SIZES`.
fn monero_b58_decode(s: &str) -> Option<Vec<u8>> {
    const ENCODED_BLOCK_SIZES: [usize; 9] = [0, 2, 3, 5, 6, 7, 9, 10, 11];
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 8 / 11 + 8);
    for chunk in bytes.chunks(11) {
        let nbytes = ENCODED_BLOCK_SIZES.iter().position(|&n| n == chunk.len())?;
        let mut v: u128 = 0;
        for &c in chunk {
            let d = B58_ALPHABET.iter().position(|&a| a == c)? as u128;
            v = v.checked_mul(58)?.checked_add(d)?;
        }
        if nbytes < 16 && v >> (8 * nbytes) != 0 {
            return None;
        }
        let be = v.to_be_bytes();
        out.extend_from_slice(&be[16 - nbytes..]);
    }
    Some(out)
}

/// True for a Monero standard (`4...`) or sub-address (`8...`) of 95 characters whose
/// Keccak-256 checksum is correct.
pub fn is_monero_address(s: &str) -> bool {
    if s.len() != 95 {
        return false;
    }
    let Some(b) = monero_b58_decode(s) else {
        return false;
    };
    if b.len() != 69 || !(b[0] == 0x12 || b[0] == 0x2a) {
        return false;
    }
    keccak256(&b[..65])[..4] == b[65..]
}
