import { describe, expect, it } from 'vitest';
import { readZip, sanitiseEntryName, type ArchiveItem } from './archive.js';
import { DEFAULT_EXTRACT_OPTIONS } from './extract.js';

const DEFAULT_ARCHIVE_LIMITS = DEFAULT_EXTRACT_OPTIONS.archive;
import { writeZip } from './testing/zip-writer.js';

async function read(data: Buffer, limits = DEFAULT_ARCHIVE_LIMITS): Promise<ArchiveItem[]> {
  const out: ArchiveItem[] = [];
  for await (const item of readZip({ data }, limits)) out.push(item);
  return out;
}
const summary = (items: ArchiveItem[]) => items.map((i) => (i.ok ? `${i.name}:ok` : `${i.name}:${i.code}`));

describe('readZip', () => {
  it('reads entries one by one, skipping directories and OS junk', async () => {
    const zip = writeZip([
      { name: 'a.txt', data: 'alpha' },
      { name: 'dir/', data: '' },
      { name: 'dir/b.html', data: '<p>beta</p>', method: 'store' },
      { name: '__MACOSX/dir/._b.html', data: 'junk' },
    ]);
    const items = await read(zip);
    expect(summary(items)).toEqual(['a.txt:ok', 'dir/b.html:ok']);
    expect(items[1].ok && items[1].data.toString()).toBe('<p>beta</p>');
  });

  it('refuses an entry whose compression ratio says bomb, and goes on', async () => {
    const zip = writeZip([
      { name: 'bomb.txt', data: Buffer.alloc(20 * 1024 * 1024) },
      { name: 'ok.txt', data: 'fine' },
    ]);
    expect(summary(await read(zip, { ...DEFAULT_ARCHIVE_LIMITS, maxRatio: 100 }))).toEqual(['bomb.txt:ZIP_BOMB', 'ok.txt:ok']);
  });

  it('stops at the total uncompressed size limit', async () => {
    const chunk = Buffer.from('x'.repeat(4000) + Math.random());
    const zip = writeZip(Array.from({ length: 10 }, (_, i) => ({ name: `f${i}.txt`, data: chunk })));
    const items = await read(zip, { ...DEFAULT_ARCHIVE_LIMITS, maxTotalBytes: 3 * chunk.length + 10 });
    expect(summary(items)).toEqual(['f0.txt:ok', 'f1.txt:ok', 'f2.txt:ok', 'f3.txt:ZIP_BOMB']);
    expect(!items[3].ok && items[3].fatal).toBe(true);
  });

  it('catches headers that lie about their size', async () => {
    const zip = writeZip([{ name: 'liar.txt', data: Buffer.alloc(3 * 1024 * 1024, 65), declaredSize: 100 }, { name: 'next.txt', data: 'n' }]);
    const items = await read(zip);
    expect(items[0].ok).toBe(false);
    expect(summary(items)).not.toContain('liar.txt:ok');
  });

  it('refuses too many entries and entries over the size limit', async () => {
    const zip = writeZip([{ name: 'a', data: '1' }, { name: 'b', data: '2' }, { name: 'c', data: '3' }]);
    expect(summary(await read(zip, { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 2 }))).toEqual([':ZIP_TOO_MANY_ENTRIES']);
    const big = writeZip([{ name: 'big.txt', data: Buffer.from('z'.repeat(5000)) }, { name: 's.txt', data: 's' }]);
    expect(summary(await read(big, { ...DEFAULT_ARCHIVE_LIMITS, maxEntryBytes: 1000 }))).toEqual(['big.txt:ZIP_ENTRY_TOO_LARGE', 's.txt:ok']);
  });

  it('sanitises hostile paths instead of failing the archive', async () => {
    const zip = writeZip([{ name: '../../etc/passwd', data: 'root' }, { name: '/abs/x.txt', data: 'x' }, { name: 'C:\\win\\y.txt', data: 'y' }]);
    expect(summary(await read(zip))).toEqual(['etc/passwd:ok', 'abs/x.txt:ok', 'win/y.txt:ok']);
    expect(sanitiseEntryName('a/./b/../c')).toBe('a/b/c');
  });

  it('reports a corrupt zip once', async () => {
    expect(summary(await read(Buffer.from('PK\u0003\u0004 this is not really a zip')))).toEqual([':ZIP_CORRUPT']);
  });
});
