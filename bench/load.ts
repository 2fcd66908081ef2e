/**
 * `npm run bench:load -- [corpus paths…] [--clients 32] [--seconds 60]`
 * Mixed load against a `cite start` child process on the PostgreSQL server: searches, extractive answers and
 * admin reads from concurrent clients. Prints throughput, p50/p95/p99 per kind and the error count.
 * Without corpus paths it ingests a generated French corpus of 2,000 documents.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cite, freshServerDatabase, percentile, startEngineProcess } from './lib.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '60' },
    database: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);

const TOPICS = [
  ['congé de maternité', 'La durée du congé de maternité est de seize semaines pour le premier enfant.'],
  ['période d’essai', 'La période d’essai du contrat à durée indéterminée peut être renouvelée une fois.'],
  ['rupture conventionnelle', 'La rupture conventionnelle est homologuée par la DREETS après un délai de rétractation.'],
  ['heures supplémentaires', 'Les heures supplémentaires donnent lieu à une majoration de salaire de 25 %.'],
  ['carte grise', 'Le certificat d’immatriculation se demande en ligne sur le site de l’ANTS.'],
  ['allocation logement', 'L’aide personnalisée au logement dépend des ressources du foyer et du loyer.'],
  ['passeport', 'La demande de passeport se fait en mairie sur rendez-vous avec une photo récente.'],
  ['licenciement économique', 'Le licenciement pour motif économique suppose un entretien préalable et un préavis.'],
] as const;

function syntheticCorpus(dir: string, n: number): string {
  const file = path.join(dir, 'load-corpus.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const [topic, sentence] = TOPICS[i % TOPICS.length]!;
    lines.push(
      JSON.stringify({
        url: `https://bench.example.fr/fiche/${i}`,
        title: `${topic} — fiche ${i}`,
        text: `# ${topic}\n\n${sentence} Cas numéro ${i}. ${sentence.split(' ').reverse().join(' ')}.\n\n## Démarches\n\nLes démarches liées à ${topic} sont détaillées ici pour le dossier ${i}.`,
        lang: 'fr',
      }),
    );
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function main(): Promise<void> {
  const databaseUrl = await freshServerDatabase(values.database!, 'cite_bench_load');
  const env = { DATABASE_URL: databaseUrl, RATE_LIMIT_PER_MINUTE: '1000000', EMBEDDINGS: 'hash', LOG_LEVEL: 'warn' };
  await cite(['migrate'], env);
  const paths = positionals.length ? positionals : [syntheticCorpus(fs.mkdtempSync(path.join(os.tmpdir(), 'cite-load-')), 2000)];
  console.log(`ingesting ${paths.join(', ')} …`);
  await cite(['ingest', ...paths, '--collection', 'bench', '--json'], env);
  const keys: Record<string, string> = {};
  for (const role of ['agent', 'admin']) keys[role] = JSON.parse(await cite(['keys', 'create', '--role', role, '--name', `load-${role}`, '--json'], env)).key;

  const engine = await startEngineProcess(env);
  const kinds = ['search', 'answer', 'admin'] as const;
  type Kind = (typeof kinds)[number];
  const latencies: Record<Kind, number[]> = { search: [], answer: [], admin: [] };
  // admin reads per path too: their costs differ by an order of magnitude
  const adminPaths = ['/admin/api/documents?range=[0,24]', '/admin/api/stats', '/admin/api/answers?range=[0,24]', '/admin/api/sources?range=[0,24]'];
  const byPath = new Map<string, number[]>(adminPaths.map((p) => [p, []]));
  const errors: Record<string, number> = {};
  const request = async (kind: Kind, i: number): Promise<void> => {
    const topic = TOPICS[i % TOPICS.length]![0];
    let res: Response;
    let adminPath: string | undefined;
    const t0 = performance.now();
    if (kind === 'search') {
      res = await fetch(`${engine.url}/v1/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.agent}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: `${topic} démarches`, k: 10 }),
      });
    } else if (kind === 'answer') {
      res = await fetch(`${engine.url}/v1/answers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.agent}`, 'content-type': 'application/json' },
        body: JSON.stringify({ question: `Quelle est la règle pour ${topic} ?` }),
      });
    } else {
      adminPath = adminPaths[i % adminPaths.length]!;
      res = await fetch(`${engine.url}${adminPath}`, { headers: { authorization: `Bearer ${keys.admin}` } });
    }
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (!res.ok) errors[`${kind} ${res.status}`] = (errors[`${kind} ${res.status}`] ?? 0) + 1;
    else {
      latencies[kind].push(ms);
      if (adminPath) byPath.get(adminPath)!.push(ms);
    }
  };

  console.log(`load: ${clients} clients for ${seconds} s against ${engine.url} (server database)`);
  const end = Date.now() + seconds * 1000;
  let counter = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < end) {
        const i = counter++;
        // 60 % search, 20 % answers, 20 % admin reads
        const kind: Kind = i % 5 < 3 ? 'search' : i % 5 === 3 ? 'answer' : 'admin';
        try {
          await request(kind, i);
        } catch (e) {
          errors[`${kind} ${(e as Error).message}`] = (errors[`${kind} ${(e as Error).message}`] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await engine.stop();

  const all = [...latencies.search, ...latencies.answer, ...latencies.admin].sort((a, b) => a - b);
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const row = (name: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${name.padEnd(8)} n=${String(s.length).padStart(6)}  p50=${percentile(s, 50).toFixed(1)} ms  p95=${percentile(s, 95).toFixed(1)} ms  p99=${percentile(s, 99).toFixed(1)} ms`;
  };
  console.log(`throughput: ${(all.length / elapsed).toFixed(1)} requests/s over ${elapsed.toFixed(1)} s`);
  for (const k of kinds) console.log(row(k, latencies[k]));
  for (const [p, xs] of byPath) console.log(`  ${row(p.replace(/\?.*/, ''), xs)}`);
  console.log(row('all', all));
  console.log(`errors: ${errorCount}${errorCount ? ` ${JSON.stringify(errors)}` : ''}`);
  console.log(`target: zero errors, p99 < 500 ms → ${errorCount === 0 && percentile(all, 99) < 500 ? 'met' : 'NOT met'}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
