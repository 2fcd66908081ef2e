import { describe, expect, it } from 'vitest';
import { needsRendering } from './needs-rendering.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `mot${i}`).join(' ');

describe('auto render mode: does the static page need a browser?', () => {
  it('renders a script shell without text, not a page that shows its text or loads no script', () => {
    const shell = `<!doctype html><html><head><title>App</title><script src="/app.js"></script></head><body><div id="root"></div><noscript>Activez JavaScript pour lire ${words(80)}</noscript></body></html>`;
    expect(needsRendering(shell)).toBe(true);
    const article = `<html><body><script>var x = 1;</script><main><h1>Congés payés</h1><p>${words(60)}</p></main></body></html>`;
    expect(needsRendering(article)).toBe(false);
    expect(needsRendering(`<html><body><div id="root"></div></body></html>`)).toBe(false);
    // what scripts, styles and markup hold is not text; character references count as a space
    const hidden = `<html><body><SCRIPT type="module">${words(200)}</SCRIPT><style>p { color: red } ${words(200)}</style><p>${'&nbsp;'.repeat(300)}</p><a href="${'x'.repeat(500)}">lien</a></body></html>`;
    expect(needsRendering(hidden)).toBe(true);
    // text outside the body element is not shown
    expect(needsRendering(`<html><head><script></script><title>${words(100)}</title></head><body>court</body></html>`)).toBe(true);
  });

  it('reads a hostile page of unclosed tags in one pass (the site writes it)', () => {
    // 40,000 unclosed <script took 1.8 s when tried from every opening tag; these are 7 MB and more
    const started = performance.now();
    expect(needsRendering(`<body><script>x</script>${'<script'.repeat(1_000_000)}</body>`)).toBe(true);
    expect(needsRendering(`<body><script>x</script>${'<a'.repeat(1_000_000)} ${words(100)}`)).toBe(false);
    expect(needsRendering(`${'<body'.repeat(1_000_000)}<script>`)).toBe(true);
    expect(needsRendering(`<body><script></script>${'&amp'.repeat(1_000_000)}`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
