// Streams the lines of a request body without holding it whole: bounded total size and
// line length, UTF-8 BOM and CRLF tolerated, line numbers as an editor shows them.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { DomainError } from '../domain/errors.ts';

export interface Line {
  line: number;
  text: string;
  tooLong?: boolean;
}

export async function* readLines(body: Readable, opts: { maxBytes: number; maxLineChars?: number }): AsyncGenerator<Line> {
  const maxLine = opts.maxLineChars ?? 1_000_000;
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  let first = true;
  let overflow = false;
  let seen = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    seen += buf.length;
    if (seen > opts.maxBytes) throw new DomainError('too_large', 'body_too_large', `request body exceeds ${opts.maxBytes} bytes`);
    let text = decoder.write(buf);
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      let piece = (overflow ? '' : carry) + text.slice(start, nl);
      carry = '';
      lineNo++;
      if (piece.endsWith('\r')) piece = piece.slice(0, -1);
      if (overflow) yield { line: lineNo, text: '', tooLong: true };
      else if (piece.length > maxLine) yield { line: lineNo, text: '', tooLong: true };
      else yield { line: lineNo, text: piece };
      overflow = false;
      start = nl + 1;
    }
    if (!overflow) carry += text.slice(start);
    if (carry.length > maxLine) {
      overflow = true;
      carry = '';
    }
  }
  const rest = (overflow ? '' : carry) + decoder.end();
  if (rest.length > 0 || overflow) {
    lineNo++;
    const piece = rest.endsWith('\r') ? rest.slice(0, -1) : rest;
    yield overflow ? { line: lineNo, text: '', tooLong: true } : { line: lineNo, text: piece };
  }
}
