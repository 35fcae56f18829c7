import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, statSync, writeSync } from 'node:fs';
import { Transform } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { InputError, errorMessage } from '../errors.ts';

/**
 * One streaming pass over a CSV file before DuckDB reads it: the checksum, the header (read and checked here, so
 * DuckDB never has to guess the file's dialect), and where each record starts. Memory does not grow with the number
 * of rows: only the header and the few places where the line numbering changes (blank lines, line breaks inside
 * quoted fields) are kept.
 */
export interface CsvScan {
  /** SHA-256 of the file's bytes (compressed bytes for .gz), hex. */
  sha256: string;
  /** Column names of the header: UTF-8 BOM removed, quotes removed, trimmed. */
  header: string[];
  /** Blank lines before the header (DuckDB's `skip`). */
  skipLines: number;
  /** Non-blank records after the header. */
  records: number;
  /** Blank lines after the header (not records; DuckDB skips them too). */
  blankLines: number;
  /** Physical lines in the file. */
  lines: number;
  newline: Newline;
  /**
   * Record index → line, as change points: record `k` starts on physical line `p` and is line `d` as DuckDB's CSV
   * reader counts lines (it does not count line breaks inside quoted fields); from one point to the next, all three
   * advance by one per record.
   */
  lineMap: LinePoint[];
  /** Physical line of a record whose opening quote is never closed (so it runs to the end of the file), or null. */
  unclosedQuoteLine: number | null;
  /** The first record ending with another line ending than the header's, or null. */
  mixedNewline: { line: number; expected: Newline; found: Newline } | null;
  /** The longest data record: its bytes (line breaks inside quotes not counted) and the physical line it starts on. */
  longestRecord: { bytes: number; line: number };
  /** Line breaks inside quoted fields (the header's included). */
  quotedLineBreaks: number;
  /**
   * The numbered copy asked for (ScanOptions.numberedCopy), written when every record of the file is one line: each
   * record prefixed by its physical line and the delimiter, the header replaced by `__ingest_line` and positional
   * names, blank lines left out. Null when the file does not qualify (gzip, a quoted line break, an unclosed quote,
   * mixed line endings).
   */
  numberedCopy: string | null;
  /**
   * Byte offset in the file of physical line `j * LINE_START_STRIDE + 1`, for every such line (so `lineStarts[0]` is
   * 0): where to seek to re-read a line without reading the file up to it. Null for a gzip-compressed file (the
   * offsets would be in the uncompressed stream).
   */
  lineStarts: Float64Array | null;
}

/** Lines from one recorded line start to the next (CsvScan.lineStarts). */
export const LINE_START_STRIDE = 64;

export interface ScanOptions {
  /** Where to write the numbered copy of the file (see CsvScan.numberedCopy). */
  numberedCopy?: string;
}

export type Newline = 'LF' | 'CRLF' | 'CR';
export interface LinePoint {
  k: number;
  d: number;
  p: number;
}

/** Longest header line accepted: a longer first line is not a header (binary data, or one huge record). */
const MAX_HEADER_BYTES = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

class Scanner {
  line = 1;
  /** Physical lines in the file, set by finish(). */
  lines = 0;
  private lineHasBytes = false;
  private inQuotes = false;
  private pendingCR = false;
  private recLen = 0;
  private recStartLine = 1;
  private recEmbedded = 0;
  private embeddedBefore = 0;
  private headerDone = false;
  /** The file's first chunks, kept until the header record is complete. */
  private headerChunks: Buffer[] = [];
  private headerBytes = 0;
  header: Buffer | null = null;
  skipLines = 0;
  records = 0;
  blankLines = 0;
  newline: Newline | null = null;
  mixed: CsvScan['mixedNewline'] = null;
  lineMap: LinePoint[] = [];
  unclosedQuoteLine: number | null = null;
  longestRecord = { bytes: 0, line: 0 };
  /** Line breaks inside quoted fields so far. */
  quotedLineBreaks = 0;
  private last: LinePoint | null = null;
  /** Bytes of the chunks before the current one. */
  private base = 0;
  /** See CsvScan.lineStarts: grown by doubling. */
  private starts = new Float64Array(1024);
  private startCount = 1;

  /** Where the numbered copy goes (null: no copy, or given up because a record spans lines). */
  sink: NumberedCopySink | null = null;
  /** The chunk being scanned, where the current line's bytes not yet copied start, and whether its prefix is out. */
  private buf: Buffer = Buffer.alloc(0);
  private copyFrom = 0;
  private copyStarted = false;

  constructor(private readonly onHeader: (header: Buffer) => void) {}

  push(buf: Buffer): void {
    this.buf = buf;
    this.copyFrom = 0;
    if (!this.headerDone) {
      this.headerChunks.push(buf);
      this.headerBytes += buf.length;
    }
    // Jumps from one special byte (quote, CR, LF) to the next with Buffer.indexOf (memchr) and counts the ordinary
    // bytes between them in bulk: the same result as a byte-by-byte walk, several times faster.
    const n = buf.length;
    const next = (byte: number, from: number): number => {
      const at = buf.indexOf(byte, from);
      return at < 0 ? n : at;
    };
    let nextQuote = next(QUOTE, 0);
    let nextCR = next(CR, 0);
    let nextLF = next(LF, 0);
    let i = 0;
    while (i < n) {
      if (this.pendingCR) {
        this.pendingCR = false;
        if (buf[i] === LF) {
          this.lineBreak('CRLF', i + 1);
          i++;
          if (nextLF < i) nextLF = next(LF, i);
          continue;
        }
        this.lineBreak('CR', i);
      }
      const special = Math.min(nextQuote, nextCR, nextLF);
      if (special > i) {
        this.lineHasBytes = true;
        if (this.recLen === 0) this.recStartLine = this.line;
        this.recLen += special - i;
        i = special;
        if (i >= n) break;
      }
      const b = buf[i];
      if (b === CR) {
        this.pendingCR = true;
        nextCR = next(CR, i + 1);
      } else if (b === LF) {
        this.lineBreak('LF', i + 1);
        nextLF = next(LF, i + 1);
      } else {
        this.inQuotes = !this.inQuotes;
        this.lineHasBytes = true;
        if (this.recLen === 0) this.recStartLine = this.line;
        this.recLen++;
        nextQuote = next(QUOTE, i + 1);
      }
      i++;
    }
    // a data record continues in the next chunk: its bytes so far go to the copy
    if (this.sink && this.headerDone && this.recLen > 0) this.copyRecord(n);
    this.base += n;
    if (!this.headerDone && this.headerBytes > MAX_HEADER_BYTES) throw new HeaderTooLong();
  }

  /** Copies the current data record's bytes up to `end` (exclusive) in the chunk, after its line number. */
  private copyRecord(end: number): void {
    const sink = this.sink!;
    if (!this.copyStarted) {
      sink.prefix(this.recStartLine);
      this.copyStarted = true;
    }
    if (end > this.copyFrom) sink.put(this.buf, this.copyFrom, end);
    this.copyFrom = end;
  }

  /** A line break at the current position: inside quotes it is part of the value; otherwise it ends a record. */
  private lineBreak(kind: Newline, end: number): void {
    this.lineHasBytes = false;
    // the line after this break starts at `end` in the chunk (end < 0: the break ends the file)
    if (this.line % LINE_START_STRIDE === 0 && end >= 0) this.lineStart(this.base + end);
    if (this.inQuotes) {
      this.recEmbedded++;
      this.quotedLineBreaks++;
      this.line++;
      // a record over several lines: the copy, one record per line, cannot be made
      this.sink = null;
      return;
    }
    if (this.sink) {
      if (this.headerDone && this.recLen > 0) this.copyRecord(end);
      this.copyFrom = Math.max(end, 0);
      this.copyStarted = false;
    }
    if (this.newline === null) this.newline = kind;
    else if (kind !== this.newline && this.mixed === null) this.mixed = { line: this.line, expected: this.newline, found: kind };
    this.endRecord();
    this.line++;
  }

  private lineStart(offset: number): void {
    if (this.startCount === this.starts.length) {
      const grown = new Float64Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.startCount++] = offset;
  }

  /** See CsvScan.lineStarts. */
  lineStarts(): Float64Array {
    return this.starts.slice(0, this.startCount);
  }

  private endRecord(): void {
    if (this.recLen === 0) {
      if (this.headerDone) this.blankLines++;
      else this.skipLines++;
    } else if (!this.headerDone) {
      this.headerDone = true;
      this.header = this.takeHeader();
      this.onHeader(this.header);
    } else {
      const k = this.records++;
      const p = this.recStartLine;
      if (this.recLen > this.longestRecord.bytes) this.longestRecord = { bytes: this.recLen, line: p };
      const d = p - this.embeddedBefore;
      const last = this.last;
      if (!last || p - k !== last.p - last.k || d - k !== last.d - last.k) {
        this.lineMap.push({ k, d, p });
      }
      this.last = { k, d, p };
    }
    this.embeddedBefore += this.recEmbedded;
    this.recEmbedded = 0;
    this.recLen = 0;
  }

  /** The header record's bytes, without the blank lines before it and without its line ending. */
  private takeHeader(): Buffer {
    const all = Buffer.concat(this.headerChunks);
    this.headerChunks = [];
    let start = 0;
    while (start < all.length && (all[start] === LF || all[start] === CR)) start++;
    let end = start;
    let inQ = false;
    for (; end < all.length; end++) {
      const b = all[end];
      if (b === QUOTE) inQ = !inQ;
      else if (!inQ && (b === LF || b === CR)) break;
    }
    return all.subarray(start, end);
  }

  finish(): void {
    if (this.pendingCR) {
      this.pendingCR = false;
      this.lineBreak('CR', -1);
    }
    this.lines = this.lineHasBytes ? this.line : this.line - 1;
    if (this.recLen > 0) {
      if (this.inQuotes && this.headerDone) this.unclosedQuoteLine = this.recStartLine;
      if (!this.headerDone) {
        // a file of one line without a line ending: that line is the header
        this.headerDone = true;
        this.header = this.takeHeader();
        this.onHeader(this.header);
        this.recLen = 0;
      } else this.endRecord();
    }
  }
}

/**
 * The numbered copy of a file (see CsvScan.numberedCopy), written while the file is scanned: the scanner hands it each
 * data record's line number and bytes (line ending included); blank lines and the header are not handed over.
 */
class NumberedCopySink {
  private readonly fd: number;
  private readonly out = Buffer.allocUnsafe(4 << 20);
  private pos = 0;
  /** A write failed (disk full?): the copy is given up, the ingest goes on without it. */
  failed = false;

  constructor(
    readonly file: string,
    private readonly delimiter: Buffer,
  ) {
    this.fd = openSync(file, 'w');
  }

  /** The header line: `__ingest_line` and the positional names of `columns` columns. */
  header(columns: number, newline: Newline): void {
    const d = this.delimiter.toString('utf8');
    const names = ['__ingest_line', ...Array.from({ length: columns }, (_, i) => `__ingest_col_${i}`)];
    const nl = newline === 'LF' ? '\n' : newline === 'CRLF' ? '\r\n' : '\r';
    const b = Buffer.from(names.join(d) + nl, 'utf8');
    this.put(b, 0, b.length);
  }

  /** Writes `line` in decimal and the delimiter. */
  prefix(line: number): void {
    if (this.pos + 32 > this.out.length) this.flush();
    const out = this.out;
    let digits = 1;
    for (let v = line; v >= 10; v = (v / 10) | 0) digits++;
    let at = this.pos + digits;
    for (let v = line, j = at - 1; j >= this.pos; j--) {
      const q = (v / 10) | 0;
      out[j] = 48 + v - q * 10;
      v = q;
    }
    for (let j = 0; j < this.delimiter.length; j++) out[at++] = this.delimiter[j];
    this.pos = at;
  }

  put(buf: Buffer, from: number, to: number): void {
    const len = to - from;
    if (this.pos + len > this.out.length) {
      this.flush();
      if (len > this.out.length) {
        try {
          if (!this.failed) this.write(buf, from, len);
        } catch {
          this.failed = true;
        }
        return;
      }
    }
    buf.copy(this.out, this.pos, from, to);
    this.pos += len;
  }

  private flush(): void {
    try {
      if (!this.failed) this.write(this.out, 0, this.pos);
    } catch {
      this.failed = true;
    }
    this.pos = 0;
  }

  private write(buf: Buffer, from: number, len: number): void {
    let done = 0;
    while (done < len) done += writeSync(this.fd, buf, from + done, len - done);
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }

  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

class HeaderTooLong extends Error {}

/** Splits one CSV header line into names (quotes removed, `""` inside quotes kept as one quote, trimmed). */
export function splitHeader(text: string, delimiter: string): string[] {
  const names: string[] = [];
  let cur = '';
  let inQ = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQ) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cur += '"';
          i++;
        } else inQ = false;
      } else cur += c;
    } else if (c === '"') inQ = true;
    else if (text.startsWith(delimiter, i)) {
      names.push(cur.trim());
      cur = '';
      i += delimiter.length - 1;
    } else cur += c;
  }
  names.push(cur.trim());
  return names;
}

const NEWLINE_TEXT: Record<Newline, string> = { LF: '\\n', CRLF: '\\r\\n', CR: '\\r' };
export const newlineText = (n: Newline): string => NEWLINE_TEXT[n];

/** What the first bytes of a file say it is, when it is clearly not UTF-8 CSV text. */
function sniffMagic(first: Buffer, file: string, gzipped: boolean): string | null {
  if (first.length >= 2 && ((first[0] === 0xff && first[1] === 0xfe) || (first[0] === 0xfe && first[1] === 0xff))) {
    return `${file} is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8 CSV`;
  }
  if (first.subarray(0, 4).toString('latin1') === 'PAR1') return `${file} is a Parquet file, not CSV: give it the .parquet extension`;
  if (first.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return `${file} is a ZIP archive (an Excel workbook?), not CSV text: export it as CSV (UTF-8)`;
  if (!gzipped && first[0] === 0x1f && first[1] === 0x8b) return `${file} is gzip-compressed: name it .csv.gz`;
  if (first.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return `${file} is zstd-compressed: only gzip-compressed CSV (.csv.gz) can be read`;
  return null;
}

/** Files at least this big are hashed on a worker thread while the main thread scans them. */
const HASH_ON_WORKER_BYTES = 64 << 20;

/**
 * The worker's code (a script: the command runs bundled, so a worker file of its own would have to be shipped beside
 * the bundle): it reads the file named by workerData and posts the SHA-256 of its bytes, hex.
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = createHash('sha256');
const buf = Buffer.allocUnsafe(1 << 20);
const fd = openSync(workerData, 'r');
try {
  let n;
  while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
} finally {
  closeSync(fd);
}
parentPort.postMessage(hash.digest('hex'));
`;

/**
 * The SHA-256 of `file`'s bytes computed on a worker thread: on a big file the hashing (~0.5 s per GB with the CPU's
 * SHA instructions, more without) then overlaps the scan instead of adding to it. `stop` ends the worker early.
 */
export function hashOnWorker(file: string): { digest: Promise<string>; stop: () => void } {
  const worker = new Worker(HASH_WORKER, { eval: true, workerData: file });
  const digest = new Promise<string>((resolve, reject) => {
    worker.once('message', (hex: string) => resolve(hex));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the hashing thread ended (code ${code}) before it had read ${file}`)));
  });
  // a scan that fails first never awaits the digest
  digest.catch(() => {});
  return { digest, stop: () => void worker.terminate() };
}

/**
 * Reads `file` once: its checksum, its header and where its records start. Throws InputError, naming the file and
 * the problem, when the file is not UTF-8 CSV text with a header line.
 */
export async function scanCsv(file: string, displayName: string, delimiter: string, options: ScanOptions = {}): Promise<CsvScan> {
  const gzipped = /\.gz$/i.test(file);
  // gzip: the copy would be as large as the uncompressed file; such a file takes the text path
  let copy: NumberedCopySink | null = null;
  try {
    if (options.numberedCopy && !gzipped) copy = new NumberedCopySink(options.numberedCopy, Buffer.from(delimiter, 'utf8'));
  } catch {
    // the temporary folder cannot be written: no copy, the ingest takes the text path
  }
  let bytes = 0;
  try {
    bytes = statSync(file).size;
  } catch {
    // a missing or unreadable file: the read below says why
  }
  const onWorker = bytes >= HASH_ON_WORKER_BYTES ? hashOnWorker(file) : null;
  const hash = createHash('sha256');
  let header: string[] | null = null;
  let headerError: string | null = null;
  const scanner = new Scanner((bytes) => {
    if (bytes.includes(0)) {
      headerError = `${displayName} is not CSV text: its first line contains NUL bytes (a binary file, or UTF-16 text)`;
      return;
    }
    if (bytes.some((b) => (b < 0x20 && b !== 0x09) || b === 0x7f)) {
      headerError = `${displayName} is not CSV text: its first line holds control bytes (a binary file?)`;
      return;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      headerError = `${displayName}: the header line is not valid UTF-8 (is the file Latin-1 or Windows-1252? save it as UTF-8)`;
      return;
    }
    header = splitHeader(text, delimiter);
    if (copy && scanner.newline) copy.header(header.length, scanner.newline);
    else scanner.sink = null;
  });
  scanner.sink = copy;
  let first = true;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!onWorker) hash.update(chunk);
      done(null, chunk);
    },
  });
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const source = gzipped ? raw.pipe(hashing).pipe(createGunzip()) : raw.pipe(hashing);
  raw.on('error', (err) => source.destroy(err));
  if (gzipped) hashing.on('error', (err) => source.destroy(err));
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        const magic = sniffMagic(chunk, displayName, gzipped);
        if (magic) throw new InputError(magic);
      }
      scanner.push(chunk);
      if (headerError) throw new InputError(headerError);
    }
    scanner.finish();
    copy?.close();
  } catch (err) {
    copy?.abandon();
    raw.destroy();
    onWorker?.stop();
    if (err instanceof InputError) throw err;
    if (err instanceof HeaderTooLong) {
      throw new InputError(`${displayName} is not a CSV file with a header line: its first line is longer than ${MAX_HEADER_BYTES / (1 << 20)} MB (binary data?)`);
    }
    const msg = errorMessage(err);
    if (gzipped && /incorrect header check|unexpected end of file|invalid/i.test(msg)) throw new InputError(`${displayName} is not valid gzip data: ${msg}`, [], { cause: err });
    throw new InputError(`cannot read ${displayName}: ${msg}`, [], { cause: err });
  }
  if (headerError || header === null) onWorker?.stop();
  if (headerError) throw new InputError(headerError);
  if (header === null) throw new InputError(`${displayName} has no header line (it holds only blank lines)`);
  let sha256: string;
  try {
    sha256 = onWorker ? await onWorker.digest : hash.digest('hex');
  } catch (err) {
    throw new InputError(`cannot read ${displayName}: ${errorMessage(err)}`, [], { cause: err });
  }
  return {
    sha256,
    header,
    skipLines: scanner.skipLines,
    records: scanner.records,
    blankLines: scanner.blankLines,
    lines: scanner.lines,
    newline: scanner.newline ?? 'LF',
    lineMap: scanner.lineMap,
    unclosedQuoteLine: scanner.unclosedQuoteLine,
    mixedNewline: scanner.mixed,
    longestRecord: scanner.longestRecord,
    quotedLineBreaks: scanner.quotedLineBreaks,
    lineStarts: gzipped ? null : scanner.lineStarts(),
    numberedCopy:
      // (line numbers of 2^31 and more would not survive the sink's integer arithmetic)
      copy && !copy.failed && scanner.sink === copy && scanner.lines < 2 ** 31 && scanner.quotedLineBreaks === 0 && scanner.unclosedQuoteLine === null && scanner.mixed === null && scanner.records > 0
        ? copy.file
        : null,
  };
}
