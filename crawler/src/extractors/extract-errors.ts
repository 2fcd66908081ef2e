import { CiteError } from '@cite/engine/errors.js';

/**
 * A document over its extraction time budget. Raised by the extraction front door and by the PDF thread
 * (which also stops the work), so built here once: same code, status and retry flag from both.
 */
export function extractTimeout(message: string): CiteError {
  return new CiteError('EXTRACT_TIMEOUT', message, { status: 422, retryable: true });
}
