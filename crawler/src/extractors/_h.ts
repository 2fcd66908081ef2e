import { load } from 'cheerio';
import { extractHtml } from './html.js';
const nav = Array.from({ length: 150 }, (_, i) => `<li class="fr-nav__item"><a class="fr-nav__link" href="/rubrique/${i}">Rubrique numéro ${i}</a></li>`).join('');
const body = Array.from({ length: 40 }, (_, i) => `<h2 id="s${i}">Section ${i}</h2><p>Le salarié a droit, sous certaines conditions, à un congé de ${i} jours ouvrables. <a href="/lien/${i}">Voir</a> la fiche.</p><ul><li>point a</li><li>point b</li></ul>`).join('');
const page = `<!doctype html><html lang="fr"><head><title>T</title>${'<meta name="x" content="y">'.repeat(30)}<script>${'var a=1;'.repeat(2000)}</script></head><body><header class="fr-header"><nav><ul>${nav}</ul></nav></header><main id="main"><h1>Titre</h1>${body}<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table></main><footer class="fr-footer">${nav}</footer></body></html>`;
const buf = Buffer.from(page);
console.log('page KB', Math.round(buf.length / 1024));
for (let k = 0; k < 2; k++) {
  let c0 = process.cpuUsage(); let t0 = Date.now();
  for (let i = 0; i < 500; i++) extractHtml({ body: buf, url: 'https://ex.gouv.fr/p' });
  let cpu = process.cpuUsage(c0); console.log('extractHtml x500 wall', Date.now() - t0, 'cpu', Math.round((cpu.user + cpu.system) / 1000));
  c0 = process.cpuUsage(); t0 = Date.now();
  for (let i = 0; i < 500; i++) { const $ = load(buf.toString(), { xml: { xmlMode: false } }); $('a[href]').each((_, a) => { new URL((a as any).attribs.href, 'https://ex.gouv.fr/p'); }); }
  cpu = process.cpuUsage(c0); console.log('cheerio load+links x500 wall', Date.now() - t0, 'cpu', Math.round((cpu.user + cpu.system) / 1000));
}
