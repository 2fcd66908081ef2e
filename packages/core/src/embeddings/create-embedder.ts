import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { CiteError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { HashEmbedder } from './hash-embedder.js';
import { OpenAIEmbedder } from './openai-embedder.js';
import { DEFAULT_TRANSFORMERS_MODEL, TransformersEmbedder } from './transformers-embedder.js';

export type EmbedderConfig = Pick<
  Config,
  'EMBEDDINGS' | 'EMBEDDINGS_BASE_URL' | 'EMBEDDINGS_API_KEY' | 'MODELS_DIR' | 'MODELS_ALLOW_DOWNLOAD' | 'DATA_DIR'
> &
  Partial<Pick<Config, 'EMBEDDINGS_FALLBACK_TO_HASH' | 'EMBEDDINGS_TIMEOUT_MS' | 'EMBEDDINGS_MAX_RETRIES' | 'EMBEDDINGS_BATCH_SIZE'>>;

/**
 * Builds the embedder the configuration names (`EMBEDDINGS`):
 * - `hash`: built-in, nothing to load;
 * - `transformers` or `transformers:<model>`: local ONNX model from MODELS_DIR (default
 *   `<DATA_DIR>/models`), downloaded only when MODELS_ALLOW_DOWNLOAD=true. When it cannot be loaded
 *   and EMBEDDINGS_FALLBACK_TO_HASH is true (the default), the hash embedder is used with a warning:
 *   the engine still starts and answers, and the model recorded in the database (settings
 *   'embedding') keeps the two from ever being mixed — indexing refuses with EMBEDDING_MODEL_MISMATCH
 *   until the model is fixed or `cite reembed` is run. With the fallback off, loading fails;
 * - `openai:<model>`: EMBEDDINGS_BASE_URL (required) and EMBEDDINGS_API_KEY; the dimension is learnt by
 *   one probe request, so an unreachable server is reported at once (no fallback: a network blip must
 *   not switch models).
 */
export async function createEmbedder(cfg: EmbedderConfig, log?: Logger): Promise<Embedder> {
  const spec = cfg.EMBEDDINGS;
  if (spec === 'hash') return new HashEmbedder();
  const colon = spec.indexOf(':');
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  const model = colon === -1 ? '' : spec.slice(colon + 1);
  if (kind === 'transformers') {
    const modelsDir = cfg.MODELS_DIR ?? path.join(cfg.DATA_DIR, 'models');
    try {
      return await TransformersEmbedder.load({
        model: model || DEFAULT_TRANSFORMERS_MODEL,
        modelsDir,
        allowDownload: cfg.MODELS_ALLOW_DOWNLOAD,
        log,
      });
    } catch (e) {
      if (cfg.EMBEDDINGS_FALLBACK_TO_HASH === false) throw e;
      log?.warn(
        { err: (e as Error).message, model: model || DEFAULT_TRANSFORMERS_MODEL, modelsDir },
        'EMBEDDINGS MODEL NOT LOADED: falling back to the built-in hash embedder (lower quality semantic search). ' +
          'Fix MODELS_DIR / MODELS_ALLOW_DOWNLOAD, or set EMBEDDINGS_FALLBACK_TO_HASH=false to stop instead.',
      );
      if (!log) process.emitWarning(`Embedding model not loaded, using the hash embedder: ${(e as Error).message}`);
      return new HashEmbedder();
    }
  }
  if (kind === 'openai') {
    if (!cfg.EMBEDDINGS_BASE_URL) {
      throw new CiteError(
        'CONFIG_INVALID',
        'EMBEDDINGS=openai:<model> needs EMBEDDINGS_BASE_URL (the server URL ending in /v1, e.g. http://localhost:8000/v1)',
      );
    }
    return new OpenAIEmbedder({
      baseUrl: cfg.EMBEDDINGS_BASE_URL,
      model,
      apiKey: cfg.EMBEDDINGS_API_KEY,
      timeoutMs: cfg.EMBEDDINGS_TIMEOUT_MS,
      maxRetries: cfg.EMBEDDINGS_MAX_RETRIES,
      batchSize: cfg.EMBEDDINGS_BATCH_SIZE,
    }).init();
  }
  throw new CiteError('CONFIG_INVALID', `EMBEDDINGS: unknown provider "${spec}" (expected hash, transformers:<model> or openai:<model>)`);
}
