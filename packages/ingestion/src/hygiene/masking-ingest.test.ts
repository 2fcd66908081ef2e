/**
 * A page that leaks personal data, through the real extraction and indexing pipeline: with the
 * source's mask_personal_data switch on, no phone number, e-mail, NIR or IBAN reaches the chunks
 * table (what search and answers serve); with it off, the text is indexed as published.
 */
import { beforeAll, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { extract } from '../extractors/extract.js';
import type { ExtractOutcome } from '../extractors/extract.js';
import { indexDocuments } from '../ingest/index-documents.js';
import { MASKS } from './personal-data.js';

function iban(country: string, bban: string): string {
  const digits = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return country + String(98n - (BigInt(digits) % 97n)).padStart(2, '0') + bban;
}
function nir(body13: string): string {
  return body13 + String(97n - (BigInt(body13) % 97n)).padStart(2, '0');
}

const PHONES = Array.from({ length: 12 }, (_, i) => `0${(i % 7) + 1} ${String(10 + i)} ${String(20 + i)} ${String(30 + i)} ${String(40 + i)}`);
const IBANS = Array.from({ length: 6 }, (_, i) => iban('FR', `3000600001${String(1234567890 + i * 7919).padStart(10, '0')}18${i}`));
const NIRS = [nir('1850578006084'), nir('2920133123456')];
const EMAILS = ['sylvie.martin@mairie-exemple.fr', 'rh-paie@prefecture-exemple.gouv.fr'];
const LOOKALIKES = ['L. 1225-17', 'R. 4624-10', '12.03.2024', 'SIRET 123 456 789 00012', 'FR76 3000 6000 0112 3456 7890 188'];

function leakyPage(): string {
  const rows = PHONES.map((p, i) => `<tr><td>Agent ${i}</td><td>${p}</td><td>${IBANS[i % IBANS.length]!.replace(/(.{4})/g, '$1 ').trim()}</td></tr>`).join('\n');
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Annuaire interne du service RH</title></head><body><main>
  <h1>Annuaire interne du service RH</h1>
  <p>Ce document, publié par erreur, contient les coordonnées personnelles des agents. Il rappelle aussi les articles ${LOOKALIKES[0]} et ${LOOKALIKES[1]} du Code du travail, en vigueur depuis le ${LOOKALIKES[2]} (${LOOKALIKES[3]}).</p>
  <h2>Coordonnées et RIB</h2>
  <table><thead><tr><th>Agent</th><th>Téléphone</th><th>IBAN</th></tr></thead><tbody>
  ${rows}
  </tbody></table>
  <h2>Dossiers</h2>
  <p>Numéros de sécurité sociale : ${NIRS.join(' et ')}. Contact : ${EMAILS.join(', ')}. Référence erronée à ne pas confondre : ${LOOKALIKES[4]}.</p>
  </main></body></html>`;
}

describeEachDatabase('masking personal data at ingestion', (ctx) => {
  const opts = { chunkTokens: 120, overlapTokens: 0 };
  const texts: Record<'masked' | 'plain', string> = { masked: '', plain: '' };

  beforeAll(async () => {
    const outcomes: ExtractOutcome[] = [];
    for await (const o of extract({ data: Buffer.from(leakyPage()), url: 'https://rh.exemple.fr/annuaire', contentType: 'text/html; charset=utf-8' })) outcomes.push(o);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    for (const variant of ['masked', 'plain'] as const) {
      const c = await ctx.db.query<{ id: number }>('INSERT INTO collections (name) VALUES ($1) RETURNING id', [variant]);
      const s = await ctx.db.query<{ id: number }>(
        `INSERT INTO sources (collection_id, name, kind, config) VALUES ($1, $2, 'website', $3) RETURNING id`,
        [c.rows[0]!.id, variant, JSON.stringify({ start_urls: ['https://rh.exemple.fr/'], mask_personal_data: variant === 'masked' })],
      );
      const summary = await indexDocuments(
        ctx.db,
        new HashEmbedder(),
        { collectionId: Number(c.rows[0]!.id), sourceId: Number(s.rows[0]!.id), maskPersonalData: variant === 'masked' },
        outcomes,
        undefined,
        opts,
      );
      expect(summary.new).toBe(1);
      const { rows } = await ctx.db.query<{ text: string; context: string; title: string }>(
        `SELECT c.text, c.context, d.title FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.collection_id = $1 ORDER BY c.ord`,
        [c.rows[0]!.id],
      );
      texts[variant] = rows.map((r) => `${r.title}\n${r.context}\n${r.text}`).join('\n');
    }
  });

  it('indexes the page as published when the switch is off', () => {
    const compact = texts.plain.replace(/\s/g, '');
    for (const p of PHONES) expect(compact).toContain(p.replace(/\s/g, ''));
    for (const i of IBANS) expect(compact).toContain(i);
    for (const e of EMAILS) expect(texts.plain).toContain(e);
  });

  it('masks every phone number, IBAN, NIR and e-mail, and keeps look-alikes and the rest of the text', () => {
    const compact = texts.masked.replace(/\s/g, '');
    for (const p of PHONES) expect(compact).not.toContain(p.replace(/\s/g, ''));
    for (const i of IBANS) expect(compact).not.toContain(i);
    for (const n of NIRS) expect(compact).not.toContain(n);
    for (const e of EMAILS) expect(texts.masked).not.toContain(e);
    expect(texts.masked.split(MASKS.phone).length - 1).toBeGreaterThanOrEqual(PHONES.length);
    expect(texts.masked.split(MASKS.iban).length - 1).toBeGreaterThanOrEqual(PHONES.length);
    expect(texts.masked).toContain(MASKS.nir);
    expect(texts.masked).toContain(MASKS.email);
    for (const l of LOOKALIKES) expect(texts.masked).toContain(l);
    expect(texts.masked).toContain('Annuaire interne du service RH');
  });

  it('leaves nothing searchable by the leaked numbers', async () => {
    const { rows } = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = d.collection_id
       WHERE k.name = 'masked' AND (c.text ILIKE $1 OR c.text ILIKE $2)`,
      [`%${IBANS[0]!.slice(4, 12)}%`, '%mairie-exemple%'],
    );
    expect(rows[0]!.n).toBe(0);
  });
});
