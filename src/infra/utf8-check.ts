// Whether a streamed body is UTF-8, checked chunk by chunk as it arrives (a GBK file sent
// without its charset must be refused, not read as mojibake). A multi-byte character split
// between two chunks is carried over to the next.
import { isUtf8 } from 'node:buffer';

/** Bytes at the end of `b` that begin a character not yet complete (0–3). */
function incompleteTail(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** `add(chunk)` and `end()` say false once the bytes so far cannot be UTF-8. */
export function utf8Checker() {
  let carry: Buffer = Buffer.alloc(0);
  return {
    add(chunk: Buffer): boolean {
      const b = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const tail = incompleteTail(b);
      carry = Buffer.from(b.subarray(b.length - tail));
      return isUtf8(b.subarray(0, b.length - tail));
    },
    end(): boolean {
      return carry.length === 0;
    },
  };
}
