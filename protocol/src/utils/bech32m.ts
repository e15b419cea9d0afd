/**
 * Bech32m (BIP-350) over arbitrary byte strings, without BIP-173's 90-character limit (the caller sets
 * its own). Errors are reported as `InvalidAddressError`.
 */
import { InvalidAddressError } from "../errors.ts";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32M_CONST = 0x2bc830a3;
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const CHARSET_REV: Record<string, number> = Object.fromEntries([...CHARSET].map((c, i) => [c, i]));

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATORS[i]!;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & maxv);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) {
    throw new InvalidAddressError({ reason: "non-zero padding in the data part" });
  }
  return out;
}

/** Encodes 5-bit words with a bech32m checksum: `hrp ‖ "1" ‖ data ‖ checksum`, lowercase. */
export function bech32mEncodeWords(hrp: string, words: readonly number[]): string {
  const values = [...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0];
  const mod = polymod(values) ^ BECH32M_CONST;
  let out = `${hrp}1`;
  for (const w of words) out += CHARSET[w];
  for (let i = 0; i < 6; i++) out += CHARSET[(mod >>> (5 * (5 - i))) & 31];
  return out;
}

/** Decodes a bech32m string into its (lowercase) hrp and 5-bit words; checks case, charset, checksum. */
export function bech32mDecodeWords(text: string, maxLength: number): { hrp: string; words: number[] } {
  if (typeof text !== "string") throw new InvalidAddressError({ reason: "not a string" });
  if (text.length > maxLength) throw new InvalidAddressError({ reason: `longer than ${maxLength} characters` });
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) throw new InvalidAddressError({ reason: "mixed case" });
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf("1");
  if (sep < 1 || sep + 7 > lower.length) throw new InvalidAddressError({ reason: "missing separator or checksum" });
  const hrp = lower.slice(0, sep);
  for (let i = 0; i < hrp.length; i++) {
    const c = hrp.charCodeAt(i);
    if (c < 33 || c > 126) throw new InvalidAddressError({ reason: "invalid character in the prefix" });
  }
  const words: number[] = [];
  for (const ch of lower.slice(sep + 1)) {
    const v = CHARSET_REV[ch];
    if (v === undefined) throw new InvalidAddressError({ reason: `invalid character '${ch}'` });
    words.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...words]) !== BECH32M_CONST) throw new InvalidAddressError({ reason: "checksum mismatch" });
  return { hrp, words: words.slice(0, -6) };
}

export function bech32mEncodeBytes(hrp: string, bytes: Uint8Array): string {
  return bech32mEncodeWords(hrp, convertBits(bytes, 8, 5, true));
}

export function bech32mDecodeBytes(text: string, maxLength: number): { hrp: string; bytes: Uint8Array } {
  const { hrp, words } = bech32mDecodeWords(text, maxLength);
  return { hrp, bytes: Uint8Array.from(convertBits(words, 5, 8, false)) };
}
