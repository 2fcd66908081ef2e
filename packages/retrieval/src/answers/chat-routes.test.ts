/** POST /v1/chat/completions on a real engine over loopback: what earlier turns it keeps, and how. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';

for (const mode of availableModes()) {
  describe(`POST /v1/chat/completions [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode);
    });
    afterAll(async () => {
      await e?.stop();
    });

    it('cuts a long earlier turn without splitting an emoji, and stores it', async () => {
      // the 8,000-unit cut fell between the emoji's two halves: a lone surrogate, refused by jsonb (a 500)
      const earlier = `${'a'.repeat(7999)}😀 suite`;
      const messages = [
        { role: 'user', content: earlier },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'Quelle est la durée du congé de maternité ?' },
      ];
      const res = await e.fetch('/v1/chat/completions', { role: 'agent', body: { model: 'cite', messages } });
      expect(res.status).toBe(200);
      const id = ((await res.json()) as { cite: { answer_id: string } }).cite.answer_id;
      const { rows } = await e.db.query<{ conversation: Array<{ content: string }> }>(
        'SELECT conversation FROM answers WHERE id = $1',
        [id],
      );
      expect(rows[0]!.conversation[0]!.content).toBe('a'.repeat(7999));
    });
  });
}
