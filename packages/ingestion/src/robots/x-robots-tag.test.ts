import { describe, expect, it } from 'vitest';
import { parseXRobotsTag } from './x-robots-tag.js';

const UA = 'CiteBot/0.1 (+https://example.org)';

describe('parseXRobotsTag', () => {
  it('reads noindex, nofollow and none, whatever their case and spacing', () => {
    expect(parseXRobotsTag([], UA)).toEqual({ noindex: false, nofollow: false });
    expect(parseXRobotsTag(['noindex'], UA)).toEqual({ noindex: true, nofollow: false });
    expect(parseXRobotsTag([' NoFollow , noarchive'], UA)).toEqual({ noindex: false, nofollow: true });
    expect(parseXRobotsTag(['none'], UA)).toEqual({ noindex: true, nofollow: true });
    expect(parseXRobotsTag(['noarchive', 'noindex'], UA)).toEqual({ noindex: true, nofollow: false });
  });

  it('applies lines naming our agent or none, not those naming another', () => {
    expect(parseXRobotsTag(['citebot: noindex'], UA)).toEqual({ noindex: true, nofollow: false });
    expect(parseXRobotsTag(['googlebot: noindex, nofollow'], UA)).toEqual({ noindex: false, nofollow: false });
    // the agent of one line does not reach the next line
    expect(parseXRobotsTag(['googlebot: noindex', 'nofollow'], UA)).toEqual({ noindex: false, nofollow: true });
    // within a line, directives follow the last agent named
    expect(parseXRobotsTag(['googlebot: noindex, CiteBot: nofollow'], UA)).toEqual({ noindex: false, nofollow: true });
  });

  it('does not take a directive with a value for an agent', () => {
    expect(parseXRobotsTag(['max-snippet: 20, noindex'], UA)).toEqual({ noindex: true, nofollow: false });
    expect(parseXRobotsTag(['unavailable_after: 2030-01-01, nofollow'], UA)).toEqual({ noindex: false, nofollow: true });
  });
});
