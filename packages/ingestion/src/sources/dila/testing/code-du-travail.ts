/**
 * The fixtures' law: a few articles of the Code du travail (one with two versions, one abrogated), an
 * article of another law, and two articles of a collective agreement (IDCC 1486), as DILA dumps hold them.
 */
import type { FixtureArticle, FixtureSection } from './dila-fixture.js';

export const CODE_DU_TRAVAIL = { id: 'LEGITEXT000006072050', title: 'Code du travail', nature: 'CODE' };
export const LOI = { id: 'LEGITEXT000037367660', title: 'LOI n° 2018-771 du 5 septembre 2018 pour la liberté de choisir son avenir professionnel', nature: 'LOI' };

const chapitre: FixtureSection[] = [
  { id: 'LEGISCTA000006113758', title: 'Partie législative' },
  { id: 'LEGISCTA000006113759', title: 'Première partie : Les relations individuelles de travail' },
  { id: 'LEGISCTA000006113760', title: 'Livre II : Le contrat de travail' },
  { id: 'LEGISCTA000006113761', title: 'Titre III : Rupture du contrat de travail à durée indéterminée' },
  { id: 'LEGISCTA000006113762', title: 'Chapitre VII : Autres cas de rupture' },
];
export const SECTION_PATH = chapitre.map((s) => s.title);

export const L1237_19: FixtureArticle = {
  id: 'LEGIARTI000035652920',
  num: 'L1237-19',
  text: CODE_DU_TRAVAIL,
  sections: chapitre,
  content:
    '<p>Un accord collectif portant rupture conventionnelle collective peut déterminer le contenu d\'une rupture ' +
    'conventionnelle collective excluant tout licenciement pour atteindre les objectifs qui lui sont assignés en termes ' +
    'de suppression d\'emplois.</p><br/><p>L\'administration est informée sans délai de l\'ouverture d\'une négociation en vue de l\'accord précité.</p>',
  links: [{ id: 'LEGIARTI000035652930', num: 'L1237-19-1', type: 'CITATION', textId: CODE_DU_TRAVAIL.id }],
};

/** The same article rewritten by the increment: a new version (new id), the old one MODIFIE. */
export const L1237_19_V2: FixtureArticle = {
  ...L1237_19,
  id: 'LEGIARTI000049000001',
  debut: '2025-01-01',
  content:
    '<p>Un accord collectif portant rupture conventionnelle collective détermine le contenu d\'une rupture conventionnelle ' +
    'collective excluant tout licenciement, après consultation obligatoire du comité social et économique.</p>',
};
export const L1237_19_V1_MODIFIED: FixtureArticle = { ...L1237_19, etat: 'MODIFIE', fin: '2025-01-01' };

export const L1237_19_1: FixtureArticle = {
  id: 'LEGIARTI000035652930',
  num: 'L1237-19-1',
  text: CODE_DU_TRAVAIL,
  sections: chapitre,
  content: '<p>L\'accord portant rupture conventionnelle collective détermine le nombre maximal de départs envisagés et les suppressions d\'emplois associées.</p>',
};

/** L1237-11, two versions in the full dump: 2008 (MODIFIE in 2016) and 2016 (in force). */
export const L1237_11_2008: FixtureArticle = {
  id: 'LEGIARTI000019071148',
  num: 'L1237-11',
  etat: 'MODIFIE',
  debut: '2008-06-27',
  fin: '2016-08-10',
  text: CODE_DU_TRAVAIL,
  sections: chapitre,
  content: '<p>L\'employeur et le salarié peuvent convenir en commun des conditions de la rupture du contrat de travail qui les lie (rédaction de 2008, homologation par le préfet).</p>',
};
export const L1237_11_2016: FixtureArticle = {
  id: 'LEGIARTI000032983213',
  num: 'L1237-11',
  debut: '2016-08-10',
  text: CODE_DU_TRAVAIL,
  sections: chapitre,
  content:
    '<p>L\'employeur et le salarié peuvent convenir en commun des conditions de la rupture du contrat de travail qui les lie.</p>' +
    '<p>La rupture conventionnelle, exclusive du licenciement ou de la démission, ne peut être imposée par l\'une ou l\'autre des parties.</p>',
};

/** An abrogated article: never indexed. */
export const L1237_4_ABROGE: FixtureArticle = {
  id: 'LEGIARTI000006901158',
  num: 'L1237-4',
  etat: 'ABROGE',
  debut: '2008-05-01',
  fin: '2012-03-22',
  text: CODE_DU_TRAVAIL,
  sections: chapitre,
  content: '<p>Les stipulations relatives au départ à la retraite des salariés prévues par une convention de pupitreurs abrogée.</p>',
};

/** Not yet in force (VIGUEUR_DIFF): kept out until its date. */
export const L1237_20_DIFF: FixtureArticle = {
  id: 'LEGIARTI000049000099',
  num: 'L1237-20',
  etat: 'VIGUEUR_DIFF',
  debut: '2030-01-01',
  text: CODE_DU_TRAVAIL,
  sections: chapitre,
  content: '<p>Disposition future sur la cessation anticipée des télétravailleurs maritimes.</p>',
};

export const LOI_ART_1: FixtureArticle = {
  id: 'LEGIARTI000037368000',
  num: '1',
  text: LOI,
  sections: [{ id: 'LEGISCTA000037368001', title: 'Titre Ier : Vers une nouvelle société de compétences' }],
  content: '<p>Le compte personnel de formation est alimenté en euros à la fin de chaque année.</p>',
};

export const SYNTEC = {
  id: 'KALICONT000005635173',
  idcc: '1486',
  title: 'Convention collective nationale des bureaux d\'études techniques, des cabinets d\'ingénieurs-conseils et des sociétés de conseils du 15 décembre 1987',
};
const SYNTEC_TEXT = { id: 'KALITEXT000005679895', title: 'Convention collective nationale du 15 décembre 1987', nature: 'CONVENTION COLLECTIVE' };
const syntecSections: FixtureSection[] = [{ id: 'KALISCTA000005734470', title: 'Titre IV : Rupture du contrat de travail' }];

export const SYNTEC_PREAVIS: FixtureArticle = {
  id: 'KALIARTI000005849405',
  num: '15',
  etat: 'VIGUEUR_ETEN',
  debut: '1988-01-01',
  text: SYNTEC_TEXT,
  sections: syntecSections,
  agreement: SYNTEC,
  content: '<p>Sauf accord entre les parties prévoyant une durée supérieure, la durée du préavis des ingénieurs et cadres est de 3 mois.</p>',
};

/** An unnumbered KALI article (many are). */
export const SYNTEC_SANS_NUMERO: FixtureArticle = {
  id: 'KALIARTI000005849410',
  num: '',
  etat: 'VIGUEUR_ETEN',
  debut: '1988-01-01',
  text: SYNTEC_TEXT,
  sections: [{ id: 'KALISCTA000005734480', title: 'Annexe II : Classification des ingénieurs et cadres' }],
  agreement: SYNTEC,
  content: '<table><tr><td>Position 1.1</td><td>Coefficient 95</td></tr><tr><td>Position 2.1</td><td>Coefficient 105</td></tr></table>',
};
