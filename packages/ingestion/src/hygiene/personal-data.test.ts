import { describe, expect, it } from 'vitest';
import { findPersonalData, isValidIban, isValidNir, MASKS, maskPersonalData, maskPersonalDataWithCounts, personalDataCandidates } from './personal-data.js';

// Check digits computed here with BigInt, independently of the module's chunked mod-97.
function ibanFor(country: string, bban: string): string {
  const digits = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  const check = String(98n - (BigInt(digits) % 97n)).padStart(2, '0');
  return country + check + bban;
}
function nirFor(body13: string): string {
  const n = BigInt(body13.replace('2A', '19').replace('2B', '18'));
  return body13 + String(97n - (n % 97n)).padStart(2, '0');
}
const grouped = (s: string) => s.replace(/(.{4})(?=.)/g, '$1 ');

describe('personal data masking', () => {
  it('validates checksums the way banks and INSEE do', () => {
    expect(isValidIban('FR76 3000 6000 0112 3456 7890 189')).toBe(true);
    expect(isValidIban('GB29 NWBK 6016 1331 9268 19')).toBe(true);
    expect(isValidIban('FR76 3000 6000 0112 3456 7890 188')).toBe(false);
    expect(isValidIban('FR76 3000 6000 0112 3456 7890 18')).toBe(false); // wrong length for FR
    const nir = nirFor('1850578006084');
    expect(isValidNir(nir)).toBe(true);
    expect(isValidNir(nir.slice(0, 13) + '00')).toBe(false);
    expect(isValidNir(nirFor('290062A012345'))).toBe(true); // Corsica
  });

  it('masks a page full of phone numbers, IBANs, e-mails and NIRs', () => {
    const ibans = [ibanFor('FR', '30006000011234567890189'), ibanFor('FR', '20041010050500013M02606'), ibanFor('DE', '370400440532013000'), ibanFor('BE', '539007547034')];
    const nirs = [nirFor('1850578006084'), nirFor('2690375123456'), nirFor('1770799123007')];
    const phones = ['01 23 45 67 89', '06.12.34.56.78', '07-98-76-54-32', '0412345678', '+33 6 12 34 56 78', '+33 (0)1 40 15 00 00', '0033 5 56 00 11 22', '+33612345678'];
    const emails = ['jean.dupont@mairie-exemple.fr', 'contact+rh@service.gouv.fr', 'marie_curie2@sub.domaine.org'];
    const lines = [
      '<h1>Annuaire du service</h1>',
      ...phones.map((p, i) => `Agent ${i} : tél. ${p}, poste direct.`),
      ...ibans.map((iban, i) => `Virement n°${i} sur le compte ${i % 2 ? iban : grouped(iban)} avant le 31/12.`),
      ...nirs.map((n, i) => `Assuré ${i} — n° de sécurité sociale ${i === 1 ? n : `${n[0]} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7, 10)} ${n.slice(10, 13)} ${n.slice(13)}`}.`),
      ...emails.map((e) => `Écrire à ${e}.`),
    ];
    const page = lines.join('\n');
    const { text, counts } = maskPersonalDataWithCounts(page);
    expect(counts).toEqual({ phone: phones.length, iban: ibans.length, nir: nirs.length, email: emails.length });
    for (const p of phones) expect(text).not.toContain(p);
    for (const iban of ibans) {
      expect(text).not.toContain(iban);
      expect(text).not.toContain(grouped(iban));
    }
    for (const n of nirs) expect(text).not.toContain(n.slice(5, 13));
    for (const e of emails) expect(text).not.toContain(e);
    // the text around stays, so the page is still useful
    expect(text).toContain('Annuaire du service');
    expect(text).toContain(`Agent 0 : tél. ${MASKS.phone}, poste direct.`);
    expect(text).toContain(`sur le compte ${MASKS.iban} avant le 31/12.`);
    expect(text).toContain(`n° de sécurité sociale ${MASKS.nir}.`);
    expect(text).toContain(`Écrire à ${MASKS.email}.`);
  });

  it('cuts an IBAN at its country length when a word follows', () => {
    const iban = grouped(ibanFor('FR', '30006000011234567890189'));
    expect(maskPersonalData(`RIB : ${iban} BNP Paribas`)).toBe(`RIB : ${MASKS.iban} BNP Paribas`);
  });

  it('leaves look-alikes that fail checksums or shapes alone', () => {
    const invalidIban = 'FR76 3000 6000 0112 3456 7890 188';
    const nir = nirFor('1850578006084');
    const badKeyNir = nir.slice(0, 13) + String((Number(nir.slice(13)) % 97) + 1).padStart(2, '0');
    const text = [
      "Article L. 1234-5 du Code du travail, modifié par l'article R. 4624-10.",
      'Décret n° 2019-1234 du 12.03.2024, JORF n°0123 du 28/05/2023.',
      `Le montant est de 1 234 567,89 € ; SIRET 123 456 789 00012 ; SIREN 552100554.`,
      `Référence ${invalidIban} (erronée).`,
      `Numéro ${badKeyNir} à la clé fausse.`,
      'Code 06 12 34 56 78 90 12 (trop long), 01 23 45 67 (trop court), 3939 Allô Service Public.',
      'Version 2.0.1.2.3, ISBN 978-2-07-036822-8, coordonnées 48.8566, 2.3522.',
      'Adresse de courriel à écrire : prenom@ (incomplète), ou @domaine.fr.',
    ].join('\n');
    expect(findPersonalData(text)).toEqual([]);
    expect(maskPersonalData(text)).toBe(text);
  });

  it('is a no-op on text without personal data and handles empty input', () => {
    expect(maskPersonalData('')).toBe('');
    const plain = 'Le congé de maternité dure 16 semaines (article L1225-17).';
    expect(maskPersonalData(plain)).toBe(plain);
  });

  it('keeps the higher-priority span where candidates overlap, as checking each against every kept span did', () => {
    const iban = ibanFor('FR', '30006000011234567890189');
    const nir = nirFor('1850578006084');
    // pieces whose digits also read as phone numbers, NIRs or parts of an IBAN, in a random order
    const pieces = [iban, grouped(iban), nir, '01 23 45 67 89', '0612345678', 'a.b@c.fr', `${nir}0612`, '06 12 34 56 78 90', 'x', '\n'];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: 30 }, () => pieces[Math.floor(random() * pieces.length)]).join(random() < 0.5 ? ' ' : '');
      expect(findPersonalData(text)).toEqual(referenceSpans(text));
    }
  });

  it('masks a text of 200,000 phone numbers (the overlap check was quadratic: minutes)', () => {
    const text = 'Appelez le 06 12 34 56 78 ou '.repeat(200_000);
    const { counts } = maskPersonalDataWithCounts(text);
    expect(counts.phone).toBe(200_000);
  });
});

/** What findPersonalData returned before its overlap check became one sweep a kind (its definition). */
function referenceSpans(text: string) {
  const priority = { iban: 0, nir: 1, email: 2, phone: 3 } as const;
  const candidates = personalDataCandidates(text);
  candidates.sort((a, b) => priority[a.kind] - priority[b.kind] || a.start - b.start);
  const kept: typeof candidates = [];
  for (const c of candidates) if (!kept.some((k) => c.start < k.end && k.start < c.end)) kept.push(c);
  return kept.sort((a, b) => a.start - b.start);
}
