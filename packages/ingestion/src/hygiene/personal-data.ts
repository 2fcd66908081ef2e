/**
 * Masking of personal data in indexed text, so that pages leaking it are not served back in answers.
 * Four kinds: French phone numbers, e-mail addresses, NIR (social security numbers, checked with their
 * 2-digit key) and IBAN (checked with ISO 13616 mod-97 and the country's length). Numbers carrying a
 * checksum are masked only when the checksum holds: article numbers, dates, SIRET or amounts that merely
 * look like them stay as they are.
 */

export type PersonalDataKind = 'phone' | 'email' | 'nir' | 'iban';

export interface PersonalDataMatch {
  kind: PersonalDataKind;
  start: number;
  end: number;
  value: string;
}

/** What replaces each kind in stored text (French: the corpus and the users are French). */
export const MASKS: Record<PersonalDataKind, string> = {
  phone: '[téléphone masqué]',
  email: '[courriel masqué]',
  nir: '[NIR masqué]',
  iban: '[IBAN masqué]',
};

const EMAIL = /(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;

// 0X XX XX XX XX with one separator kind (space, dot, dash, none), or +33 / 0033 followed by 9 digits
// (optionally "(0)"). Digits, '+' or a separator-and-digit right before or after mean a longer number.
const PHONE =
  /(?<![\d+])(?<![\d][ .-])(?:(?:\+|00)33[ .-]?(?:\(0\)[ .-]?)?[1-9](?:[ .-]?\d{2}){4}|0[1-9](?:([ .-]?)\d{2})(?:\1\d{2}){3})(?!\d)(?![ .-]\d)/g;

// Sex (1, 2; 3, 4, 7, 8 for provisional numbers), year, month (01-12, 20-42 and 50-99 for unknown
// months), department (2 digits, or 2A/2B for Corsica), commune, order number, key; spaces allowed between groups.
const NIR =
  /(?<![\dA-Za-z])([1-478]) ?(\d{2}) ?(0[1-9]|1[0-2]|[2-35-9]\d|4[0-2]) ?(\d{2}|2[AaBb]) ?(\d{3}) ?(\d{3}) ?(\d{2})(?![\dA-Za-z])/g;

/** IBAN lengths (ISO 13616 registry) for the countries an IBAN in a French page is likely to come from. */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27,
  GB: 22, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31,
  NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, MA: 28, TN: 24, DZ: 26, SN: 28,
  CI: 28, CM: 27, MG: 27, BJ: 28, BF: 28, ML: 28, NE: 28, TG: 28, GA: 27, CG: 27, TD: 27, CF: 27, GQ: 27,
  NC: 27, PF: 27, PM: 27, RE: 27, GP: 27, MQ: 27, GF: 27, YT: 27, BL: 27, MF: 27, WF: 27, TF: 27,
};
const IBAN_START = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?=[ ]?[A-Za-z0-9])/g;

/** Remainder of a long decimal string modulo 97, without big integers. */
function mod97(digits: string): number {
  let r = 0;
  for (let i = 0; i < digits.length; i += 7) r = Number(String(r) + digits.slice(i, i + 7)) % 97;
  return r;
}

export function isValidIban(iban: string): boolean {
  const compact = iban.replace(/[ ]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const expected = IBAN_LENGTHS[compact.slice(0, 2)];
  if (expected !== undefined && compact.length !== expected) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  const digits = rearranged.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return mod97(digits) === 1;
}

/** NIR key: 97 − (13-digit number mod 97); Corsica's 2A and 2B count as 19 and 18. */
export function isValidNir(nir: string): boolean {
  const compact = nir.replace(/ /g, '').toUpperCase();
  if (!/^[1-478]\d{4}(\d{2}|2A|2B)\d{8}$/.test(compact)) return false;
  const body = compact.slice(0, 13).replace('2A', '19').replace('2B', '18');
  const key = Number(compact.slice(13));
  return key >= 1 && key <= 97 && 97 - mod97(body) === key;
}

function findIbans(text: string): PersonalDataMatch[] {
  const out: PersonalDataMatch[] = [];
  IBAN_START.lastIndex = 0;
  for (let m = IBAN_START.exec(text); m; m = IBAN_START.exec(text)) {
    const start = m.index;
    // Walk forward over letters/digits with single spaces between groups; remember where each
    // compact length ends so the country's exact length can be cut out of "… 189 Paris".
    const ends: number[] = [];
    let compact = '';
    let i = start;
    while (i < text.length && compact.length < 34) {
      const c = text[i]!;
      if (/[A-Za-z0-9]/.test(c)) {
        compact += c.toUpperCase();
        i++;
        ends[compact.length] = i;
      } else if (c === ' ' && i + 1 < text.length && /[A-Za-z0-9]/.test(text[i + 1]!) && compact.length >= 4) {
        i++;
      } else break;
    }
    const country = compact.slice(0, 2);
    const lengths = IBAN_LENGTHS[country] !== undefined ? [IBAN_LENGTHS[country]!] : range(34, 15);
    for (const len of lengths) {
      const end = ends[len];
      if (end === undefined) continue;
      // The IBAN must end where a word ends, not in the middle of a longer token.
      if (end < text.length && /[A-Za-z0-9]/.test(text[end]!)) continue;
      if (isValidIban(compact.slice(0, len))) {
        out.push({ kind: 'iban', start, end, value: text.slice(start, end) });
        IBAN_START.lastIndex = end;
        break;
      }
    }
  }
  return out;
}

function range(from: number, to: number): number[] {
  const r: number[] = [];
  for (let n = from; n >= to; n--) r.push(n);
  return r;
}

function findAll(re: RegExp, text: string, kind: PersonalDataKind, valid: (s: string) => boolean = () => true): PersonalDataMatch[] {
  const out: PersonalDataMatch[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (valid(m[0])) out.push({ kind, start: m.index, end: m.index + m[0].length, value: m[0] });
  }
  return out;
}

/** Every span each kind's pattern finds in `text`, overlapping spans of other kinds included. */
export function personalDataCandidates(text: string): PersonalDataMatch[] {
  return [...findIbans(text), ...findAll(NIR, text, 'nir', isValidNir), ...findAll(EMAIL, text, 'email'), ...findAll(PHONE, text, 'phone')];
}

/**
 * Every personal-data span in `text`, in order, without overlaps. Checksummed kinds win over phone
 * numbers when spans overlap (a NIR or IBAN may contain a run of digits shaped like a phone number).
 */
export function findPersonalData(text: string): PersonalDataMatch[] {
  const candidates = personalDataCandidates(text);
  const priority: Record<PersonalDataKind, number> = { iban: 0, nir: 1, email: 2, phone: 3 };
  candidates.sort((a, b) => priority[a.kind] - priority[b.kind] || a.start - b.start);
  // Kind by kind, in order of priority, each candidate against the spans kept so far (sorted by start, never
  // overlapping): one sweep a kind. Checking each candidate against every kept span was quadratic: 30,000
  // phone numbers took 0.58 s, the 900,000 a 27 MB page can hold would have held the thread for minutes.
  let kept: PersonalDataMatch[] = [];
  for (let from = 0; from < candidates.length; ) {
    let to = from;
    while (to < candidates.length && candidates[to]!.kind === candidates[from]!.kind) to++;
    const accepted: PersonalDataMatch[] = [];
    let j = 0;
    for (let i = from; i < to; i++) {
      const c = candidates[i]!;
      while (j < kept.length && kept[j]!.end <= c.start) j++;
      const last = accepted[accepted.length - 1];
      if ((j < kept.length && kept[j]!.start < c.end) || (last && c.start < last.end)) continue;
      accepted.push(c);
    }
    kept = mergeByStart(kept, accepted);
    from = to;
  }
  return kept;
}

/** Two lists sorted by start, as one. */
function mergeByStart(a: PersonalDataMatch[], b: PersonalDataMatch[]): PersonalDataMatch[] {
  if (b.length === 0) return a;
  const out: PersonalDataMatch[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i]!.start <= b[j]!.start) ? a[i++]! : b[j++]!);
  return out;
}

export interface MaskResult {
  text: string;
  counts: Record<PersonalDataKind, number>;
}

export function maskPersonalDataWithCounts(text: string): MaskResult {
  const counts: Record<PersonalDataKind, number> = { phone: 0, email: 0, nir: 0, iban: 0 };
  const matches = findPersonalData(text);
  if (!matches.length) return { text, counts };
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + MASKS[m.kind];
    at = m.end;
    counts[m.kind]++;
  }
  return { text: out + text.slice(at), counts };
}

/** The ingestion hook: chunk text of a source with `mask_personal_data` goes through this before storage. */
export function maskPersonalData(text: string): string {
  return maskPersonalDataWithCounts(text).text;
}
