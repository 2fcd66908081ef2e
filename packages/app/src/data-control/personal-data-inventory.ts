/**
 * Where personal data can sit in the schema, and what erasure and retention do to it. The security
 * dossier publishes this list and checks every table and column against the migrations, so a renamed
 * or dropped column stops the dossier generation instead of leaving it wrong.
 */
export interface PersonalDataLocation {
  table: string;
  columns: string[];
  /** In French: published as is in the security dossier (data-flow.md). */
  what: string;
  /** What `cite data erase --key-id` does to it. */
  erasure: string;
}

export const PERSONAL_DATA_LOCATIONS: readonly PersonalDataLocation[] = [
  {
    table: 'api_keys',
    columns: ['name', 'last_used_at'],
    what: "nom donné à la clé (il peut désigner son détenteur) et date de dernière utilisation ; le secret n'est conservé que sous forme d'empreinte SHA-256",
    erasure: "conservée (la clé est l'identité pour laquelle l'effacement est demandé) ; la révoquer séparément",
  },
  {
    table: 'users',
    columns: ['sub', 'email', 'name', 'last_sign_in_at'],
    what: "personnes connectées par OpenID Connect (ProConnect) : identifiant chez le fournisseur, adresse électronique, nom et date de dernière connexion ; chacune agit par une clé d'API qui lui est propre",
    erasure: "conservée (la personne est l'identité de sa clé) ; la désactiver dans l'écran Utilisateurs met fin à ses sessions",
  },
  {
    table: 'sessions',
    columns: ['ip', 'id_token'],
    what: "sessions ouvertes dans la console : adresse de connexion et jeton d'identité du fournisseur (renvoyé à la déconnexion)",
    erasure: "conservées jusqu'à un jour après leur fin ou leur expiration, puis supprimées",
  },
  {
    table: 'answers',
    columns: ['api_key_id', 'question', 'conversation', 'answer'],
    what: 'questions posées avec la clé, tours précédents de la conversation et réponses données',
    erasure: 'supprimées',
  },
  {
    table: 'feedback',
    columns: ['api_key_id', 'comment', 'reasons'],
    what: 'notes, motifs et commentaires libres sur les réponses',
    erasure: 'supprimés (avis donnés avec la clé, et tous les avis portant sur ses réponses)',
  },
  {
    table: 'eval_items',
    columns: ['question', 'answer_id'],
    what: "questions d'évaluation, éventuellement tirées d'une réponse relue",
    erasure: 'les éléments tirés des réponses de la clé sont supprimés',
  },
  {
    table: 'eval_results',
    columns: ['question'],
    what: "la question telle qu'évaluée lors d'une exécution",
    erasure: 'les résultats des éléments tirés des réponses de la clé sont supprimés',
  },
  {
    table: 'audit_log',
    columns: ['actor_key_id', 'actor_name', 'ip', 'before', 'after'],
    what: "qui a fait quoi et depuis quelle adresse ; états avant/après des enregistrements modifiés",
    erasure: "les lignes sont conservées (traçabilité) mais perdent leur contenu avant/après lorsqu'elles concernent les réponses ou avis de la clé ; une ligne `data.erase` sans contenu est ajoutée",
  },
  {
    table: 'rate_limits',
    columns: ['key'],
    what: "compteurs de requêtes de la minute en cours, par identifiant de clé d'API et par adresse du client (requêtes refusées)",
    erasure: 'sans lien avec une clé ; un compteur expire avec sa minute et les moteurs suppriment les compteurs expirés en quelques minutes',
  },
  {
    table: 'document_originals',
    columns: ['data'],
    what: 'contenu des fichiers téléversés et ingérés (un courrier ou une décision peut nommer des personnes), conservé pour que les citations puissent les ouvrir',
    erasure:
      'sans lien avec une clé ; supprimé avec le dernier document qui le contient (document ou collection supprimés, fichier disparu de sa source), les restes étant supprimés par la purge de conservation',
  },
  {
    table: 'chunks',
    columns: ['text'],
    what: 'texte des pages indexées, qui peut citer des personnes (numéros de téléphone, adresses électroniques, NIR, IBAN)',
    erasure: "sans lien avec une clé ; masqué à l'indexation lorsque la source a mask_personal_data=true",
  },
];
