/**
 * Test fixture generator: minimal valid PDFs written by hand (one Helvetica text page per string),
 * plus the hostile variants tests need (encrypted with an unknown password, no text layer, a
 * decompression bomb).
 */
import zlib from 'node:zlib';

export interface PdfSpec {
  /** One entry per page; null = a page with a drawing and no text (a "scan"). */
  pages: (string | null)[];
  title?: string;
  /** Adds a Standard security handler with a user password nobody knows. */
  encrypted?: boolean;
  /**
   * Content streams as they are written, one per page, instead of `pages`' text (raw bytes, e.g.
   * FlateDecode-compressed, with the stream dictionary's extra entries such as `/Filter /FlateDecode`).
   */
  rawContents?: Array<{ data: Buffer; dict: string }>;
}

const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);

export function writePdf(spec: PdfSpec): Buffer {
  const objects: string[] = [];
  const add = (body: string) => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add(''); // filled below
  const pagesObj = add('');
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  spec.pages.forEach((text, page) => {
    let content: string;
    const raw = spec.rawContents?.[page];
    if (raw) content = raw.data.toString('latin1');
    else if (text === null) content = '0 0 1 rg 100 100 300 300 re f';
    else {
      const lines = text.split('\n');
      content = `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((l) => `(${esc(l)}) '`).join(' ')} ET`;
    }
    const stream = add(`<< /Length ${Buffer.byteLength(content, 'latin1')}${raw ? ` ${raw.dict}` : ''} >>\nstream\n${content}\nendstream`);
    kids.push(
      add(`<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${stream} 0 R >>`),
    );
  });
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const info = spec.title ? add(`<< /Title (${esc(spec.title)}) /CreationDate (D:20240102030405Z) >>`) : undefined;
  const hex32 = 'a1'.repeat(32);
  const encrypt = spec.encrypted ? add(`<< /Filter /Standard /V 1 /R 2 /O <${hex32}> /U <${'5c'.repeat(32)}> /P -4 >>`) : undefined;

  let out = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R${info ? ` /Info ${info} 0 R` : ''}${
    encrypt ? ` /Encrypt ${encrypt} 0 R /ID [<${'0f'.repeat(16)}> <${'0f'.repeat(16)}>]` : ''
  } >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/**
 * A decompression bomb: a small PDF whose one page's content stream (FlateDecode) inflates to about
 * `inflatedBytes` of text-showing operators. Deflated by streaming the same block, so that the inflated
 * content never exists in the test's memory; ~1000:1 (400 MB inflated → ~400 KB file).
 */
export async function writePdfBomb(inflatedBytes: number, shape: 'lines' | 'string' = 'lines'): Promise<Buffer> {
  const unit =
    shape === 'lines'
      ? Buffer.from('1 0 0 1 72 700 Tm (Le salarie a droit a des conges payes chaque annee.) Tj\n', 'latin1')
      : Buffer.from('Le salarie a droit a des conges payes chaque annee. ', 'latin1');
  const block = Buffer.alloc(1024 * 1024 - ((1024 * 1024) % unit.length));
  for (let o = 0; o < block.length; o += unit.length) unit.copy(block, o);
  const deflate = zlib.createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise<void>((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  deflate.write(shape === 'lines' ? 'BT /F1 12 Tf 72 720 Td 14 TL\n' : 'BT /F1 12 Tf 72 720 Td (');
  for (let n = 0; n < inflatedBytes; n += block.length) {
    if (!deflate.write(block)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end(shape === 'lines' ? 'ET\n' : ') Tj ET\n');
  await done;
  return writePdf({ pages: [''], rawContents: [{ data: Buffer.concat(parts), dict: '/Filter /FlateDecode' }] });
}
