/**
 * A small French public-service site on loopback for the crawler to index: a home page linking
 * to three fiches with headings and anchors, robots.txt and a sitemap.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const PAGES: Record<string, { title: string; body: string }> = {
  '/conges-payes': {
    title: 'Congés payés du salarié',
    body: `<h1>Congés payés du salarié</h1>
<p>Tout salarié a droit chaque année à des congés payés à la charge de l'employeur.</p>
<h2 id="duree">Durée des congés</h2>
<p>Le salarié acquiert 2,5 jours ouvrables de congés payés par mois de travail effectif chez le même employeur, soit 30 jours ouvrables par an.</p>
<h2 id="prise">Prise des congés</h2>
<p>La période de prise des congés payés comprend obligatoirement la période du 1er mai au 31 octobre de chaque année.</p>`,
  },
  '/preavis-demission': {
    title: 'Préavis de démission',
    body: `<h1>Préavis de démission</h1>
<p>Le salarié qui démissionne doit respecter un préavis, sauf dispense accordée par l'employeur.</p>
<h2 id="duree-preavis">Durée du préavis</h2>
<p>La durée du préavis de démission est fixée par la convention collective, le contrat de travail ou les usages de la profession.</p>`,
  },
  '/periode-essai': {
    title: "Période d'essai",
    body: `<h1>Période d'essai</h1>
<p>La période d'essai permet à l'employeur d'évaluer les compétences du salarié dans son travail.</p>
<h2 id="duree-essai">Durée maximale</h2>
<p>Pour un contrat à durée indéterminée, la période d'essai d'un ouvrier ou d'un employé dure au maximum 2 mois.</p>`,
  },
};

function page(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head>
<body><header><nav><a href="/">Accueil</a></nav></header><main>${body}</main><footer>Site de test Cité</footer></body></html>`;
}

export interface TestSite {
  url: string;
  close(): Promise<void>;
}

export async function startTestSite(): Promise<TestSite> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const base = `http://${req.headers.host}`;
    if (path === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`User-agent: *\nAllow: /\nSitemap: ${base}/sitemap.xml\n`);
      return;
    }
    if (path === '/sitemap.xml') {
      const urls = Object.keys(PAGES).map((p) => `<url><loc>${base}${p}</loc></url>`).join('');
      res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`);
      return;
    }
    if (path === '/') {
      const links = Object.entries(PAGES).map(([p, v]) => `<li><a href="${p}">${v.title}</a></li>`).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('Droits des salariés', `<h1>Droits des salariés</h1><p>Fiches pratiques sur le droit du travail.</p><ul>${links}</ul>`));
      return;
    }
    const p = PAGES[path];
    if (!p) {
      res.writeHead(404, { 'content-type': 'text/html' }).end(page('Introuvable', '<h1>Page introuvable</h1>'));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'last-modified': 'Mon, 02 Nov 2026 10:00:00 GMT' }).end(page(p.title, p.body));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
