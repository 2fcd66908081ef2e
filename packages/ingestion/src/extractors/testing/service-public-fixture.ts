/**
 * Test fixture generator: a DILA "vos droits" fiche (schema 3.3 shape) using every element the
 * service-public extractor reads, for one audience.
 */
export interface FicheOptions {
  id?: string;
  audience?: 'Particuliers' | 'Professionnels' | 'Associations';
  /** Omit spUrl (some DILA files have none). */
  noUrl?: boolean;
  modified?: string;
  extraSource?: string;
}

const AUDIENCE_HOME: Record<string, string> = {
  Particuliers: 'Accueil particuliers',
  Professionnels: 'Accueil professionnels',
  Associations: 'Accueil associations',
};

export function ficheXml(o: FicheOptions = {}): string {
  const id = o.id ?? 'F1234';
  const audience = o.audience ?? 'Particuliers';
  const path = audience === 'Professionnels' ? 'professionnels-entreprises' : audience.toLowerCase();
  const url = o.noUrl ? '' : ` spUrl="https://www.service-public.fr/${path}/vosdroits/${id}"`;
  const sources = ['https://www.legifrance.gouv.fr/codes/id/LEGISCTA000006195624', o.extraSource].filter(Boolean).join(', ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Publication xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${id}" type="Fiche d'information" xsi:noNamespaceSchemaLocation="../Schemas/3.3/Publication.xsd"${url}>
<dc:title>Congé de paternité et d'accueil de l'enfant</dc:title>
<dc:subject>Famille</dc:subject>
<dc:description>Le congé de paternité permet au père de cesser son activité.</dc:description>
<dc:date>modified ${o.modified ?? '2020-07-01'}</dc:date>
<dc:source>${sources}</dc:source>
<dc:language>Fr</dc:language>
<SurTitre>Fiche pratique</SurTitre>
<Audience>${audience}</Audience>
<Canal>www.service-public.fr</Canal>
<FilDAriane><Niveau ID="${audience}">${AUDIENCE_HOME[audience]}</Niveau><Niveau ID="N19806">Travail</Niveau><Niveau ID="${id}">Congé de paternité</Niveau></FilDAriane>
<Theme ID="N19806"><Titre>Travail - Formation</Titre></Theme>
<DossierPere ID="N19807"><Titre>Congés</Titre><Fiche ID="${id}">Congé de paternité</Fiche></DossierPere>
<Introduction><Texte><Paragraphe>Le salarié peut bénéficier d'un congé de <MiseEnEvidence>25 jours</MiseEnEvidence> versé par la <LienInterne LienPublication="R24" type="Acronyme">CPAM</LienInterne>.</Paragraphe></Texte></Introduction>
<ListeSituations affichage="onglet">
  <Situation><Titre>Salarié</Titre><Texte>
    <Chapitre><Titre><Paragraphe>Bénéficiaires</Paragraphe></Titre>
      <Paragraphe>Le congé est ouvert :</Paragraphe>
      <Liste type="puce"><Item><Paragraphe>au père de l'enfant,</Paragraphe></Item><Item><Paragraphe>au conjoint de la mère</Paragraphe><Liste type="puce"><Item><Paragraphe>marié ou pacsé</Paragraphe></Item></Liste></Item></Liste>
      <SousChapitre><Titre><Paragraphe>Conditions d'ancienneté</Paragraphe></Titre><Paragraphe>Aucune condition d'ancienneté n'est exigée.</Paragraphe></SousChapitre>
    </Chapitre>
    <Chapitre><Titre><Paragraphe>Durée</Paragraphe></Titre>
      <BlocCas affichage="onglet"><Cas><Titre>Naissance unique</Titre><Paragraphe>La durée est de 25 jours calendaires.</Paragraphe></Cas><Cas><Titre>Naissances multiples</Titre><Paragraphe>La durée est de 32 jours calendaires.</Paragraphe></Cas></BlocCas>
      <Tableau><Titre>Indemnités journalières</Titre><Colonne largeur="20" type="header"/><Colonne largeur="20" type="normal"/>
        <Rangée type="header"><Cellule><Paragraphe>Situation</Paragraphe></Cellule><Cellule><Paragraphe>Montant</Paragraphe></Cellule></Rangée>
        <Rangée type="normal"><Cellule><Paragraphe>Salarié</Paragraphe></Cellule><Cellule><Paragraphe><Valeur>95,22 €</Valeur> par jour</Paragraphe></Cellule></Rangée>
      </Tableau>
      <ANoter><Titre>À noter</Titre><Paragraphe>Le congé peut être fractionné en 2 périodes.</Paragraphe></ANoter>
      <ASavoir><Titre>À savoir</Titre><Paragraphe>L'employeur ne peut pas refuser le congé.</Paragraphe></ASavoir>
      <Attention><Titre>Attention</Titre><Paragraphe>Le délai de prévenance est d'un mois.</Paragraphe></Attention>
    </Chapitre>
  </Texte></Situation>
  <Situation><Titre>Fonctionnaire</Titre><Texte><Paragraphe>Le fonctionnaire bénéficie des mêmes droits.</Paragraphe></Texte></Situation>
</ListeSituations>
<OuSAdresser ID="R1" type="Local"><Titre>Caisse primaire d'assurance maladie (CPAM)</Titre><PivotLocal>cpam</PivotLocal></OuSAdresser>
<Abreviation ID="R24" type="Sigle"><Titre>CPAM</Titre><Texte><Paragraphe>Caisse primaire d'assurance maladie</Paragraphe></Texte></Abreviation>
<Abreviation ID="R25" type="Acronyme"><Titre>Urssaf</Titre><Texte><Paragraphe>Union de recouvrement des cotisations de sécurité sociale et d'allocations familiales</Paragraphe></Texte></Abreviation>
<QuestionReponse ID="F2" audience="${audience}">Une question liée ?</QuestionReponse>
</Publication>`;
}
