/**
 * Text the CLI prints that it did not write — titles, URLs, headings and quotes of crawled pages, file
 * names, answers, the engine's messages — made harmless for a terminal: a page titled `\u001b[2J…` would
 * clear the screen, a carriage return would print over what came before, `\u001b]0;…\u0007` would set the
 * window title, a bidi override would show a link's characters in another order than they are. Control
 * characters are shown as escapes instead (`\x1b`); `--json` output is JSON, whose readers decode it.
 */

/** C0 and C1 controls and DEL, which a terminal acts on rather than shows. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
/** The same but the line feed, for text that keeps its lines (an answer). */
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
/** Bidi embeddings, overrides and isolates: they reorder what a line shows. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16)}`;
};

/** One line of foreign text: whitespace controls become spaces, other controls and bidi controls escapes. */
export function terminalLine(text: string): string {
  return text.replace(/[\t\n\r\v\f]/g, ' ').replace(CONTROLS, escape).replace(BIDI, escape);
}

/** Foreign text that keeps its line breaks (an answer, a message); a tab stays a tab. */
export function terminalText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROLS_BUT_NEWLINE, (c) => (c === '\t' ? c : escape(c))).replace(BIDI, escape);
}
