import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { detectFormat, type FormatHint } from './detect-format.js';
import { writeDocx } from './testing/docx-writer.js';
import { writePdf } from './testing/pdf-writer.js';
import { writeZip } from './testing/zip-writer.js';
import { ficheXml } from './testing/service-public-fixture.js';

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0, ...Array(40).fill(0)]);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');

async function codeOf(hint: FormatHint): Promise<string> {
  try {
    return `format:${await detectFormat(hint)}`;
  } catch (e) {
    expect(e).toBeInstanceOf(CiteError);
    return (e as CiteError).code;
  }
}

describe('detectFormat', () => {
  it('recognises binaries by their magic bytes whatever their name', async () => {
    expect(await detectFormat({ head: writePdf({ pages: ['x'] }), name: 'download' })).toBe('pdf');
    expect(await detectFormat({ head: writePdf({ pages: ['x'] }), contentType: 'application/octet-stream' })).toBe('pdf');
    expect(await detectFormat({ head: writeDocx([{ text: 'x' }]), name: 'note.docx' })).toBe('docx');
    expect(await detectFormat({ head: writeDocx([{ text: 'x' }]) })).toBe('docx');
    expect(await detectFormat({ head: writeZip([{ name: 'a.html', data: '<p>a</p>' }]), name: 'pages.zip' })).toBe('zip');
    expect(await detectFormat({ head: zlib.gzipSync('{"url":"x"}\n'), name: 'dump.jsonl.gz' })).toBe('jsonl-gz');
  });

  it('refuses a binary named or served as HTML with BINARY_AS_TEXT', async () => {
    expect(await codeOf({ head: ELF, name: 'index.html' })).toBe('BINARY_AS_TEXT');
    expect(await codeOf({ head: PNG, contentType: 'text/html; charset=utf-8' })).toBe('BINARY_AS_TEXT');
    expect(await codeOf({ head: Buffer.from([1, 2, 3, 0, 0, 5, 6, 7, 8]), name: 'notes.txt' })).toBe('BINARY_AS_TEXT');
  });

  it('reads UTF-16 text from its byte-order mark (its NULs are not binary, FF FE is not an MP3 frame)', async () => {
    const utf16 = (text: string, encoding: 'utf-16le' | 'utf-16be') => iconv.encode(text, encoding, { addBOM: true });
    const page = '<!DOCTYPE html><html><head><title>Congés</title></head><body><p>Congé payé.</p></body></html>';
    for (const encoding of ['utf-16le', 'utf-16be'] as const) {
      expect(await detectFormat({ head: utf16(page, encoding), name: 'export.htm' })).toBe('html');
      expect(await detectFormat({ head: utf16(page, encoding), contentType: 'application/octet-stream' })).toBe('html');
      expect(await detectFormat({ head: utf16('Des notes.', encoding), name: 'notes.txt' })).toBe('text');
      expect(await detectFormat({ head: utf16('# Titre', encoding), name: 'a.md' })).toBe('markdown');
      expect(await codeOf({ head: utf16(ficheXml(), encoding), name: 'F1.xml' })).toBe('FORMAT_UNSUPPORTED');
    }
    // a BOM in front of binary bytes does not make them text
    expect(await codeOf({ head: Buffer.concat([Buffer.from([0xff, 0xfe]), ELF]), name: 'index.html' })).toBe('BINARY_AS_TEXT');
  });

  it('reads UTF-16 without a byte-order mark when the Content-Type names it (utf-16 is little-endian)', async () => {
    const page = '<!DOCTYPE html><html><head><title>Congés</title></head><body><p>Congé payé.</p></body></html>';
    expect(await detectFormat({ head: iconv.encode(page, 'utf-16le'), contentType: 'text/html; charset=utf-16' })).toBe('html');
    expect(await detectFormat({ head: iconv.encode(page, 'utf-16be'), contentType: 'text/html; charset=UTF-16BE' })).toBe('html');
    expect(await detectFormat({ head: iconv.encode('Des notes.', 'utf-16le'), contentType: 'text/plain; charset="utf-16le"' })).toBe('text');
  });

  it('reads UTF-16 that neither a byte-order mark nor a charset names, from the lane of its NULs', async () => {
    const page = '<!DOCTYPE html><html><head><title>Congés</title></head><body><p>Congé payé.</p></body></html>';
    expect(await detectFormat({ head: iconv.encode(page, 'utf-16le'), contentType: 'text/html' })).toBe('html');
    expect(await detectFormat({ head: iconv.encode(page, 'utf-16be'), name: 'export.htm' })).toBe('html');
    expect(await detectFormat({ head: iconv.encode('Des notes, l’été, 10 €.', 'utf-16le'), name: 'notes.txt' })).toBe('text');
    // 16-bit numbers are NULs in one lane too: binary still, those that read as control characters and
    // those that stay in the range of letters (samples, pixels), which have no spaces between words
    const sixteenBit = (value: (i: number) => number) => {
      const b = Buffer.alloc(4096);
      for (let i = 0; i < 2048; i++) b.writeUInt16LE(value(i), 2 * i);
      return b;
    };
    for (const [what, value] of [
      ['small numbers', (i: number) => i % 31],
      ['a sine wave from 0x41 to 0xff', (i: number) => 0x41 + Math.round(95 + 95 * Math.sin(i / 7))],
      ['letters from 0x41 to 0x79', (i: number) => 0x41 + (i * 7) % 57],
      ['pixels from 32 to 231', (i: number) => 32 + (i * 13) % 200],
    ] as const) {
      expect(await codeOf({ head: sixteenBit(value), name: 'notes.txt' }), what).toBe('BINARY_AS_TEXT');
    }
    // NULs in both lanes are not text of any kind
    expect(await codeOf({ head: Buffer.from([1, 2, 3, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 9, 9, 0, 0]), name: 'notes.txt' })).toBe('BINARY_AS_TEXT');
  });

  it('refuses unsupported binaries and non-JSONL gzip with FORMAT_UNSUPPORTED', async () => {
    expect(await codeOf({ head: PNG, name: 'photo.png' })).toBe('FORMAT_UNSUPPORTED');
    expect(await codeOf({ head: zlib.gzipSync('hello'), name: 'x.tar.gz' })).toBe('FORMAT_UNSUPPORTED');
    expect(await codeOf({ head: Buffer.from('<?xml version="1.0"?><urlset></urlset>'), name: 'sitemap.xml' })).toBe('FORMAT_UNSUPPORTED');
    expect(await codeOf({ head: Buffer.from('just text'), name: 'report.pdf' })).toBe('FORMAT_MISMATCH');
    expect(await codeOf({ head: Buffer.from('{"a": 1}'), name: 'data.json' })).toBe('FORMAT_UNSUPPORTED');
  });

  it('text formats: header, then name, then sniffing', async () => {
    expect(await detectFormat({ head: Buffer.from('<p>hi</p>'), contentType: 'text/html' })).toBe('html');
    expect(await detectFormat({ head: Buffer.from('<!DOCTYPE html><html></html>'), contentType: 'text/plain' })).toBe('html');
    expect(await detectFormat({ head: Buffer.from('<!DOCTYPE html><html></html>') })).toBe('html');
    expect(await detectFormat({ head: Buffer.from('<!-- Généré par SPIP -->\n<!DOCTYPE html><html></html>'), contentType: 'application/octet-stream' })).toBe('html');
    expect(await detectFormat({ head: Buffer.from('# Titre'), name: 'a.md' })).toBe('markdown');
    expect(await detectFormat({ head: Buffer.from('Bonjour'), name: 'a.txt' })).toBe('text');
    expect(await detectFormat({ head: Buffer.from('{"url":"https://x"}'), name: 'a.jsonl' })).toBe('jsonl');
    expect(await detectFormat({ head: Buffer.from(ficheXml()), name: 'F1234.xml' })).toBe('service-public');
    expect(await detectFormat({ head: Buffer.from('Caf\xe9 cr\xe8me', 'latin1'), name: 'latin1.txt' })).toBe('text');
  });
});
