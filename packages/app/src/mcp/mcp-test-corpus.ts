/**
 * Two collections for the MCP tests: `public` (labour law) and `confidentiel` (one secret protocol),
 * and an agent key limited to `public`. The secret's words appear nowhere else, so any leak shows.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { NormalisedDocument } from '@cite/ingestion/document.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { createKey } from '../keys/api-keys.js';
import type { TestEngine } from '../testing/engine.js';

export const SECRET_URL = 'https://intranet.example.fr/protocole-zorglub';
export const SECRET_QUOTE = 'Zorglub accorde';
export const PUBLIC_URL = 'https://www.service-public.fr/particuliers/vosdroits/F2258';

/** The SDK's own client, connected to the engine's /mcp with `key`. */
export async function connectMcp(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'cite-test', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  await client.connect(transport as Transport);
  return client;
}

function doc(url: string, title: string, heading: string, text: string): NormalisedDocument {
  return { url, title, lang: 'fr', format: 'text', metadata: {}, sections: [{ headingPath: [title, heading], blocks: [{ kind: 'paragraph', text }] }] };
}

async function seed(e: TestEngine, name: string, docs: NormalisedDocument[]): Promise<number> {
  const { rows } = await e.db.query<{ id: number }>(`INSERT INTO collections (name, description) VALUES ($1, $2) RETURNING id`, [name, `Collection ${name}`]);
  const collectionId = Number(rows[0]!.id);
  const outcomes = docs.map((document) => ({ ok: true as const, location: document.url, document }));
  await indexDocuments(e.db, new HashEmbedder(), { collectionId }, outcomes);
  return collectionId;
}

export interface McpCorpus {
  publicCollection: number;
  secretCollection: number;
  publicDocument: number;
  secretDocument: number;
  /** An agent key that reads only `public`. */
  limitedKey: string;
}

export async function seedMcpCorpus(e: TestEngine): Promise<McpCorpus> {
  const publicCollection = await seed(e, 'public', [
    doc(PUBLIC_URL, 'Congés payés du salarié', 'Durée des congés', 'Le salarié a droit à 2,5 jours ouvrables de congés payés par mois de travail effectif.'),
  ]);
  const secretCollection = await seed(e, 'confidentiel', [
    doc(SECRET_URL, 'Protocole Zorglub des congés payés', 'Congés supplémentaires', 'Le protocole Zorglub accorde des congés payés supplémentaires aux agents du service Zorglub.'),
  ]);
  const id = async (url: string) => Number((await e.db.query<{ id: number }>('SELECT id FROM documents WHERE url = $1', [url])).rows[0]!.id);
  const limitedKey = (await createKey(e.db, { name: 'agent-public', role: 'agent', collections: [publicCollection] })).key;
  return { publicCollection, secretCollection, publicDocument: await id(PUBLIC_URL), secretDocument: await id(SECRET_URL), limitedKey };
}
