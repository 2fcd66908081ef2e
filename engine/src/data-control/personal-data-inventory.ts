/**
 * Where personal data can sit in the schema, and what erasure and retention do to it. The security
 * dossier publishes this list and checks every table and column against the migrations, so a renamed
 * or dropped column stops the dossier generation instead of leaving it wrong.
 */
export interface PersonalDataLocation {
  table: string;
  columns: string[];
  what: string;
  /** What `cite data erase --key-id` does to it. */
  erasure: string;
}

export const PERSONAL_DATA_LOCATIONS: readonly PersonalDataLocation[] = [
  {
    table: 'api_keys',
    columns: ['name', 'last_used_at'],
    what: 'the name given to a key (may name its holder) and when it was last used; the secret is stored only as a SHA-256 hash',
    erasure: 'kept (the key is the identity erasure is asked for); revoke it separately',
  },
  {
    table: 'answers',
    columns: ['api_key_id', 'question', 'conversation', 'answer'],
    what: 'questions asked with a key, earlier turns of the conversation, and the answers given',
    erasure: 'deleted',
  },
  {
    table: 'feedback',
    columns: ['api_key_id', 'comment', 'reasons'],
    what: 'ratings, reasons and free-text comments on answers',
    erasure: "deleted (the key's feedback, and all feedback on the key's answers)",
  },
  {
    table: 'eval_items',
    columns: ['question', 'answer_id'],
    what: 'evaluation questions, possibly made from a reviewed answer',
    erasure: "items made from the key's answers are deleted",
  },
  {
    table: 'eval_results',
    columns: ['question'],
    what: 'the question as evaluated in a run',
    erasure: "results of items made from the key's answers are deleted",
  },
  {
    table: 'audit_log',
    columns: ['actor_key_id', 'actor_name', 'ip', 'before', 'after'],
    what: 'who did what and from which address; before/after snapshots of changed records',
    erasure: "lines are kept (accountability) but lose their before/after content when they concern the key's answers or feedback; one content-free `data.erase` line is added",
  },
  {
    table: 'rate_limits',
    columns: ['key'],
    what: 'request counters of the current minute, per API key id and per client address (refused requests)',
    erasure: 'not per key; a counter ends with its minute and the engines delete ended ones within minutes',
  },
  {
    table: 'document_originals',
    columns: ['data'],
    what: 'the bytes of uploaded and ingested files (a letter or a decision may name people), kept so that citations can open them',
    erasure:
      'not per key; deleted with the last document holding it (document or collection deleted, file gone from its source), and any left over by the retention purge',
  },
  {
    table: 'chunks',
    columns: ['text'],
    what: 'text of indexed pages, which may quote people (phone numbers, e-mails, NIR, IBAN)',
    erasure: 'not per key; masked at indexing when the source has mask_personal_data=true',
  },
];
