import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import { CiteError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { normalise } from './embedder.js';

/**
 * Local ONNX model through @huggingface/transformers (`pipeline('feature-extraction')`, mean pooling,
 * normalised). Models are read from `modelsDir` (`<modelsDir>/<org>/<name>/` with onnx/model.onnx,
 * tokenizer.json, config.json); when downloads are allowed, missing files come from the Hugging Face
 * hub into the same directory, with a progress bar on a terminal.
 */
export const DEFAULT_TRANSFORMERS_MODEL = 'Xenova/multilingual-e5-small';

export interface TransformersEmbedderOptions {
  model: string;
  modelsDir: string;
  allowDownload: boolean;
  /** ONNX weights variant: 'fp32' (onnx/model.onnx), 'q8' (model_quantized.onnx)… */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  batchSize?: number;
  log?: Logger;
}

type FeatureExtractor = ((texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<{
  dims: number[];
  data: Float32Array;
}>) & {
  tokenizer: { encode(text: string): number[] };
  dispose(): Promise<void>;
};

export class TransformersEmbedder implements Embedder {
  readonly id: string;
  dimension = 0;
  private extractor!: FeatureExtractor;
  private readonly e5: boolean;
  private readonly batchSize: number;

  private constructor(private readonly options: TransformersEmbedderOptions) {
    this.id = `transformers:${options.model}`;
    this.e5 = /(^|[/-])e5([-/]|$)/i.test(options.model);
    this.batchSize = options.batchSize ?? 16;
  }

  /** Loads the model (offline unless allowed) and learns its dimension. Throws EMBEDDINGS_MODEL_UNAVAILABLE. */
  static async load(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const self = new TransformersEmbedder(options);
    const { env, pipeline } = await import('@huggingface/transformers');
    const dir = path.resolve(options.modelsDir);
    env.localModelPath = dir;
    env.allowLocalModels = true;
    env.allowRemoteModels = options.allowDownload;
    env.cacheDir = dir; // downloads land where the next offline start looks for them
    const progress = downloadProgress(options.model, options.log);
    try {
      self.extractor = (await pipeline('feature-extraction', options.model, {
        dtype: options.dtype ?? 'fp32',
        progress_callback: progress.callback,
      })) as unknown as FeatureExtractor;
    } catch (e) {
      throw new CiteError(
        'EMBEDDINGS_MODEL_UNAVAILABLE',
        `Cannot load the embedding model "${options.model}" from ${path.join(dir, options.model)}` +
          (options.allowDownload
            ? ' nor download it from the Hugging Face hub'
            : ' (downloads are off: set MODELS_ALLOW_DOWNLOAD=true, or copy the model there)') +
          `: ${(e as Error).message}`,
        { cause: e },
      );
    } finally {
      progress.stop();
    }
    const [probe] = await self.embedDocuments(['dimension']);
    self.dimension = probe!.length;
    return self;
  }

  async embedDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize).map((t) => (this.e5 ? `passage: ${t}` : t));
      out.push(...(await this.run(batch)));
    }
    return out;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [v] = await this.run([this.e5 ? `query: ${text}` : text]);
    return v!;
  }

  countTokens(text: string): number {
    return this.extractor.tokenizer.encode(text).length;
  }

  async close(): Promise<void> {
    await this.extractor.dispose();
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    const tensor = await this.extractor(texts, { pooling: 'mean', normalize: true });
    const [rows, dim] = tensor.dims as [number, number];
    const out: Float32Array[] = [];
    for (let r = 0; r < rows; r++) out.push(normalise(Float32Array.from(tensor.data.subarray(r * dim, (r + 1) * dim))));
    return out;
  }
}

/** Progress bar on a terminal, a log line per 10 % otherwise; only for actual downloads. Exported for tests. */
export function downloadProgress(model: string, log?: Pick<Logger, 'info'>, stream: NodeJS.WriteStream = process.stderr) {
  let bar: cliProgress.SingleBar | undefined;
  let lastDecile = -1;
  return {
    callback(info: { status: string; progress?: number; loaded?: number; total?: number }) {
      if (info.status !== 'progress_total' || !info.total) return;
      const mb = (n: number) => Math.round(n / 1e6);
      if (stream.isTTY) {
        bar ??= new cliProgress.SingleBar(
          { format: `Downloading ${model} [{bar}] {percentage}% {value}/{total} MB`, stream },
          cliProgress.Presets.shades_classic,
        );
        if (!bar.isActive) bar.start(mb(info.total), 0);
        bar.setTotal(mb(info.total));
        bar.update(mb(info.loaded ?? 0));
      } else {
        const decile = Math.floor((info.progress ?? 0) / 10);
        if (decile > lastDecile) {
          lastDecile = decile;
          log?.info({ model, loadedMb: mb(info.loaded ?? 0), totalMb: mb(info.total) }, `downloading model ${decile * 10}%`);
        }
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
