import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { decodeHtml, extractHtml, extractLinks } from './html.js';

const PAGE = `<!doctype html>
<html lang="fr-FR"><head>
<meta charset="utf-8"><title>Congés payés | Ministère du Travail</title>
<link rel="canonical" href="/droit/conges-payes">
<meta name="description" content="Tout savoir sur les congés payés.">
<meta property="article:modified_time" content="2024-03-01T10:00:00+01:00">
</head><body>
<div class="fr-skiplinks"><a href="#contenu">Aller au contenu</a></div>
<div id="tarteaucitronRoot"><p>Ce site utilise des cookies pour mesurer son audience, acceptez-vous ?</p></div>
<header role="banner"><div class="logo">République française</div>
  <nav><ul><li><a href="/">Accueil</a></li><li><a href="/emploi">Emploi et chômage</a></li></ul></nav></header>
<div class="fr-breadcrumb"><a href="/">Accueil</a> › <a href="/droit">Droit du travail</a></div>
<main id="contenu">
  <nav class="fr-sidemenu"><a href="/droit/a">Autre fiche du menu latéral</a></nav>
  <div class="fr-summary"><p>Sommaire de la page</p><ol><li><a href="#duree">Durée</a></li></ol></div>
  <h1>Congés payés</h1>
  <p>Tout salarié a droit chaque année à des congés payés à la charge de l'employeur.</p>
  <h2 id="duree">Durée des congés</h2>
  <p>Le salarié acquiert <strong>2,5 jours ouvrables</strong> par mois de travail effectif.</p>
  <ul><li>Période de référence : du 1er juin au 31 mai.</li><li>Plafond : 30 jours ouvrables<ul><li>soit 5 semaines</li></ul></li></ul>
  <h3 id="calcul">Calcul</h3>
  <table><thead><tr><th>Mois travaillés</th><th>Jours acquis</th></tr></thead>
    <tbody><tr><td>6</td><td>15</td></tr><tr><td>12</td><td>30</td></tr></tbody></table>
  <h2>Prise des congés</h2>
  <p>L'employeur fixe l'ordre des départs après avis du <abbr title="comité social et économique">CSE</abbr>.</p>
  <aside class="fr-sidebar"><h2>Voir aussi</h2><p>Nos autres fiches sur le temps de travail et les absences.</p></aside>
  <div class="share"><a href="https://twitter.com/share">Partager sur Twitter</a></div>
</main>
<footer><p>Mentions légales – Plan du site – Accessibilité : non conforme</p><a href="https://www.legifrance.gouv.fr/" rel="nofollow">Légifrance</a></footer>
</body></html>`;

const url = 'https://travail.example.gouv.fr/droit/conges?utm=x#top';
const allText = (r: ReturnType<typeof extractHtml>) => r.document.sections.flatMap((s) => s.blocks.map((b) => b.text)).join('\n');

describe('extractHtml', () => {
  const r = extractHtml({ body: Buffer.from(PAGE), url });

  it('keeps the main content and drops navigation, header, footer, sidebars, cookie banners and skip links', () => {
    const text = allText(r);
    expect(text).toContain("Tout salarié a droit chaque année");
    expect(text).toContain("L'employeur fixe l'ordre des départs");
    for (const noise of ['Aller au contenu', 'cookies', 'Emploi et chômage', 'République française', 'Droit du travail', 'Mentions légales', 'Nos autres fiches', 'Partager sur Twitter', 'menu latéral', 'Sommaire'])
      expect(text).not.toContain(noise);
  });

  it('turns h1–h6 into heading paths, with anchors as locators', () => {
    const find = (t: string) => r.document.sections.find((s) => s.blocks.some((b) => b.text.includes(t)));
    expect(find('Tout salarié')?.headingPath).toEqual(['Congés payés']);
    expect(find('2,5 jours')?.headingPath).toEqual(['Congés payés', 'Durée des congés']);
    expect(find('Jours acquis')?.headingPath).toEqual(['Congés payés', 'Durée des congés', 'Calcul']);
    expect(find("l'ordre des départs")?.headingPath).toEqual(['Congés payés', 'Prise des congés']);
    expect(find('2,5 jours')?.blocks[0].locator?.anchor).toBe('duree');
    expect(find('Jours acquis')?.blocks[0].locator?.anchor).toBe('calcul');
  });

  it('records the nearest heading anchor only: ids on headings, their section or a named anchor, not on other elements (issue 19)', () => {
    const page = `<html><body><main>
      <h1>Urbanisme</h1><div id="widget-meteo"><p>Introduction générale au droit des sols.</p></div>
      <section id="permis"><h2>Permis de construire</h2><p>Le permis de construire est exigé.</p></section>
      <h2>Déclaration préalable</h2><p id="p12">La déclaration suffit pour les petits travaux.</p>
      <div id="demolir"><h2>Permis de démolir</h2><p>Le permis de démolir protège le patrimoine.</p></div>
      <a name="art4"></a><h3>Article 4</h3><p>Texte de l'article quatre.</p>
      <h2><a id="recours" href="#recours">Recours</a></h2><p>Le recours gracieux est possible.</p>
    </main></body></html>`;
    const blocks = extractHtml({ body: Buffer.from(page), url: 'https://mairie.example/urbanisme' }).document.sections.flatMap((s) => s.blocks);
    const anchorOf = (t: string) => blocks.find((b) => b.text.includes(t))?.locator?.anchor;
    expect(anchorOf('Introduction générale')).toBeUndefined();
    expect(anchorOf('permis de construire est')).toBe('permis');
    expect(anchorOf('La déclaration suffit')).toBeUndefined(); // its heading has no id: not the previous section's
    expect(anchorOf('patrimoine')).toBe('demolir');
    expect(anchorOf("l'article quatre")).toBe('art4');
    expect(anchorOf('recours gracieux')).toBe('recours');
  });

  it('writes tables as Markdown tables and list items as "- item"', () => {
    const blocks = r.document.sections.flatMap((s) => s.blocks);
    expect(blocks.find((b) => b.kind === 'table')?.text).toBe('| Mois travaillés | Jours acquis |\n| --- | --- |\n| 6 | 15 |\n| 12 | 30 |');
    const items = blocks.filter((b) => b.kind === 'list-item').map((b) => b.text);
    expect(items).toEqual(['- Période de référence : du 1er juin au 31 mai.', '- Plafond : 30 jours ouvrables', '  - soit 5 semaines']);
  });

  it('uses rel=canonical as URL and reads title, lang, description, dates', () => {
    expect(r.document.url).toBe('https://travail.example.gouv.fr/droit/conges-payes');
    expect(r.document.title).toBe('Congés payés');
    expect(r.document.metadata.htmlTitle).toBe('Congés payés | Ministère du Travail');
    expect(r.document.lang).toBe('fr');
    expect(r.document.description).toBe('Tout savoir sur les congés payés.');
    expect(r.document.modifiedAt).toBe('2024-03-01T09:00:00.000Z');
    expect(r.document.format).toBe('html');
    expect(r.document.metadata.abbreviations).toEqual([{ acronym: 'CSE', expansion: 'comité social et économique' }]);
  });

  it('returns every link of the page, absolute, without fragments, with nofollow', () => {
    const byUrl = new Map(r.links.map((l) => [l.url, l]));
    expect(byUrl.get('https://travail.example.gouv.fr/emploi')?.text).toBe('Emploi et chômage');
    expect(byUrl.get('https://www.legifrance.gouv.fr/')?.nofollow).toBe(true);
    expect(byUrl.get('https://travail.example.gouv.fr/')?.nofollow).toBe(false);
    expect(r.links.every((l) => !l.url.includes('#'))).toBe(true);
    expect(extractLinks({ body: PAGE, url }).length).toBe(r.links.length);
  });

  it('without a canonical, the URL is the fetched one minus its fragment; lang from the html element', () => {
    const d = extractHtml({ body: '<html lang="en"><body><main><h1>Hello</h1><p>Some English text here.</p></main></body></html>', url }).document;
    expect(d.url).toBe('https://travail.example.gouv.fr/droit/conges?utm=x');
    expect(d.lang).toBe('en');
  });

  it('honours <base href> and meta robots', () => {
    const res = extractHtml({
      body: '<html><head><base href="https://autre.gouv.fr/dossier/"><meta name="robots" content="noindex, nofollow"></head><body><p>Texte <a href="page.html">lien</a></p></body></html>',
      url,
    });
    expect(res.links[0]).toEqual({ url: 'https://autre.gouv.fr/dossier/page.html', text: 'lien', nofollow: true });
    expect(res.robots).toEqual({ noindex: true, nofollow: true });
  });

  it('finds the content of a page without semantic markup by paragraph density', () => {
    const para = (n: number) => `<p>Paragraphe ${n} du contenu principal, avec des virgules, des détails, et assez de texte pour compter comme un vrai paragraphe.</p>`;
    const html = `<html><body><div id="top"><a href="/">Accueil</a> <a href="/a">Actualités</a> <a href="/b">Contact</a></div>
      <div class="wrapper"><div class="left"><a href="/x">Lien un</a><br><a href="/y">Lien deux</a></div>
      <div class="texte">${[1, 2, 3, 4, 5].map(para).join('')}</div></div>
      <div class="bas">Copyright 2024 Mairie de Quelquepart, tous droits réservés</div></body></html>`;
    const text = allText(extractHtml({ body: html, url }));
    expect(text).toContain('Paragraphe 1 du contenu');
    expect(text).toContain('Paragraphe 5 du contenu');
    expect(text).not.toContain('Actualités');
    expect(text).not.toContain('Copyright');
  });
});

describe('decodeHtml (charsets)', () => {
  const french = 'Délégués syndicaux : élection, protection et indemnités – l’employeur';
  const page = (meta: string) => `<html><head>${meta}<title>t</title></head><body><main><h1>Titre</h1><p>${french}</p></main></body></html>`;

  it('decodes Latin-1 bytes declared by <meta charset> without a charset header', () => {
    const bytes = iconv.encode(page('<meta charset="iso-8859-1">'), 'windows-1252');
    const r = extractHtml({ body: bytes, url, contentType: 'text/html' });
    expect(allText(r)).toContain(french);
  });

  it('decodes Latin-1 bytes declared by http-equiv', () => {
    const bytes = iconv.encode(page('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'), 'windows-1252');
    expect(decodeHtml(bytes)).toContain(french);
  });

  it('decodes Latin-1 bytes with no declaration at all (not valid UTF-8 → windows-1252)', () => {
    const bytes = iconv.encode(page(''), 'windows-1252');
    expect(allText(extractHtml({ body: bytes, url }))).toContain(french);
  });

  it('the Content-Type header charset wins over <meta>', () => {
    const bytes = iconv.encode(page('<meta charset="utf-8">'), 'windows-1252');
    expect(decodeHtml(bytes, 'text/html; charset=ISO-8859-1')).toContain(french);
  });

  it('keeps the accents of Latin-1 bytes declared UTF-8, by the header or by <meta>', () => {
    const bytes = iconv.encode(page('<meta charset="utf-8">'), 'windows-1252');
    expect(decodeHtml(bytes, 'text/html; charset=utf-8')).toContain(french);
    expect(allText(extractHtml({ body: bytes, url, contentType: 'text/html' }))).toContain(french);
    expect(decodeHtml(bytes, 'text/html; charset=UTF-8')).not.toContain('\uFFFD');
  });

  it('reads a UTF-8 page with one pasted Latin-1 paragraph: both halves keep their accents', () => {
    const bytes = Buffer.concat([
      Buffer.from('<html><head><meta charset="utf-8"></head><body><main><p>Congés payés – « été »</p><p>'),
      iconv.encode(french, 'windows-1252'),
      Buffer.from('</p></main></body></html>'),
    ]);
    const text = decodeHtml(bytes, 'text/html; charset=utf-8');
    expect(text).toContain('Congés payés – « été »');
    expect(text).toContain(french);
  });

  it('reads UTF-16 without a BOM when the Content-Type names it, not when only <meta> does', () => {
    expect(decodeHtml(iconv.encode(page(''), 'utf-16le'), 'text/html; charset=utf-16')).toContain(french);
    expect(decodeHtml(iconv.encode(page(''), 'utf-16be'), 'text/html; charset=utf-16be')).toContain(french);
    // the <meta> that says UTF-16 was itself read as ASCII: not believed
    expect(decodeHtml(Buffer.from(page('<meta charset="utf-16">')))).toContain(french);
  });

  it('reads UTF-8 with and without BOM', () => {
    expect(decodeHtml(Buffer.from(page('')))).toContain(french);
    expect(decodeHtml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page(''))]))).toContain(french);
  });
});

describe('extractHtml on fragments', () => {
  it('treats HTML without <html>/<body> as all content (no boilerplate removal)', () => {
    const d = extractHtml({ body: '<h1>Titre</h1><header><p>Intro dans un header</p></header><p>Suite.</p>', url }, { fragment: true }).document;
    expect(allText({ document: d, links: [], robots: { noindex: false, nofollow: false } })).toContain('Intro dans un header');
  });

  it('an empty page gives no sections', () => {
    expect(extractHtml({ body: '<html><body><nav><a href="/">x</a></nav></body></html>', url }).document.sections).toEqual([]);
  });
});

describe('extractHtml on layout tables', () => {
  it('reads a page laid out with nested tables as text, and keeps real data tables as Markdown', () => {
    const html = `<html><body><table><tr><td><a href="/">Accueil</a></td><td>
      <h1>Horaires de la mairie</h1><p>La mairie est ouverte du lundi au vendredi, sauf jours fériés.</p>
      <table><tr><th>Jour</th><th>Heures</th></tr><tr><td>Lundi</td><td>9h-12h</td></tr></table>
    </td></tr></table></body></html>`;
    const d = extractHtml({ body: html, url: 'https://mairie.example.fr/horaires' }).document;
    const blocks = d.sections.flatMap((s) => s.blocks);
    expect(d.title).toBe('Horaires de la mairie');
    expect(blocks.find((b) => b.text.startsWith('La mairie'))?.kind).toBe('paragraph');
    expect(blocks.filter((b) => b.kind === 'table').map((b) => b.text)).toEqual(['| Jour | Heures |\n| --- | --- |\n| Lundi | 9h-12h |']);
  });
});

describe('extractHtml on hostile nesting', () => {
  it('refuses a page nesting elements past the stack with DOCUMENT_TOO_DEEP', () => {
    const deep = `<html><body><main>${'<div>'.repeat(200_000)}texte${'</div>'.repeat(200_000)}</main></body></html>`;
    expect(() => extractHtml({ body: deep, url: 'https://x.example.fr/' })).toThrow(expect.objectContaining({ code: 'DOCUMENT_TOO_DEEP' }));
  });

  it('checks the nesting of a page of unclosed tags in one pass, and counts tags as before', () => {
    // one expression tried from every '<' took 0.9 s for 40,000 unclosed `<a ` (120 kB) and 0.27 s for a
    // 40,000-letter tag name left open (its name and attributes traded letters); this name is 2 MB
    const started = performance.now();
    const unclosed = `<html><body><main><h1>Titre</h1><p>Le texte de la page.</p></main><x${'y'.repeat(2_000_000)}`;
    expect(extractHtml({ body: unclosed, url: 'https://x.example.fr/' }).document.sections.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(5_000);
    // void and end-tag-optional elements do not nest; a '<' inside a tag belongs to it
    const flat = `<html><body>${'<br><p>x<img src="a<b"><span>y</span>'.repeat(5_000)}<main><p>Le texte.</p></main></body></html>`;
    expect(extractHtml({ body: flat, url: 'https://x.example.fr/' }).document.sections.length).toBeGreaterThan(0);
    const deep = `<html><body>${'<div class="a<b">'.repeat(2_001)}texte</body></html>`;
    expect(() => extractHtml({ body: deep, url: 'https://x.example.fr/' })).toThrow(expect.objectContaining({ code: 'DOCUMENT_TOO_DEEP' }));
  });

  it('refuses a page of more than 1,000,000 nodes of any kind before parsing it, and skips what comments and scripts hold', () => {
    const page = (s: string) => `<html><body><main><h1>Titre</h1><p>Le texte de la page.</p>${s}</main></body></html>`;
    const many = 1_000_001;
    const hostile = {
      elements: '<i>x</i>'.repeat(many),
      instructions: '<?a>'.repeat(many),
      comments: 'x<!---->'.repeat(many),
      attributes: `<p ${Array.from({ length: many }, (_, i) => `a${i}`).join(' ')}>x</p>`,
      'attributes after a quoted ">"': `<p title="a > b" ${Array.from({ length: many }, (_, i) => `a${i}`).join(' ')}>x</p>`,
      // htmlparser2 ends an instruction at its first '>', quoted or not, and closes `<!-->` at once
      'elements after an instruction': `<?a b="${'<i>x</i>'.repeat(many)}">`,
      'elements after a short comment': `<!-->${'<i>x</i>'.repeat(many)}-->`,
      // a quote opens a value only right after '=' and white space: the parser reads these as markup
      'elements after a value starting with "/"': `<a x=/"></a>${'<i>x</i>'.repeat(many)}<b y=">`,
      'elements after a value starting with a control character': `<a x=\u0001"></a>${'<i>x</i>'.repeat(many)}<b y=">`,
      'elements after a quote in a tag name': `<a"x=">${'<i>x</i>'.repeat(many)}<b y=">`,
      'elements after a quote in an end tag': `</a x="${'<i>x</i>'.repeat(many)}">`,
    };
    for (const [what, html] of Object.entries(hostile)) {
      expect(() => extractHtml({ body: page(html), url: 'https://x.example.fr/' }), what).toThrow(expect.objectContaining({ code: 'HTML_TOO_COMPLEX', status: 422 }));
    }
    const quiet = {
      'a comment': `<!-- ${'<p>x</p>'.repeat(many)} -->`,
      'a script': `<script>var s = "${'<p>x</p>'.repeat(many)}";</script>`,
      'a script nesting': `<script>var s = "${'<i>'.repeat(5_000)}";</script>`,
    };
    for (const [what, html] of Object.entries(quiet)) {
      expect(extractHtml({ body: page(html), url: 'https://x.example.fr/' }).document.title, what).toBe('Titre');
    }
  });
});
